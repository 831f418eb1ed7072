package conformance_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
)

// corpusDir is the corpus, relative to this package's directory (where
// go test runs the test binary).
var corpusDir = filepath.Join("..", "testdata", "conformance")

// recordDir receives the wazero run's decisions for the host matrix, beside
// those of the JS runners (tests/node/record.mjs).
var recordDir = filepath.Join("..", "..", "build", "conformance")

// summaries collects one line per engine run; TestMain prints them after
// the tests so that `go test -v` (or a Makefile grep) shows how many
// vectors ran on each engine.
var (
	summaryMu sync.Mutex
	summaries []string
)

func summarize(format string, args ...any) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	summaries = append(summaries, fmt.Sprintf(format, args...))
}

func TestMain(m *testing.M) {
	code := m.Run()
	closeHosts()
	for _, s := range summaries {
		fmt.Println("conformance:", s)
	}
	os.Exit(code)
}

// loadCorpus loads every vector file or stops the test.
func loadCorpus(t testing.TB) []*conformance.File {
	t.Helper()
	files, err := conformance.LoadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}
