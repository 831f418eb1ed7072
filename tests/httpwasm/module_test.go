package httpwasm_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/http-wasm/http-wasm-host-go/api"
	"github.com/http-wasm/http-wasm-host-go/handler"
	wasm "github.com/http-wasm/http-wasm-host-go/handler/nethttp"
	"github.com/tetratelabs/wazero"
)

const repoRoot = "../.."

// compiled is the compilation cache every middleware of these tests shares,
// as Traefik shares one between the middlewares of a plugin: the module is
// compiled once per test process.
var compiled = wazero.NewCompilationCache()

var (
	moduleOnce  sync.Once
	moduleBytes []byte
	moduleErr   error
	moduleOut   []byte
)

// module returns the guest: $EDGEAUTH_HTTPWASM_MODULE, else a fresh build
// with the flags of `make wasm`, so that a stale file is never tested by
// mistake.
func module(tb testing.TB) []byte {
	tb.Helper()
	moduleOnce.Do(func() {
		p := os.Getenv("EDGEAUTH_HTTPWASM_MODULE")
		if p == "" {
			dir, err := os.MkdirTemp("", "edgeauth-httpwasm-")
			if err != nil {
				moduleErr = err
				return
			}
			defer os.RemoveAll(dir)
			p = filepath.Join(dir, "edgeauth-httpwasm.wasm")
			cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", p, "./edgeauth/httpwasm/wasm")
			cmd.Dir = repoRoot
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
			if moduleOut, moduleErr = cmd.CombinedOutput(); moduleErr != nil {
				return
			}
		} else if !filepath.IsAbs(p) {
			p = filepath.Join(repoRoot, p)
		}
		moduleBytes, moduleErr = os.ReadFile(p)
	})
	if moduleErr != nil {
		tb.Fatalf("the http-wasm module: %v\n%s", moduleErr, moduleOut)
	}
	return moduleBytes
}

// traefikModuleConfig is the wazero module config Traefik (v3,
// pkg/plugins/middlewarewasm.go) gives a wasm plugin: the real wall clock,
// and _start or, for a reactor like this guest, _initialize. Monotonic time
// and randomness stay wazero's defaults (fake and deterministic); the guest
// needs neither to decide.
func traefikModuleConfig() wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithSysWalltime().WithStartFunctions("_start", "_initialize")
}

// logRecorder is the host logger: it keeps what the guest logs.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) IsEnabled(level api.LogLevel) bool { return level >= api.LogLevelInfo }

func (l *logRecorder) Log(_ context.Context, level api.LogLevel, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msg)
}

// configRejection returns the config rejection the guest logged, or "".
func (l *logRecorder) configRejection() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.HasPrefix(m, "edgeauth: invalid config") {
			return m
		}
	}
	return ""
}

// stack is one middleware, built as Traefik builds one: a wazero runtime
// (Traefik's has a compilation cache and nothing else), the guest config,
// the module config and a logger, wrapped around next.
type stack struct {
	mw      wasm.Middleware
	handler http.Handler
	log     *logRecorder
}

func newStack(tb testing.TB, rc wazero.RuntimeConfig, mc wazero.ModuleConfig, guestConfig []byte, next http.Handler) (*stack, error) {
	tb.Helper()
	ctx := context.Background()
	s := &stack{log: &logRecorder{}}
	opts := []handler.Option{
		handler.ModuleConfig(mc),
		handler.Logger(s.log),
		handler.Runtime(func(ctx context.Context) (wazero.Runtime, error) {
			return wazero.NewRuntimeWithConfig(ctx, rc), nil
		}),
	}
	if guestConfig != nil {
		opts = append(opts, handler.GuestConfig(guestConfig))
	}
	mw, err := wasm.NewMiddleware(ctx, module(tb), opts...)
	if err != nil {
		return nil, err
	}
	s.mw = mw
	s.handler = mw.NewHandler(ctx, next)
	return s, nil
}

func (s *stack) close() { _ = s.mw.Close(context.Background()) }

// mustStack is newStack for tests that expect it to work; the stack is
// closed at the end of the test.
func mustStack(tb testing.TB, mc wazero.ModuleConfig, guestConfig []byte, next http.Handler) *stack {
	tb.Helper()
	s, err := newStack(tb, wazero.NewRuntimeConfig().WithCompilationCache(compiled), mc, guestConfig, next)
	if err != nil {
		tb.Fatalf("wasm.NewMiddleware: %v", err)
	}
	tb.Cleanup(s.close)
	return s
}
