package httpwasm

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
)

// fakeHost is one request, as a host would present it.
type fakeHost struct {
	method, uri string
	headers     map[string][]string // lower-case names
	tooLarge    string              // "method", "uri", "authorization" or "names": that read fails
	panicOn     string              // "authorization": reading it panics

	status   uint32
	response map[string]string
	body     []byte
}

func (h *fakeHost) Method() (string, bool) { return h.method, h.tooLarge != "method" }
func (h *fakeHost) URI() (string, bool)    { return h.uri, h.tooLarge != "uri" }
func (h *fakeHost) RequestHeaderValues(name string) ([]string, bool) {
	if h.panicOn == name {
		panic("host failure")
	}
	return h.headers[name], h.tooLarge != name
}
func (h *fakeHost) RequestHeaderNames() ([]string, bool) {
	var names []string
	for n := range h.headers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, h.tooLarge != "names"
}
func (h *fakeHost) RemoveRequestHeader(name string)      { delete(h.headers, name) }
func (h *fakeHost) SetRequestHeader(name, value string)  { h.headers[name] = []string{value} }
func (h *fakeHost) SetResponseHeader(name, value string) { h.response[name] = value }
func (h *fakeHost) SetStatusCode(code uint32)            { h.status = code }
func (h *fakeHost) WriteResponseBody(b []byte)           { h.body = append(h.body, b...) }

const testConfig = `{"issuer":"https://issuer.test","audiences":["api"],"realm":"todos",` +
	`"keys":{"keys":[]},"public":[{"method":"GET","path":"/healthz"}]}`

