package conformance_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
	"github.com/craftingapis/todos/tests/internal/genvectors"
)

// TestCorpusIsGenerated fails when a vector file was edited by hand or the
// generator changed without `go run ./tests/cmd/genvectors` being re-run.
func TestCorpusIsGenerated(t *testing.T) {
	want, err := genvectors.Generate(os.DirFS(filepath.Join(corpusDir, "keys")))
	if err != nil {
		t.Fatal(err)
	}
	again, err := genvectors.Generate(os.DirFS(filepath.Join(corpusDir, "keys")))
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range onDisk {
		names = append(names, filepath.Base(p))
	}
	var wantNames []string
	for name, b := range want {
		wantNames = append(wantNames, name)
		if !bytes.Equal(b, again[name]) {
			t.Errorf("%s: the generator is not deterministic", name)
		}
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("corpus files %v, generator makes %v: run go run ./tests/cmd/genvectors", names, wantNames)
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from the generator's output: run go run ./tests/cmd/genvectors (never edit vectors by hand)", name)
		}
	}
}

// TestCorpusShape checks the corpus is large and well-formed: strict
// loading, enough vectors, and both outcomes for every file.
func TestCorpusShape(t *testing.T) {
	files := loadCorpus(t)
	if n := conformance.Count(files); n < 200 {
		t.Errorf("corpus has %d vectors, want at least 200", n)
	}
	for _, f := range files {
		var allow, deny int
		for _, v := range f.Vectors {
			if string(v.Expect["allow"]) == "true" {
				allow++
			} else {
				deny++
			}
		}
		if allow == 0 || deny == 0 {
			t.Errorf("%s: %d allowed and %d denied vectors; every file needs both", f.Name, allow, deny)
		}
	}
}
