package node_test

// TestRecordWazero runs the conformance corpus under wazero (wasmhost, the
// origin's host) and records every decision to build/conformance/wazero.json,
// in the format the JS runners write (see record.mjs), so that matrix.mjs can
// compare Node and workerd with wazero vector by vector. It judges every
// vector too (conformance.Check), so it fails on its own like any harness.
//
// Decisions go through wasmhost's public API (edgeauth.Request in,
// edgeauth.Decision out), which is what the origin sees of the module, and
// are written back with edgeauth.AppendDecisionJSON, the module's own
// encoder. matrix.mjs compares decisions by meaning, with empty optional
// fields counted as absent on every host alike.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/tests/conformance"
	"github.com/craftingapis/todos/wasmhost"
)

const repoRoot = "../.."

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

// hostEngine adapts a wasmhost.Host to conformance.Engine.
type hostEngine struct{ h *wasmhost.Host }

func (e hostEngine) Configure(config []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return e.h.Configure(ctx, config)
}

func (e hostEngine) Authorize(request []byte) ([]byte, error) {
	req, err := edgeauth.ParseRequestJSON(request)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := e.h.Authorize(ctx, &req)
	if err != nil {
		return nil, err
	}
	return edgeauth.AppendDecisionJSON(nil, &d), nil
}

// modulePath returns $EDGEAUTH_MODULE, or builds the module into a temp dir.
func modulePath(t *testing.T) string {
	if p := os.Getenv("EDGEAUTH_MODULE"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(repoRoot, p)
		}
		return p
	}
	out := filepath.Join(t.TempDir(), "edgeauth.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, "./edgeauth/wasm")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module: %v\n%s", err, b)
	}
	return out
}

func newHost(t *testing.T, module []byte, cacheDir string) *wasmhost.Host {
	h, err := wasmhost.New(context.Background(), module, wasmhost.Options{PoolSize: 1, CacheDir: cacheDir})
	if err != nil {
		t.Fatalf("wasmhost.New: %v", err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

func TestRecordWazero(t *testing.T) {
	dir := filepath.Join(repoRoot, "build/conformance")
	// A stale record from an earlier run must never stand in for this one.
	if err := os.Remove(filepath.Join(dir, "wazero.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	files, err := conformance.LoadDir(filepath.Join(repoRoot, "tests/testdata/conformance"))
	if err != nil {
		t.Fatal(err)
	}
	module, err := os.ReadFile(modulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	engines := conformance.Engines{Main: hostEngine{newHost(t, module, cache)}}
	var fresh conformance.Engine // one never-configured host serves every fresh vector
	engines.Fresh = func(t testing.TB) conformance.Engine {
		if fresh == nil {
			fresh = hostEngine{newHost(t.(*testing.T), module, cache)}
		}
		return fresh
	}

	rec := &record{Host: "wazero", Total: conformance.Count(files), Vectors: map[string]*recordEntry{}}
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

	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wazero.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("conformance: wazero %d/%d vectors passed (recorded for the host matrix)\n", rec.Passed, rec.Total)
}