func newGuest(t *testing.T, cfg string) *Guest {
	t.Helper()
	g, err := New([]byte(cfg), edgeauth.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestHandleRequest(t *testing.T) {
	tests := []struct {
		name        string
		host        fakeHost
		next        bool
		status      uint32
		body        string
		challenge   string
		wantHeaders map[string][]string // after the guest, when passed on
	}{
		{
			name: "public route: client X-Auth-* removed, nothing claimed",
			host: fakeHost{method: "GET", uri: "/healthz?verbose=1", headers: map[string][]string{
				"x-auth-subject": {"users/1"}, "x-auth-scopes": {"admin"}, "x-auth-other": {"x"}, "x-request-id": {"r1"},
			}},
			next:        true,
			wantHeaders: map[string][]string{"x-request-id": {"r1"}},
		},
		{
			name:      "no credential: 401 with a challenge and no error code",
			host:      fakeHost{method: "GET", uri: "/todos", headers: map[string][]string{}},
			status:    401,
			body:      `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Unauthorized"}`,
			challenge: `Bearer realm="todos"`,
		},
		{
			name:      "a bad token: 401 invalid_token",
			host:      fakeHost{method: "GET", uri: "/todos", headers: map[string][]string{"authorization": {"Bearer a.b.c"}}},
			status:    401,
			body:      `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token is malformed","error":"invalid_token"}`,
			challenge: `Bearer realm="todos", error="invalid_token", error_description="the token is malformed"`,
		},
		{
			name:      "two Authorization values: 400",
			host:      fakeHost{method: "GET", uri: "/todos", headers: map[string][]string{"authorization": {"Bearer a", "Bearer b"}}},
			status:    400,
			body:      `{"type":"about:blank","title":"Bad Request","status":400,"detail":"more than one Authorization value","error":"invalid_request"}`,
			challenge: `Bearer realm="todos", error="invalid_request", error_description="more than one Authorization value"`,
		},
		{
			name:      "an Authorization value too large to read: 400, even on a public route",
			host:      fakeHost{method: "GET", uri: "/healthz", headers: map[string][]string{}, tooLarge: "authorization"},
			status:    400,
			body:      `{"type":"about:blank","title":"Bad Request","status":400,"detail":"the request is malformed","error":"invalid_request"}`,
			challenge: `Bearer realm="todos", error="invalid_request", error_description="the request is malformed"`,
		},
		{
			name:      "a URI too large to read: 400",
			host:      fakeHost{method: "GET", uri: "/healthz", headers: map[string][]string{}, tooLarge: "uri"},
			status:    400,
			body:      `{"type":"about:blank","title":"Bad Request","status":400,"detail":"the request is malformed","error":"invalid_request"}`,
			challenge: `Bearer realm="todos", error="invalid_request", error_description="the request is malformed"`,
		},
		{
			name:      "header names too large to read: not passed on unstripped",
			host:      fakeHost{method: "GET", uri: "/healthz", headers: map[string][]string{"x-auth-subject": {"users/1"}}, tooLarge: "names"},
			status:    400,
			body:      `{"type":"about:blank","title":"Bad Request","status":400,"detail":"the request is malformed","error":"invalid_request"}`,
			challenge: `Bearer realm="todos", error="invalid_request", error_description="the request is malformed"`,
		},
		{
			name:   "a panic in the guest: 500, never passed on",
			host:   fakeHost{method: "GET", uri: "/healthz", headers: map[string][]string{}, panicOn: "authorization"},
			status: 500,
			body:   `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"the authorization check failed","error":"server_error"}`,
		},
	}
	g := newGuest(t, testConfig) // one Guest for all: a failure must not spill over
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.host
			h.response = map[string]string{}
			if next := g.HandleRequest(&h); next != tt.next {
				t.Fatalf("next = %v, want %v", next, tt.next)
			}
			if tt.next {
				if h.status != 0 || h.body != nil {
					t.Errorf("passed on, yet answered %d %s", h.status, h.body)
				}
				if !mapsEqual(h.headers, tt.wantHeaders) {
					t.Errorf("request headers = %v, want %v", h.headers, tt.wantHeaders)
				}
				return
			}
			if h.status != tt.status || string(h.body) != tt.body {
				t.Errorf("answered %d %s, want %d %s", h.status, h.body, tt.status, tt.body)
			}
			if h.response["content-type"] != "application/problem+json" || h.response["cache-control"] != "no-store" {
				t.Errorf("response headers = %v", h.response)
			}
			if h.response["www-authenticate"] != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", h.response["www-authenticate"], tt.challenge)
			}
		})
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestNewRejectedConfigFailsClosed(t *testing.T) {
	tests := []struct {
		name, config, wantErr string
	}{
		{"no config", "", "edgeauth: invalid config: the middleware has no configuration"},
		{"not JSON", "issuer: x", "edgeauth: invalid config: "},
		{"an unknown member", `{"issuer":"i","audiences":["a"],"scope":"x"}`, "edgeauth: invalid config: "},
		{"keys a string that is no JWKS", `{"issuer":"i","audiences":["a"],"keys":"{\"keys\":"}`, "edgeauth: invalid config: keys is a string that does not hold a JWKS document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New([]byte(tt.config), edgeauth.Options{})
			if !errors.Is(err, edgeauth.ErrInvalidConfig) || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one starting %q", err, tt.wantErr)
			}
			h := fakeHost{method: "GET", uri: "/healthz", headers: map[string][]string{"authorization": {"Bearer a.b.c"}}, response: map[string]string{}}
			if g.HandleRequest(&h) || h.status != 401 || !strings.Contains(string(h.body), "no configuration is loaded") {
				t.Errorf("answered %d %s, want 401: no configuration is loaded", h.status, h.body)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	const jwks = `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	tests := []struct {
		name, in, want string
	}{
		{"keys as an object: untouched", `{"issuer":"i","keys":` + jwks + `}`, `{"issuer":"i","keys":` + jwks + `}`},
		{"keys as a JWKS document: unwrapped in place", `{"issuer":"i","keys":` + quote(jwks) + `,"realm":"r"}`, `{"issuer":"i","keys":` + jwks + `,"realm":"r"}`},
		{"no keys: untouched", `{"issuer":"i"}`, `{"issuer":"i"}`},
		{"not an object: left to edgeauth", `[1]`, `[1]`},
		{"not JSON: left to edgeauth", `{`, `{`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Config([]byte(tt.in))
			if err != nil || string(got) != tt.want {
				t.Errorf("Config(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

// quote returns s as a JSON string, for these tests' inputs.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestConfigKeysAsTextConfigures(t *testing.T) {
	const jwks = `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	if _, err := New([]byte(`{"issuer":"i","audiences":["a"],"keys":`+quote(jwks)+`}`), edgeauth.Options{}); err != nil {
		t.Fatalf("a JWKS document as keys was rejected: %v", err)
	}
}

func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"issuer":"i","keys":"{\"keys\":[]}"}`))
	f.Add([]byte(`{"keys":"x"}`))
	f.Add([]byte(`{"keys":{"keys":[]},"a":[1,{"b":null}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Config(in)
		if err != nil {
			if !errors.Is(err, edgeauth.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		// Either the input untouched, or a rewrite that edgeauth's parser
		// reads: Configure may reject it, but must not fail to parse it
		// where it parsed the input.
		if string(out) != string(in) {
			if err := edgeauth.NewAuthorizer(edgeauth.Options{}).Configure(out); err != nil && strings.Contains(err.Error(), "not strict JSON") {
				t.Fatalf("rewrote %q into %q, which is not strict JSON", in, out)
			}
		}
	})
}

func TestAppendProblemJSON(t *testing.T) {
	tests := []struct {
		status       int
		code, detail string
		want         string
	}{
		{403, "insufficient_scope", "the token lacks a required scope", `{"type":"about:blank","title":"Forbidden","status":403,"detail":"the token lacks a required scope","error":"insufficient_scope"}`},
		{404, "not_found", "not found", `{"type":"about:blank","title":"Not Found","status":404,"detail":"not found","error":"not_found"}`},
		{401, "", "", `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Unauthorized"}`},
		{418, "", "", `{"type":"about:blank","title":"Error","status":418,"detail":"Error"}`},
	}
	for _, tt := range tests {
		if got := string(AppendProblemJSON(nil, tt.status, tt.code, tt.detail)); got != tt.want {
			t.Errorf("AppendProblemJSON(%d) = %s, want %s", tt.status, got, tt.want)
		}
	}
}
