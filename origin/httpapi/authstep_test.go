package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// TestAuthStep covers how decisions and failures of the auth step become
// answers, and the route guard behind it.
func TestAuthStep(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		auth         []string // Authorization header values
		module       func(*edgeauth.Request) (edgeauth.Decision, error)
		status       int
		code         string
		wwwAuth      string // exact, when not ""
		detailHas    string
		detailHasNot string
	}{
		{name: "public route without a token", method: "GET", path: "/healthz", status: 200},
		{name: "protected without a token", method: "GET", path: "/users/1", status: 401, code: edgeauth.CodeInvalidRequest,
			wwwAuth: `Bearer realm="test"`, detailHas: "no bearer token"},
		{name: "invalid token", method: "GET", path: "/users/1", auth: []string{"Bearer forged.token.value"}, status: 401,
			code: edgeauth.CodeInvalidToken, wwwAuth: `Bearer realm="test", error="invalid_token"`, detailHasNot: "forged"},
		{name: "two authorization headers", method: "GET", path: "/users/1", auth: []string{"Bearer alice", "Bearer alice"}, status: 401, code: edgeauth.CodeInvalidToken},
		{name: "owner reads own profile", method: "GET", path: "/users/1", auth: []string{"Bearer alice"}, status: 200},
		{name: "stranger reads another profile: guard 404", method: "GET", path: "/users/1", auth: []string{"Bearer bob"}, status: 404, code: origin.ENOTFOUND},
		{name: "stranger deletes another profile: guard 404", method: "DELETE", path: "/users/1", auth: []string{"Bearer bob"}, status: 404, code: origin.ENOTFOUND},
		{name: "stranger lists another's todos: guard 404", method: "GET", path: "/users/1/todos", auth: []string{"Bearer bob"}, status: 404, code: origin.ENOTFOUND},
		{name: "non-numeric id: guard 404", method: "GET", path: "/users/abc", auth: []string{"Bearer alice"}, status: 404, code: origin.ENOTFOUND},
		{name: "leading zero id: guard 404", method: "GET", path: "/users/01", auth: []string{"Bearer alice"}, status: 404, code: origin.ENOTFOUND},
		{name: "missing scope: guard 403", method: "GET", path: "/users/1", auth: []string{"Bearer readonly"}, status: 403,
			code: edgeauth.CodeInsufficientScope, wwwAuth: `Bearer realm="test", error="insufficient_scope", scope="users:read"`},
		{name: "scope present", method: "GET", path: "/users/1/todos", auth: []string{"Bearer readonly"}, status: 200},
		{name: "module denies 404 for a stranger", method: "GET", path: "/users/1",
			module: func(*edgeauth.Request) (edgeauth.Decision, error) {
				return edgeauth.Decision{Status: 404, Error: edgeauth.CodeNotFound, ErrorDescription: "no such resource"}, nil
			}, status: 404, code: edgeauth.CodeNotFound},
		{name: "module 401 without a challenge gets one", method: "GET", path: "/users/1",
			module: func(*edgeauth.Request) (edgeauth.Decision, error) {
				return edgeauth.Decision{Status: 401, Error: edgeauth.CodeInvalidToken}, nil
			}, status: 401, code: edgeauth.CodeInvalidToken, wwwAuth: `Bearer realm="test", error="invalid_token"`},
		{name: "module error fails closed", method: "GET", path: "/healthz",
			module: func(*edgeauth.Request) (edgeauth.Decision, error) {
				return edgeauth.Decision{Allow: true}, errors.New("wasm trap: out of bounds")
			}, status: 503, code: "auth_unavailable", detailHasNot: "trap"},
		{name: "denial with a non-error status fails closed", method: "GET", path: "/users/1",
			module: func(*edgeauth.Request) (edgeauth.Decision, error) { return edgeauth.Decision{Status: 200}, nil },
			status: 503, code: "auth_unavailable"},
		{name: "allowed without a subject on a protected route: guard 401", method: "GET", path: "/users/1",
			module: func(*edgeauth.Request) (edgeauth.Decision, error) {
				return edgeauth.Decision{Allow: true, Status: 200}, nil
			},
			status: 401, code: edgeauth.CodeInvalidToken, wwwAuth: `Bearer realm="test"`},
		{name: "unknown route with a token", method: "GET", path: "/admin", auth: []string{"Bearer alice"}, status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, true)
			hs.seed()
			if tc.module != nil {
				hs.authz.fn = tc.module
			}
			hdr := []string{}
			for _, v := range tc.auth {
				hdr = append(hdr, "Authorization", v)
			}
			rec := hs.do(tc.method, tc.path, tc.body, hdr...)
			if tc.status < 400 {
				if rec.Code != tc.status {
					t.Fatalf("status = %d, want %d; %s", rec.Code, tc.status, rec.Body)
				}
			} else {
				p := mustProblem(t, rec, tc.status, tc.code)
				if tc.detailHas != "" && !strings.Contains(p.Detail, tc.detailHas) {
					t.Errorf("detail %q lacks %q", p.Detail, tc.detailHas)
				}
				if tc.detailHasNot != "" && strings.Contains(rec.Body.String(), tc.detailHasNot) {
					t.Errorf("body %s contains %q", rec.Body, tc.detailHasNot)
				}
			}
			if tc.wwwAuth != "" && rec.Header().Get("WWW-Authenticate") != tc.wwwAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", rec.Header().Get("WWW-Authenticate"), tc.wwwAuth)
			}
			if len(hs.authz.seen) != 1 {
				t.Fatalf("auth step asked %d times, want once", len(hs.authz.seen))
			}
		})
	}
}

