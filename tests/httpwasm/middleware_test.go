package httpwasm_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
)

// upstream is the next handler: it records the headers of each request it
// receives, keyed by the client's X-Request-Id.
type upstream struct {
	mu   sync.Mutex
	seen map[string]http.Header
}

func newUpstream() *upstream { return &upstream{seen: map[string]http.Header{}} }

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.seen[r.Header.Get("X-Request-Id")] = r.Header.Clone()
	u.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (u *upstream) got(id string) (http.Header, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	h, ok := u.seen[id]
	return h, ok
}

// xAuth returns the X-Auth-* headers of h.
func xAuth(h http.Header) map[string]string {
	out := map[string]string{}
	for name, vals := range h {
		if strings.HasPrefix(name, "X-Auth-") {
			out[name] = strings.Join(vals, "|")
		}
	}
	return out
}

// TestMiddlewareStripsClientHeaders serves through a loopback server with
// Traefik's module config and the real clock: whatever X-Auth-* headers a
// client sends, the next handler sees only those the guest derived from a
// verified token, and a denied request never reaches it.
func TestMiddlewareStripsClientHeaders(t *testing.T) {
	is := newIssuer(t)
	forged := map[string]string{"X-Auth-Subject": "users/1", "X-Auth-Scopes": "admin", "X-Auth-Jti": "forged", "X-Auth-Role": "root"}
	tests := []struct {
		name        string
		path, token string
		keysAsText  bool
		status      int
		want        map[string]string // X-Auth-* upstream sees; nil: not forwarded
	}{
		{
			name: "allowed: only the token's identity", path: "/users/42/todos", token: is.token(t, "users/42", "todos:read todos:write", "j-1"),
			status: 204, want: map[string]string{"X-Auth-Subject": "users/42", "X-Auth-Scopes": "todos:read todos:write", "X-Auth-Jti": "j-1", "X-Auth-Expires-At": "*"},
		},
		{
			name: "allowed with keys given as a JWKS document", path: "/users/42/todos", token: is.token(t, "users/42", "todos:read", "j-2"), keysAsText: true,
			status: 204, want: map[string]string{"X-Auth-Subject": "users/42", "X-Auth-Scopes": "todos:read", "X-Auth-Jti": "j-2", "X-Auth-Expires-At": "*"},
		},
		{name: "public route: no identity at all", path: "/healthz", status: 204, want: map[string]string{}},
		{name: "no token: denied, not forwarded", path: "/users/42/todos", status: 401},
		{name: "another user's route: denied, not forwarded", path: "/users/7/todos", token: is.token(t, "users/42", "todos:read", "j-3"), status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream()
			srv := httptest.NewServer(mustStack(t, traefikModuleConfig(), is.config(t, tt.keysAsText), up).handler)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+tt.path+"?q=1", nil)
			req.Header.Set("X-Request-Id", "r")
			for k, v := range forged {
				req.Header.Set(k, v)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", res.StatusCode, body, tt.status)
			}
			got, forwarded := up.got("r")
			if tt.want == nil {
				if forwarded {
					t.Fatalf("a denied request reached the next handler with %v", got)
				}
				var p problem
				if err := json.Unmarshal(body, &p); err != nil || p.Status != tt.status || res.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("answer %q (%s), want a problem+json body with status %d", body, res.Header.Get("Content-Type"), tt.status)
				}
				if tt.status == 401 && !strings.HasPrefix(res.Header.Get("Www-Authenticate"), `Bearer realm="todos"`) {
					t.Errorf("WWW-Authenticate = %q", res.Header.Get("Www-Authenticate"))
				}
				return
			}
			if !forwarded {
				t.Fatal("an allowed request did not reach the next handler")
			}
			x := xAuth(got)
			if x["X-Auth-Expires-At"] != "" && tt.want["X-Auth-Expires-At"] == "*" {
				x["X-Auth-Expires-At"] = "*"
			}
			if len(x) != len(tt.want) {
				t.Errorf("upstream saw X-Auth-* %v, want %v", x, tt.want)
			}
			for k, v := range tt.want {
				if x[k] != v {
					t.Errorf("upstream saw %s = %q, want %q", k, x[k], v)
				}
			}
			if tt.token != "" && got.Get("Authorization") != "Bearer "+tt.token {
				t.Error("the Authorization header was not passed on")
			}
		})
	}
}

// TestMiddlewareRejectedConfig: a config the module refuses does not stop
// the middleware from loading (a proxy could then route around it); the
// guest logs why and denies every request.
func TestMiddlewareRejectedConfig(t *testing.T) {
	is := newIssuer(t)
	tests := []struct {
		name   string
		config []byte
		want   string
	}{
		{"no config", nil, "edgeauth: invalid config: the middleware has no configuration"},
		{"a misspelt member", []byte(`{"issuer":"https://issuer.test","audiences":["todos-api"],"scope":["x"]}`), "edgeauth: invalid config: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream()
			s := mustStack(t, traefikModuleConfig(), tt.config, up)
			if got := s.log.configRejection(); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("logged %q, want a line starting %q", got, tt.want)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/healthz", nil)
			req.Header.Set("Authorization", "Bearer "+is.token(t, "users/42", "todos:read", "j"))
			s.handler.ServeHTTP(rec, req)
			if _, forwarded := up.got(""); forwarded || rec.Code != 401 || !strings.Contains(rec.Body.String(), "no configuration is loaded") {
				t.Errorf("answered %d %s (forwarded %v), want 401: no configuration is loaded", rec.Code, rec.Body, forwarded)
			}
		})
	}
}

// TestMiddlewareOversizedRequests: requests at the guest's read bound under
// a memory limit of 128 pages (8 MiB, what ABI.md asks of a host) cost
// themselves a 400 and nothing more: the same middleware goes on deciding.
func TestMiddlewareOversizedRequests(t *testing.T) {
	is := newIssuer(t)
	up := newUpstream()
	rc := wazero.NewRuntimeConfig().WithCompilationCache(compiled).WithMemoryLimitPages(128)
	limited, err := newStack(t, rc, traefikModuleConfig(), is.config(t, false), up)
	if err != nil {
		t.Fatal(err)
	}
	defer limited.close()
	good := is.token(t, "users/42", "todos:read", "j-good")
	huge := strings.Repeat("a", 1<<20)
	tests := []struct {
		name   string
		build  func(r *http.Request)
		path   string
		status int
	}{
		{"an Authorization value over the bound", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+huge) }, "/users/42/todos", 400},
		{"an Authorization value just under the bound", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+huge[:1<<20-1024]) }, "/users/42/todos", 401},
		{"a path over the bound", func(*http.Request) {}, "/healthz/" + huge, 400},
		{"header names over the bound on a public route", func(r *http.Request) {
			for i := range 20000 {
				r.Header.Set("X-Padding-"+strings.Repeat("p", 40)+"-"+strconv.Itoa(i), "v")
			}
		}, "/healthz", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = tt.path
			tt.build(req)
			limited.handler.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("answered %d %.200s, want %d", rec.Code, rec.Body, tt.status)
			}
			// The next request on the same middleware is decided normally.
			rec = httptest.NewRecorder()
			req = httptest.NewRequest("GET", "/users/42/todos", nil)
			req.Header.Set("Authorization", "Bearer "+good)
			req.Header.Set("X-Request-Id", tt.name)
			limited.handler.ServeHTTP(rec, req)
			if got, ok := up.got(tt.name); rec.Code != 204 || !ok || got.Get("X-Auth-Subject") != "users/42" {
				t.Fatalf("the next request answered %d %.200s, want it passed on as users/42", rec.Code, rec.Body)
			}
		})
	}
}
