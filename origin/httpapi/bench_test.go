package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin/internal/jsonlog"
)

// BenchmarkGetTodo measures the HTTP layer's own cost per request (request
// ID, access log, auth step call, routing, guard, JSON out) with in-memory
// fakes behind it and an instant auth step.
func BenchmarkGetTodo(b *testing.B) {
	hs := newHarness(b, true)
	hs.seed()
	hs.do("POST", "/users/1/todos", `{"title":"bench"}`, "Authorization", "Bearer alice")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/users/1/todos/1", nil)
		req.Header.Set("Authorization", "Bearer alice")
		rec := httptest.NewRecorder()
		hs.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		hs.authz.seen = hs.authz.seen[:0]
	}
}

// BenchmarkDecodeStrict measures the strict body check on a typical body.
func BenchmarkDecodeStrict(b *testing.B) {
	body := []byte(`{"email":"someone@example.com","password":"a long enough password","name":"Some One"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var dst struct {
			Email, Password, Name string
		}
		if err := decodeStrict(body, &dst); err != nil {
			b.Fatal(err)
		}
	}
}

// encodedTodos is a TodoService that answers lists from precomputed
// bytes, as origin/todocache does.
type encodedTodos struct {
	*fakeTodos
	page []byte
}

func (e encodedTodos) ListTodosJSON(context.Context, int64, int, string) ([]byte, error) {
	return e.page, nil
}

// allowAll is an auth step that allows everything with one decision, at
// once (as wasmhost's decision cache does for a repeated token).
type allowAll struct{ d edgeauth.Decision }

func (a allowAll) Authorize(context.Context, *edgeauth.Request) (edgeauth.Decision, error) {
	return a.d, nil
}

// discardWriter is a ResponseWriter that keeps nothing but a header map,
// so that the benchmark sees the layer's own allocations, not a recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkListEncoded measures the HTTP layer's own cost on the request
// the load benchmarks send (GET /users/1/todos answered from precomputed
// bytes), with security off and with an auth step that allows at once (as
// wasmhost's decision cache does for a repeated token): request ID, access
// log (JSON as the server writes it, discarded), auth step, routing, guard
// and the answer.
// net/http's own parsing and writing are not in it.
func BenchmarkListEncoded(b *testing.B) {
	for _, security := range []bool{false, true} {
		name := "security=off"
		if security {
			name = "security=on"
		}
		b.Run(name, func(b *testing.B) {
			o := Options{
				Users: newFakeUsers(), Todos: encodedTodos{newFakeTodos(), bytes.Repeat([]byte("x"), 1400)},
				Sessions: &fakeSessions{}, Auth: &fakeAuth{}, Control: &fakeControl{},
				Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				// The access log as a server writes it (origin/cmd/origin).
				AccessLog: slog.New(jsonlog.New(io.Discard, nil)),
			}
			if security {
				o.EnableSecurity, o.Authorizer = true, allowAll{fakeTokens["alice"]}
			}
			h := mustNew(b, o)
			req := httptest.NewRequest("GET", "/users/1/todos", nil)
			req.Header.Set("Authorization", "Bearer alice")
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatal(w.status)
				}
			}
			// On a machine shared with other work, wall time per op says
			// more about the neighbours than about this code; CPU time
			// does not.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user + system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
