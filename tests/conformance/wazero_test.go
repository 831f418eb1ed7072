package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/tests/conformance"
	"github.com/craftingapis/todos/wasmhost"
)

// callTimeout bounds one Configure or Authorize in the harness; a real call
// takes milliseconds, so hitting it means the engine hung.
const callTimeout = 10 * time.Second

// wazeroEngine runs ABI v1 through wasmhost, the origin's host: the request
// goes in as an edgeauth.Request, the Decision comes out as the struct the
// origin sees and is re-encoded with conformance.DecisionJSON.
type wazeroEngine struct {
	h *wasmhost.Host
	// configured records that a Configure succeeded, so that a "fresh"
	// engine which wrongly accepted a config is not reused as fresh.
	configured bool
}

func (e *wazeroEngine) Configure(cfg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	err := e.h.Configure(ctx, cfg)
	if err == nil {
		e.configured = true
	}
	return err
}

func (e *wazeroEngine) Authorize(reqJSON []byte) ([]byte, error) {
	var req edgeauth.Request
	if err := json.Unmarshal(reqJSON, &req); err != nil {
		return nil, fmt.Errorf("vector request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	d, err := e.h.Authorize(ctx, &req)
	if err != nil {
		return nil, err
	}
	return conformance.DecisionJSON(d), nil
}

// The module and hosts are shared by every test of the process: compiling
// costs seconds, and a host is cheap to reconfigure.
var (
	wazeroOnce   sync.Once
	wazeroModule []byte
	wazeroErr    error
	hostsMu      sync.Mutex
	openHosts    []*wasmhost.Host
)

// newWazeroEngine starts a Host with one instance, so that every vector
// runs on the same instance after the previous one's Configure.
func newWazeroEngine(tb testing.TB) *wazeroEngine {
	tb.Helper()
	path := edgeauthtest.ModulePath(tb)
	wazeroOnce.Do(func() { wazeroModule, wazeroErr = os.ReadFile(path) })
	if wazeroErr != nil {
		tb.Fatal(wazeroErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := wasmhost.New(ctx, wazeroModule, wasmhost.Options{
		PoolSize: 1,
		CacheDir: filepath.Join(os.TempDir(), "edgeauth-conformance-wazero-cache"),
	})
	if err != nil {
		tb.Fatalf("wasmhost.New: %v", err)
	}
	hostsMu.Lock()
	openHosts = append(openHosts, h)
	hostsMu.Unlock()
	return &wazeroEngine{h: h}
}

// closeHosts is called by TestMain after the tests.
func closeHosts() {
	hostsMu.Lock()
	defer hostsMu.Unlock()
	for _, h := range openHosts {
		h.Close(context.Background())
	}
	openHosts = nil
}

// wazeroEngines gives a main host and a shared never-configured one,
// replaced if it ever accepts a config.
func wazeroEngines(tb testing.TB) conformance.Engines {
	var fresh *wazeroEngine
	return conformance.Engines{
		Main: newWazeroEngine(tb),
		Fresh: func(tb testing.TB) conformance.Engine {
			if fresh == nil || fresh.configured {
				fresh = newWazeroEngine(tb)
			}
			return fresh
		},
	}
}

// TestConformanceWazero runs the corpus under wasmhost, the origin's host,
// and records its decisions to build/conformance/wazero.json: the reference
// row of the host matrix (tests/node/matrix.mjs).
func TestConformanceWazero(t *testing.T) {
	files := loadCorpus(t)
	if err := conformance.RemoveRecord(recordDir, "wazero"); err != nil {
		t.Fatal(err)
	}
	res := conformance.Run(t, files, wazeroEngines(t))
	if err := res.Record("wazero").WriteFile(recordDir); err != nil {
		t.Fatal(err)
	}
	summarize("wazero %s (recorded for the host matrix)", res)
}

// TestConformanceEnginesAgree runs every vector natively and under wazero
// and requires identical Decisions, every field included (even the free
// wording of error_description), whether or not they pass the vector.
func TestConformanceEnginesAgree(t *testing.T) {
	files := loadCorpus(t)
	native, wazero := nativeEngines(), wazeroEngines(t)
	same, total := 0, 0
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			var curN, curW string
			for i := range f.Vectors {
				v := &f.Vectors[i]
				t.Run(v.Name, func(t *testing.T) {
					total++
					dn, err := conformance.Decide(t, f, v, native, &curN)
					if err != nil {
						t.Fatalf("native: %v", err)
					}
					dw, err := conformance.Decide(t, f, v, wazero, &curW)
					if err != nil {
						t.Fatalf("wazero: %v", err)
					}
					if diffs := conformance.SameDecision(dn, dw); len(diffs) > 0 {
						t.Errorf("native and wazero differ:\nnative: %s\nwazero: %s", dn, dw)
						for _, d := range diffs {
							t.Error(d)
						}
						return
					}
					same++
				})
			}
		})
	}
	summarize("native=wazero %d/%d decisions identical", same, total)
}
