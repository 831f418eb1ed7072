// The race detector randomises sync.Pool, in which the host library keeps
// its instances, so whether the dead instance is ever let go of is not this
// test's to judge under -race; the concurrency tests cover the race detector.

//go:build !race

package httpwasm_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/tetratelabs/wazero"
)

// TestMiddlewareTrap traps the guest mid-request, the one way a host can
// without a bug in the guest: a request whose context is cancelled, on a
// runtime that closes a module when its call's context is done. The trapped
// request fails closed (500, never forwarded), the server keeps serving, no
// later request is forwarded without a verified identity, and once the host
// library's pool has let go of the dead instance (it keeps it in a
// sync.Pool, which drops entries over two garbage collections) requests are
// decided normally again.
//
// http-wasm-host-go v0.7.0 puts an instance back into its pool even after a
// failed call, so requests that draw the closed instance fail (closed) too
// until then; the test logs how many did.
func TestMiddlewareTrap(t *testing.T) {
	is := newIssuer(t)
	up := newUpstream()
	rc := wazero.NewRuntimeConfig().WithCompilationCache(compiled).WithCloseOnContextDone(true)
	s, err := newStack(t, rc, traefikModuleConfig(), is.config(t, false), up)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	token := is.token(t, "users/42", "todos:read", "j")
	serve := func(ctx context.Context, id string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/users/42/todos", nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Request-Id", id)
		s.handler.ServeHTTP(rec, req)
		got, forwarded := up.got(id)
		switch {
		case rec.Code == http.StatusNoContent && forwarded && got.Get("X-Auth-Subject") == "users/42":
		case rec.Code == http.StatusInternalServerError && !forwarded:
		default:
			t.Fatalf("request %s: answered %d %.200s, forwarded %v: neither decided nor failed closed", id, rec.Code, rec.Body, forwarded)
		}
		return rec.Code
	}

	if code := serve(context.Background(), "before"); code != http.StatusNoContent {
		t.Fatalf("before the trap: %d", code)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if code := serve(cancelled, "trapped"); code != http.StatusInternalServerError {
		t.Fatalf("the trapped request answered %d, want 500", code)
	}
	failed := 0
	for _, id := range []string{"after-1", "after-2", "after-3"} {
		if serve(context.Background(), id) != http.StatusNoContent {
			failed++
		}
	}
	t.Logf("after the trap, %d of 3 requests drew the closed instance and failed closed", failed)
	runtime.GC()
	runtime.GC()
	if code := serve(context.Background(), "recovered"); code != http.StatusNoContent {
		t.Fatalf("after the pool let go of the closed instance: %d, want 204", code)
	}
}
