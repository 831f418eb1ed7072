package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost/internal/testmodules"
	"github.com/craftingapis/todos/wasmhost/meter"
)

// Test modules, built once per test process by TestMain; see
// internal/testmodules for what each does.
var (
	// fakeModule is metered, as make wasm builds the real module: bounded
	// by fuel, which counts work, so a loaded machine cannot make a test
	// call overrun the way it can overrun a wall-clock deadline.
	fakeModule []byte
	// unmeteredFakeModule is the same module without fuel, for the tests
	// of the deadline that bounds such modules.
	unmeteredFakeModule []byte
	// cacheDir is shared by every test Host so that each module compiles
	// once. It persists across runs (wazero keys entries by module hash,
	// wazero version, CPU features and the deadline setting, so a stale
	// entry cannot be used): a rerun, notably under -race where compiling
	// is far slower, skips compiling altogether.
	cacheDir = filepath.Join(os.TempDir(), "wasmhost-test-wazero-cache")
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wasmhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	mods, err := testmodules.Build(dir, "fake")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	unmeteredFakeModule = mods["fake"]
	if fakeModule, err = meter.Instrument(unmeteredFakeModule, meter.DefaultExport); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// newHost starts a Host on module, closed when the test ends.
func newHost(tb testing.TB, module []byte, opts Options) *Host {
	tb.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	h, err := New(context.Background(), module, opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return h
}

// newFakeHost starts a Host on the fake module and configures issuer.
func newFakeHost(tb testing.TB, opts Options, issuer string) *Host {
	tb.Helper()
	h := newHost(tb, fakeModule, opts)
	if err := h.Configure(context.Background(), fakeConfig(issuer)); err != nil {
		tb.Fatalf("Configure(%q): %v", issuer, err)
	}
	return h
}

func fakeConfig(issuer string) []byte { return fmt.Appendf(nil, `{"issuer":%q}`, issuer) }

func get(path string) *edgeauth.Request {
	return &edgeauth.Request{Method: "GET", Path: path, Headers: map[string][]string{"authorization": {"Bearer t"}}}
}

// mustAllow calls Authorize and checks the fake module's echo: the answer
// is for this request, under the Config named issuer.
func mustAllow(tb testing.TB, h *Host, path, issuer string) {
	tb.Helper()
	d, err := h.Authorize(context.Background(), get(path))
	if err != nil {
		tb.Fatalf("Authorize(%s): %v", path, err)
	}
	if !d.Allow || d.Subject != "GET "+path || d.JTI != issuer {
		tb.Fatalf("Authorize(%s) = %+v, want allowed echo under config %q", path, d, issuer)
	}
}

// waitRefilled waits until every replacement instance has started.
func waitRefilled(h *Host) { h.refills.Wait() }

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
