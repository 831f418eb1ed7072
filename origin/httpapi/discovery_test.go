package httpapi

import (
	"slices"
	"strings"
	"testing"
)

const testIssuer = "https://api.example"

func withIssuer(o *Options) { o.Issuer = testIssuer }

// TestDiscoveryDocuments: both metadata documents are public, name the
// issuer and its endpoints (RFC 8414 requires issuer to be the very URL
// the document was derived from; RFC 9728 the same of resource), and
// revalidate with their ETags.
func TestDiscoveryDocuments(t *testing.T) {
	hs := newHarness(t, true, withIssuer)

	var as map[string]any
	rec := hs.do("GET", AuthorizationServerMetadataPath, "")
	mustJSON(t, rec, 200, &as)
	want := map[string]any{
		"issuer":         testIssuer,
		"jwks_uri":       testIssuer + "/.well-known/jwks.json",
		"token_endpoint": testIssuer + "/authenticate",
	}
	for k, v := range want {
		if as[k] != v {
			t.Errorf("authorization server metadata %s = %v, want %v", k, as[k], v)
		}
	}
	for _, k := range []string{"response_types_supported", "scopes_supported", "access_token_signing_alg_values_supported", "grant_types_supported"} {
		if _, ok := as[k].([]any); !ok {
			t.Errorf("authorization server metadata lacks the array %s: %v", k, as)
		}
	}
	if !slices.Contains(strList(as["scopes_supported"]), "todos:write") || !slices.Equal(strList(as["access_token_signing_alg_values_supported"]), []string{"EdDSA", "ES256"}) {
		t.Errorf("scopes or algorithms: %v", as)
	}
	if rec := hs.do("GET", AuthorizationServerMetadataPath, "", "If-None-Match", rec.Header().Get("ETag")); rec.Code != 304 {
		t.Errorf("revalidation = %d, want 304", rec.Code)
	}

	var pr map[string]any
	rec = hs.do("GET", ProtectedResourceMetadataPath, "")
	mustJSON(t, rec, 200, &pr)
	if pr["resource"] != testIssuer || !slices.Equal(strList(pr["authorization_servers"]), []string{testIssuer}) ||
		!slices.Equal(strList(pr["bearer_methods_supported"]), []string{"header"}) || len(strList(pr["scopes_supported"])) != 4 {
		t.Errorf("protected resource metadata = %v", pr)
	}
	if rec.Header().Get("ETag") == "" || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public") {
		t.Errorf("headers %v", rec.Header())
	}
}

func strList(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestChallengesNameResourceMetadata: every challenge, whoever makes it (the
// auth step's module, the route guard, a handler), carries RFC 9728's
// resource_metadata, once.
func TestChallengesNameResourceMetadata(t *testing.T) {
	const param = `resource_metadata="` + testIssuer + `/.well-known/oauth-protected-resource"`
	tests := []struct {
		name         string
		method, path string
		body         string
		header       []string
		status       int
	}{
		{"the module: no token", "GET", "/users/1", "", nil, 401},
		{"the module: a bad token", "GET", "/users/1", "", []string{"Authorization", "Bearer nobody"}, 401},
		{"the guard: missing scope", "POST", "/users/1/todos", `{"title":"x"}`, []string{"Authorization", "Bearer readonly"}, 403},
		{"a handler: wrong password", "POST", "/authenticate", `{"email":"a@example.com","password":"wrong horse"}`, nil, 401},
	}
	hs := newHarness(t, true, withIssuer)
	hs.seed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := hs.do(tt.method, tt.path, tt.body, tt.header...)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, "Bearer ") || strings.Count(ch, "resource_metadata=") != 1 || !strings.HasSuffix(ch, ", "+param) {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge ending in %s", ch, param)
			}
		})
	}
}

// TestNoIssuerNoDiscovery: a server given no issuer publishes nothing and
// points no challenge anywhere.
func TestNoIssuerNoDiscovery(t *testing.T) {
	hs := newHarness(t, true)
	for _, p := range []string{AuthorizationServerMetadataPath, ProtectedResourceMetadataPath} {
		mustProblem(t, hs.do("GET", p, ""), 404, "not_found")
	}
	if ch := hs.do("GET", "/users/1", "").Header().Get("WWW-Authenticate"); strings.Contains(ch, "resource_metadata") {
		t.Errorf("challenge %q names metadata that is not served", ch)
	}
}

// TestWithResourceMetadata: other schemes and challenges that already name
// their metadata are left alone; an issuer that would need escaping inside
// a quoted-string is not advertised.
func TestWithResourceMetadata(t *testing.T) {
	s := &server{discovery: newDiscovery(testIssuer)}
	for in, want := range map[string]string{
		`Basic realm="x"`: `Basic realm="x"`,
		`Bearer realm="x", resource_metadata="https://other/"`: `Bearer realm="x", resource_metadata="https://other/"`,
		`Bearer realm="x"`: `Bearer realm="x", resource_metadata="https://api.example/.well-known/oauth-protected-resource"`,
	} {
		if got := s.withResourceMetadata(in); got != want {
			t.Errorf("withResourceMetadata(%q) = %q, want %q", in, got, want)
		}
	}
	if d := newDiscovery(`https://a"b`); d.resourceMetadata != "" {
		t.Errorf("an issuer with a quote is advertised: %q", d.resourceMetadata)
	}
}
