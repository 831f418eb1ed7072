package httpapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
)

// TestReadyz: 200 with every check ok; 503 naming each dependency that is
// down, never its error's text, which is logged instead.
func TestReadyz(t *testing.T) {
	dbErr := errors.New("dial tcp 10.0.0.7:5432: connection refused (user todos)")
	var dbDown bool
	db := ReadinessCheck{Name: "database", Down: "the database is unreachable", Check: func(context.Context) error {
		if dbDown {
			return dbErr
		}
		return nil
	}}
	hs := newHarness(t, true, func(o *Options) { o.Readiness = []ReadinessCheck{db} })

	var ok struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	mustJSON(t, hs.do("GET", "/readyz", ""), 200, &ok)
	if ok.Status != "ready" || ok.Checks["database"] != "ok" || ok.Checks["auth"] != "ok" {
		t.Fatalf("ready answer %+v", ok)
	}

	dbDown = true
	rec := hs.do("GET", "/readyz", "")
	p := mustProblem(t, rec, 503, "not_ready")
	if !strings.Contains(p.Detail, "the database is unreachable") || strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("detail %q: must name the database and nothing of its error", p.Detail)
	}
	if !strings.Contains(hs.logs.String(), "10.0.0.7") {
		t.Errorf("the cause is not logged:\n%s", hs.logs)
	}
	dbDown = false

	// The auth step refuses public routes (a module without its config).
	hs.authz.fn = func(*edgeauth.Request) (edgeauth.Decision, error) {
		return edgeauth.Decision{Status: 401, Error: edgeauth.CodeInvalidToken, ErrorDescription: "no configuration is loaded"}, nil
	}
	hs.h = mustNew(t, Options{Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control,
		Authorizer: authorizerAllowing("/readyz", hs.authz), EnableSecurity: true, Readiness: []ReadinessCheck{db}})
	p = mustProblem(t, hs.do("GET", "/readyz", ""), 503, "not_ready")
	if !strings.Contains(p.Detail, "auth step") {
		t.Errorf("detail %q does not name the auth step", p.Detail)
	}

	// No edge config built yet.
	hs.control.doc = nil
	hs.h = mustNew(t, Options{Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control, Readiness: []ReadinessCheck{db}})
	mustProblem(t, hs.do("GET", "/readyz", ""), 503, "not_ready")
}

// authorizerAllowing lets the request for path through (so that the
// handler runs) and asks inner about everything else, /readyz's own probe
// included: the probe comes from inside the handler.
func authorizerAllowing(path string, inner *authorizerFunc) *authorizerFunc {
	first := true
	return &authorizerFunc{fn: func(req *edgeauth.Request) (edgeauth.Decision, error) {
		if req.Path == path && first {
			first = false
			return edgeauth.Decision{Allow: true, Status: 200}, nil
		}
		return inner.fn(req)
	}}
}
