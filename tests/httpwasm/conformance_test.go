package httpwasm_test

import (
	"fmt"
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
	if err := conformance.RemoveRecord(dir, host); err != nil {
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

	res := conformance.Run(t, files, engines)
	if err := res.Record(host).WriteFile(dir); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("conformance: %s %s (recorded for the host matrix)\n", host, res)
}
