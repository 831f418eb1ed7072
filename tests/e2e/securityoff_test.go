package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestSecurityOff: with SERVER_ENABLE_SECURITY=false every route answers
// without a token, and the origin warns about it at start.
func TestSecurityOff(t *testing.T) {
	t.Parallel()
	o := startOrigin(t, func(env map[string]string) { env["SERVER_ENABLE_SECURITY"] = "false" })
	a, b := o.register(t, "open-a"), o.register(t, "open-b")

	var td struct {
		ID int64 `json:"id"`
	}
	o.do(t, "POST", b.path("/todos"), req{body: `{"title":"no token needed"}`}).json(t, 201, &td)
	todo := b.path("/todos/" + strconv.FormatInt(td.ID, 10))
	steps := []struct {
		name, method, path, body string
		status                   int
	}{
		{"read a profile", "GET", a.path(), "", 200},
		{"rename", "PATCH", a.path(), `{"name":"A"}`, 200},
		{"list todos", "GET", b.path("/todos"), "", 200},
		{"read a todo", "GET", todo, "", 200},
		{"change a todo", "PATCH", todo, `{"completed":true}`, 200},
		{"delete a todo", "DELETE", todo, "", 204},
		{"logout without a token is a no-op", "DELETE", "/authenticate", "", 204},
		{"jwks", "GET", "/.well-known/jwks.json", "", 200},
		{"edge config", "GET", "/.well-known/edgeauth.json", "", 200},
		{"health", "GET", "/healthz", "", 200},
		{"delete a user", "DELETE", a.path(), "", 204},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := o.do(t, s.method, s.path, req{body: s.body})
			if r.status != s.status {
				t.Fatalf("got %s, want %d", r, s.status)
			}
		})
	}
	// Bad input is still refused, and a garbage token changes nothing.
	o.do(t, "POST", b.path("/todos"), req{body: `{"title":1}`}).problem(t, http.StatusBadRequest, "")
	o.do(t, "GET", b.path(), req{token: "garbage"}).json(t, 200, nil)

	if !strings.Contains(o.logs.String(), `"level":"WARN"`) {
		t.Errorf("no warning logged with security off:\n%s", o.logs)
	}
}
