package httpapi

import (
	"net/http/httptest"
	"testing"
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
