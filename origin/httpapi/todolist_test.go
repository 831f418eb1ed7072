package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/todocache"
)

// TestEncodedListMatchesPlain: a TodoService that hands out encoded pages
// (origin/todocache) gives byte-identical answers, headers included, and
// the next list after a write through the API shows the write.
func TestEncodedListMatchesPlain(t *testing.T) {
	todos := newFakeTodos()
	newAPI := func(ts origin.TodoService) http.Handler {
		hs := newHarness(t, false)
		return mustNew(t, Options{Users: hs.users, Todos: ts, Sessions: hs.sess, Auth: hs.auth, Control: hs.control, Realm: "test"})
	}
	plain, cached := newAPI(todos), newAPI(todocache.New(todos, todocache.Options{}))
	do := func(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name, path string
		status     int
	}{
		{"empty list", "/users/1/todos", 200},
		{"after a create", "/users/1/todos", 200},
		{"explicit limit", "/users/1/todos?limit=1", 200},
		{"bad cursor", "/users/1/todos?after=bogus", 400},
		{"another user", "/users/2/todos", 200},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i == 1 {
				for _, title := range []string{"one", "two"} {
					if rec := do(cached, "POST", "/users/1/todos", `{"title":"`+title+`"}`); rec.Code != 201 {
						t.Fatalf("create: %d %s", rec.Code, rec.Body)
					}
				}
			}
			want, got := do(plain, "GET", tt.path, ""), do(cached, "GET", tt.path, "")
			if got.Code != tt.status || want.Code != tt.status {
				t.Fatalf("status %d (plain %d), want %d: %s", got.Code, want.Code, tt.status, got.Body)
			}
			if tt.status == 200 {
				for _, h := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options", "Content-Length"} {
					if got.Header().Get(h) != want.Header().Get(h) {
						t.Errorf("%s = %q, plain %q", h, got.Header().Get(h), want.Header().Get(h))
					}
				}
				if got.Body.String() != want.Body.String() {
					t.Fatalf("body\n%s\nplain\n%s", got.Body, want.Body)
				}
			}
			if i == 1 && !strings.Contains(got.Body.String(), `"two"`) {
				t.Fatalf("list after the create misses it: %s", got.Body)
			}
		})
	}
}
