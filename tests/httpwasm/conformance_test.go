package httpwasm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
)

// TestConformanceHTTPWasm runs the whole corpus through the http-wasm
// middleware, judges every vector with the conformance harness and records
// every decision to build/conformance/http-wasm.json for the host matrix
// (node tests/node/matrix.mjs), which compares them with wazero's.
func TestConformanceHTTPWasm(t *testing.T) {
	const host = "http-wasm"
	dir := filepath.Join(repoRoot, "build/conformance")
	// A stale record from an earlier run must never stand in for this one.
	if err := os.Remove(filepath.Join(dir, host+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	files, err := conformance.LoadDir(filepath.Join(repoRoot, "tests/testdata/conformance"))
	if err != nil {
		t.Fatal(err)
	}
	engines := conformance.Engines{Main: newEngine(t, compiled)}
	var fresh *engine // never configured; a rejected config changes nothing
	engines.Fresh = func(testing.TB) conformance.Engine {
		if fresh == nil {
			fresh = newEngine(t, compiled)
		}
		return fresh
	}

	rec := &record{Host: host, Total: conformance.Count(files), Vectors: map[string]*recordEntry{}}
	for _, f := range files {
		current := ""
		for i := range f.Vectors {
			v := &f.Vectors[i]
			e := &recordEntry{Problems: []string{}}
			rec.Vectors[f.Name+"/"+v.Name] = e
			decision, err := conformance.Decide(t, f, v, engines, &current)
			if err != nil {
				current = ""
				e.Problems = append(e.Problems, err.Error())
			} else {
				s := string(decision)
				e.Decision = &s
				e.Problems = append(e.Problems, conformance.Check(v, decision)...)
			}
			if e.Pass = len(e.Problems) == 0; e.Pass {
				rec.Passed++
			} else {
				t.Errorf("%s/%s (%s): decision %s: %v", f.Name, v.Name, v.Source, decision, e.Problems)
			}
		}
	}
	if err := rec.write(dir); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("conformance: %s %d/%d vectors passed (recorded for the host matrix)\n", host, rec.Passed, rec.Total)
}

// record is the host matrix's record format, the one every runner writes
// (see tests/node/record.mjs): {"host","total","passed","vectors":{
// "<file>/<vector>": {"pass","problems","decision"}}}, decision null when
// the engine itself failed.
type record struct {
	Host    string                  `json:"host"`
	Total   int                     `json:"total"`
	Passed  int                     `json:"passed"`
	Vectors map[string]*recordEntry `json:"vectors"`
}

type recordEntry struct {
	Pass     bool     `json:"pass"`
	Problems []string `json:"problems"`
	Decision *string  `json:"decision"`
}

func (r *record) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, r.Host+".json"), append(b, '\n'), 0o644)
}