// TestAuthStepRequest checks what the module is asked: the method, the
// escaped path, the Authorization values and nothing else (no clock).
func TestAuthStepRequest(t *testing.T) {
	tests := []struct {
		name, method, target string
		auth                 []string
		wantPath             string
	}{
		{"public, no header", "POST", "/users", nil, "/users"},
		{"escaped path stays escaped", "GET", "/users/1%2F2/todos", []string{"Bearer alice"}, "/users/1%2F2/todos"},
		{"query is not part of the path", "GET", "/users/1/todos?limit=5", []string{"Bearer alice"}, "/users/1/todos"},
		{"two values kept in order", "GET", "/users/1", []string{"Bearer a", "Bearer b"}, "/users/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, true)
			hdr := []string{"Cookie", "session=secret", "X-Other", "y"}
			for _, v := range tc.auth {
				hdr = append(hdr, "Authorization", v)
			}
			hs.do(tc.method, tc.target, "", hdr...)
			if len(hs.authz.seen) != 1 {
				t.Fatalf("asked %d times", len(hs.authz.seen))
			}
			req := hs.authz.seen[0]
			if req.Method != tc.method || req.Path != tc.wantPath || req.Now != nil {
				t.Errorf("request = %+v, want method %s path %s and no Now", req, tc.method, tc.wantPath)
			}
			if tc.auth == nil {
				if req.Headers != nil {
					t.Errorf("headers = %v, want none", req.Headers)
				}
				return
			}
			if len(req.Headers) != 1 || !slices.Equal(req.Headers["authorization"], tc.auth) {
				t.Errorf("headers = %v, want only authorization %v", req.Headers, tc.auth)
			}
		})
	}
}

// TestPrincipalReachesHandler checks the decision's fields become the
// context's principal (the logout handler ends its sid).
func TestPrincipalReachesHandler(t *testing.T) {
	hs := newHarness(t, true)
	rec := hs.do("DELETE", "/authenticate", "", "Authorization", "Bearer alice")
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status = %d; %s", rec.Code, rec.Body)
	}
	if !slices.Equal(hs.auth.ended, []string{"sid-alice"}) {
		t.Errorf("ended sessions = %v, want [sid-alice]", hs.auth.ended)
	}
	if !strings.Contains(hs.logs.String(), `"subject":"users/1"`) {
		t.Errorf("access log lacks the subject:\n%s", hs.logs)
	}
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name      string
		security  bool
		auth      string
		endErr    error
		status    int
		wantEnded int
	}{
		{"with a token", true, "Bearer alice", nil, 204, 1},
		{"without a token", true, "", nil, 401, 0},
		{"a token without a sid", true, "Bearer nosid", nil, 401, 0},
		{"ending fails", true, "Bearer alice", errors.New("db locked"), 500, 1},
		{"security off: no-op", false, "Bearer alice", nil, 204, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, tc.security)
			hs.auth.err = tc.endErr
			rec := hs.do("DELETE", "/authenticate", "", "Authorization", tc.auth)
			if tc.status >= 400 {
				mustProblem(t, rec, tc.status, "")
			} else if rec.Code != tc.status || rec.Body.Len() != 0 {
				t.Fatalf("status = %d body %q, want %d and empty", rec.Code, rec.Body, tc.status)
			}
			if len(hs.auth.ended) != tc.wantEnded {
				t.Errorf("ended %d sessions, want %d", len(hs.auth.ended), tc.wantEnded)
			}
		})
	}
}

func TestNewRefusesMiswiring(t *testing.T) {
	hs := newHarness(t, false)
	full := Options{Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control}
	tests := []struct {
		name string
		mod  func(*Options)
	}{
		{"no users", func(o *Options) { o.Users = nil }},
		{"no todos", func(o *Options) { o.Todos = nil }},
		{"no sessions", func(o *Options) { o.Sessions = nil }},
		{"no auth", func(o *Options) { o.Auth = nil }},
		{"no control", func(o *Options) { o.Control = nil }},
		{"security without authorizer", func(o *Options) { o.EnableSecurity = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := full
			tc.mod(&o)
			if h, err := New(o); !errors.Is(err, ErrMissingDependency) || h != nil {
				t.Errorf("New = %v, %v; want no handler and ErrMissingDependency", h, err)
			}
		})
	}
}

// TestAuthStepHeadersPerRequest checks that the reused header maps carry
// nothing from one request to the next.
func TestAuthStepHeadersPerRequest(t *testing.T) {
	hs := newHarness(t, true)
	hs.do("GET", "/users/1/todos", "", "Authorization", "Bearer a", "Authorization", "Bearer b")
	hs.do("POST", "/users", "")
	hs.do("GET", "/users/1/todos", "", "Authorization", "Bearer c")
	want := [][]string{{"Bearer a", "Bearer b"}, nil, {"Bearer c"}}
	if len(hs.authz.seen) != len(want) {
		t.Fatalf("asked %d times, want %d", len(hs.authz.seen), len(want))
	}
	for i, req := range hs.authz.seen {
		if w := want[i]; (w == nil) != (req.Headers == nil) || len(req.Headers) > 1 || !slices.Equal(req.Headers["authorization"], w) {
			t.Errorf("request %d: headers = %v, want authorization %v", i, req.Headers, w)
		}
	}
}
