package e2e

import (
	"fmt"
	"net/http"
	"testing"
)

// TestBOLA: user A can neither read, change nor delete user B's profile or
// todos — not through B's paths (the auth step's owner rule answers 404)
// and not through A's own paths with B's todo id (the store scopes by user).
func TestBOLA(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)
	a, b := o.register(t, "bola-a"), o.register(t, "bola-b")
	ta, tb := o.login(t, a, ""), o.login(t, b, "")
	var bt struct {
		ID int64 `json:"id"`
	}
	o.do(t, "POST", b.path("/todos"), req{token: tb, body: `{"title":"b's secret"}`}).json(t, 201, &bt)
	bTodo := fmt.Sprintf("/todos/%d", bt.ID)

	tests := []struct {
		name, method, path, body string
	}{
		{"read B's profile", "GET", b.path(), ""},
		{"rename B", "PATCH", b.path(), `{"name":"pwned"}`},
		{"change B's password", "PATCH", b.path(), `{"password":"attacker-chosen"}`},
		{"delete B", "DELETE", b.path(), ""},
		{"list B's todos", "GET", b.path("/todos"), ""},
		{"add to B's todos", "POST", b.path("/todos"), `{"title":"spam"}`},
		{"read B's todo", "GET", b.path(bTodo), ""},
		{"change B's todo", "PATCH", b.path(bTodo), `{"completed":true}`},
		{"delete B's todo", "DELETE", b.path(bTodo), ""},
		{"read B's todo via own path", "GET", a.path(bTodo), ""},
		{"change B's todo via own path", "PATCH", a.path(bTodo), `{"title":"pwned"}`},
		{"delete B's todo via own path", "DELETE", a.path(bTodo), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o.do(t, tc.method, tc.path, req{token: ta, body: tc.body}).problem(t, http.StatusNotFound, "")
		})
	}

	// B is untouched.
	var u map[string]any
	o.do(t, "GET", b.path(), req{token: tb}).json(t, 200, &u)
	if u["name"] != "bola-b" {
		t.Errorf("B's profile changed: %v", u)
	}
	var td map[string]any
	o.do(t, "GET", b.path(bTodo), req{token: tb}).json(t, 200, &td)
	if td["title"] != "b's secret" || td["completed"] != false {
		t.Errorf("B's todo changed: %v", td)
	}
	o.login(t, b, "") // B's password still works
}
