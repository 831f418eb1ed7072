package e2e

import (
	"net/http"
	"strings"
	"testing"
)

const browserApp = "https://app.example"

// TestHTTPConventions: the real binary serves HEAD wherever GET is
// (authorized as GET, no body), answers a wrong method on a served path
// 405 with Allow before any 401, and answers CORS for the listed origin
// only: a preflight without a token, actual answers the page may read
// (its 401 challenge and Location included), and nothing for another
// origin. Every 401 names the protected resource metadata, which is served.
func TestHTTPConventions(t *testing.T) {
	t.Parallel()
	o := startOrigin(t, func(env map[string]string) { env["SERVER_CORS_ORIGINS"] = browserApp + ", http://localhost:5173" })
	u := o.register(t, "conventions")
	tok := o.login(t, u, "")

	t.Run("HEAD", func(t *testing.T) {
		for _, tc := range []struct {
			name, path, token string
			status            int
		}{
			{"a load balancer's health check", "/healthz", "", 200},
			{"a public document", "/openapi.json", "", 200},
			{"your todos", u.path("/todos"), tok, 200},
			{"without a token", u.path("/todos"), "", 401},
			{"another user's", "/users/999999", tok, 404},
		} {
			head := o.do(t, "HEAD", tc.path, req{token: tc.token})
			get := o.do(t, "GET", tc.path, req{token: tc.token})
			if head.status != tc.status || get.status != tc.status || len(head.body) != 0 ||
				head.header.Get("Content-Length") != get.header.Get("Content-Length") {
				t.Errorf("%s: HEAD %d (%d body bytes, Content-Length %q), GET %d (Content-Length %q), want %d",
					tc.name, head.status, len(head.body), head.header.Get("Content-Length"), get.status, get.header.Get("Content-Length"), tc.status)
			}
		}
	})

	t.Run("405 before 401", func(t *testing.T) {
		for _, token := range []string{"", "not.a.token", tok} {
			r := o.do(t, "PUT", u.path("/todos"), req{token: token, body: `{}`})
			r.problem(t, http.StatusMethodNotAllowed, "method_not_allowed")
			if r.header.Get("Allow") != "GET, HEAD, POST, OPTIONS" {
				t.Errorf("Allow %q", r.header.Get("Allow"))
			}
		}
		// An unknown path still needs a token first: paths are no oracle.
		o.do(t, "PUT", "/nope", req{}).problem(t, http.StatusUnauthorized, "")
	})

	t.Run("CORS preflight", func(t *testing.T) {
		allowed := o.do(t, "OPTIONS", u.path("/todos"), req{header: []string{
			"Origin", browserApp, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"}})
		h := allowed.header
		if allowed.status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != browserApp ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") ||
			!strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from %s: %d %v", browserApp, allowed.status, h)
		}
		refused := o.do(t, "OPTIONS", u.path("/todos"), req{header: []string{
			"Origin", "https://evil.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization"}})
		if refused.header.Get("Access-Control-Allow-Origin") != "" || refused.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight from another origin got CORS headers: %v", refused.header)
		}
	})

	t.Run("CORS actual requests", func(t *testing.T) {
		created := o.do(t, "POST", u.path("/todos"), req{token: tok, body: `{"title":"from a browser app"}`, header: []string{"Origin", browserApp}})
		if created.status != http.StatusCreated || created.header.Get("Access-Control-Allow-Origin") != browserApp ||
			!strings.Contains(created.header.Get("Access-Control-Expose-Headers"), "Location") {
			t.Errorf("allowed origin, 201: %d %v", created.status, created.header)
		}
		denied := o.do(t, "GET", u.path("/todos"), req{header: []string{"Origin", browserApp}})
		if denied.status != http.StatusUnauthorized || denied.header.Get("Access-Control-Allow-Origin") != browserApp ||
			!strings.Contains(denied.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Errorf("allowed origin, 401: %d %v", denied.status, denied.header)
		}
		other := o.do(t, "GET", u.path("/todos"), req{token: tok, header: []string{"Origin", "https://evil.example"}})
		if other.status != http.StatusOK || other.header.Get("Access-Control-Allow-Origin") != "" || other.header.Get("Vary") != "Origin" {
			t.Errorf("another origin: %d %v", other.status, other.header)
		}
	})

	t.Run("discovery from a 401", func(t *testing.T) {
		r := o.do(t, "GET", u.path("/todos"), req{})
		r.challenge(t, "")
		const param = `resource_metadata="`
		wa := r.header.Get("WWW-Authenticate")
		i := strings.Index(wa, param)
		if i < 0 {
			t.Fatalf("WWW-Authenticate %q has no resource_metadata", wa)
		}
		url, _, _ := strings.Cut(wa[i+len(param):], `"`)
		if url != o.base+"/.well-known/oauth-protected-resource" {
			t.Fatalf("resource_metadata %q, want this origin's", url)
		}
		var pr struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		o.do(t, "GET", strings.TrimPrefix(url, o.base), req{}).json(t, 200, &pr)
		var as struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		o.do(t, "GET", "/.well-known/oauth-authorization-server", req{}).json(t, 200, &as)
		if pr.Resource != o.base || len(pr.AuthorizationServers) != 1 || pr.AuthorizationServers[0] != as.Issuer ||
			as.Issuer != o.base || as.JWKSURI != o.base+"/.well-known/jwks.json" {
			t.Errorf("protected resource %+v, authorization server %+v", pr, as)
		}
	})
}
