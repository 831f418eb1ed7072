package edgeauth

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestOutcomes(t *testing.T) {
	tok := validToken(t, "EdDSA") // sub users/42, scope "todos:read todos:write"
	c := baseClaims()
	c["scope"] = "todos:read"
	c["jti"] = "read-only"
	readOnly := mint(t, "EdDSA", baseHeader("EdDSA", "ed"), c)
	expired := mint(t, "EdDSA", baseHeader("EdDSA", "ed"), merge(baseClaims(), map[string]any{"exp": testNow - 100, "jti": "old"}))

	deny := baseConfig(t)
	deny["default"] = "deny"
	type want struct {
		status int
		code   string
		header string
	}
	const realm = `Bearer realm="todos"`
	bad := func(desc string) string {
		return realm + `, error="invalid_request", error_description="` + desc + `"`
	}
	tests := []struct {
		name string
		cfg  map[string]any
		req  *Request
		want want
	}{
		{"1 public route, no token", nil, request("POST", "/authenticate", ""), want{200, "", ""}},
		{"1 public route, garbage token", nil, request("POST", "/authenticate", "Basic zzz"), want{200, "", ""}},
		{"1 public route, lower-case method", nil, request("post", "/authenticate", ""), want{200, "", ""}},
		{"1 public route trailing slash is another path", nil, request("POST", "/authenticate/", ""), want{401, "", realm}},
		{"1 public route other method", nil, request("GET", "/authenticate", ""), want{401, "", realm}},
		{"1 deny default, no token", deny, request("GET", "/unlisted", ""), want{404, CodeNotFound, ""}},
		{"1 deny default, valid token", deny, request("GET", "/unlisted", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"1 deny default, public route still public", deny, request("POST", "/authenticate", ""), want{200, "", ""}},
		{"1 deny default, listed route needs token", deny, request("GET", "/users/42/todos", ""), want{401, "", realm}},
		{"2 no Authorization", nil, request("GET", "/users/42/todos", ""), want{401, "", realm}},
		{"2 empty Authorization array", nil, &Request{Method: "GET", Path: "/x", Headers: map[string][]string{"authorization": {}}, Now: ptr(testNow)}, want{401, "", realm}},
		{"3 two Authorization values", nil, &Request{Method: "GET", Path: "/x", Headers: map[string][]string{"authorization": {"Bearer " + tok, "Bearer " + tok}}, Now: ptr(testNow)}, want{400, CodeInvalidRequest, bad(desc(denyManyAuth))}},
		{"3 Basic scheme", nil, request("GET", "/x", "Basic "+tok), want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"3 scheme only", nil, request("GET", "/x", "Bearer"), want{400, CodeInvalidRequest, bad(desc(denyNoCredential))}},
		{"3 scheme and space only", nil, request("GET", "/x", "Bearer "), want{400, CodeInvalidRequest, bad(desc(denyNoCredential))}},
		{"3 empty value", nil, &Request{Method: "GET", Path: "/x", Headers: map[string][]string{"authorization": {""}}, Now: ptr(testNow)}, want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"3 tab separator", nil, request("GET", "/x", "Bearer\t"+tok), want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"3 scheme case-insensitive", nil, request("GET", "/x", "bEaReR "+tok), want{200, "", ""}},
		// Authorize copies no more of a value than credentialBound; values
		// past it must be decided as when read whole (the ABI path below).
		{"4 a credential one byte over the longest token", nil, request("GET", "/x", "Bearer "+strings.Repeat("a", defaultMaxTokenBytes+1)), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token is too large"`}},
		{"4 a credential far over the longest token", nil, request("GET", "/x", "Bearer "+strings.Repeat("a", 1<<16)), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token is too large"`}},
		{"3 a value past the bound without a space", nil, request("GET", "/x", strings.Repeat("a", 1<<16)), want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"3 a scheme that runs past the bound", nil, request("GET", "/x", "Bearer"+strings.Repeat("x", 1<<16)+" "+tok), want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"3 a long scheme, then a token", nil, request("GET", "/x", strings.Repeat("B", defaultMaxTokenBytes)+" "+tok), want{400, CodeInvalidRequest, bad(desc(denyScheme))}},
		{"4 two spaces: credential starts with a space", nil, request("GET", "/x", "Bearer  "+tok), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token is malformed"`}},
		{"4 trailing space in credential", nil, request("GET", "/x", "Bearer "+tok+" "), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token is malformed"`}},
		{"4 expired", nil, request("GET", "/users/42/todos", "Bearer "+expired), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token has expired"`}},
		{"4 invalid token beats owner and scope", nil, request("GET", "/users/1/todos", "Bearer "+expired), want{401, CodeInvalidToken, realm + `, error="invalid_token", error_description="the token has expired"`}},
		{"5 owner mismatch", nil, request("GET", "/users/1/todos", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"5 owner mismatch before scopes", nil, request("POST", "/users/1/todos", "Bearer "+readOnly), want{404, CodeNotFound, ""}},
		{"5 owner prefix is not enough", nil, request("GET", "/users/4/todos", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"5 owner matches", nil, request("GET", "/users/42/todos", "Bearer "+tok), want{200, "", ""}},
		{"6 missing scope", nil, request("POST", "/users/42/todos", "Bearer "+readOnly), want{403, CodeInsufficientScope, realm + `, error="insufficient_scope", error_description="the token lacks a required scope", scope="todos:read todos:write"`}},
		{"6 route without owner, missing scope", nil, request("GET", "/admin", "Bearer "+tok), want{403, CodeInsufficientScope, realm + `, error="insufficient_scope", error_description="the token lacks a required scope", scope="admin"`}},
		{"6 all scopes present", nil, request("POST", "/users/42/todos", "Bearer "+tok), want{200, "", ""}},
		{"routes: empty variable segment does not match", nil, request("GET", "/users//todos", "Bearer "+tok), want{200, "", ""}},
		{"routes: path case-sensitive", deny, request("GET", "/USERS/42/todos", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"routes: trailing slash differs", deny, request("GET", "/users/42/todos/", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"routes: query is not stripped", deny, request("GET", "/users/42/todos?x=1", "Bearer "+tok), want{404, CodeNotFound, ""}},
		{"nil request", nil, nil, want{400, CodeInvalidRequest, realm + `, error="invalid_request", error_description="the request is malformed"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == nil {
				cfg = baseConfig(t)
			}
			a := newTestAuthorizer(t, cfg)
			d := a.Authorize(tt.req)
			if d.Status != tt.want.status || d.Error != tt.want.code || d.WWWAuthenticate != tt.want.header || d.Allow != (tt.want.status == 200) {
				t.Fatalf("got %+v\nwant %+v", d, tt.want)
			}
			if tt.want.status == 401 && tt.want.code == "" && (d.ErrorDescription != "" || strings.Contains(d.WWWAuthenticate, "error")) {
				t.Fatalf("a request without credentials must carry no error: %+v", d)
			}
			// The ABI path must decide alike.
			if tt.req != nil {
				got, err := ParseDecisionJSON(a.AuthorizeJSON(nil, AppendRequestJSON(nil, tt.req)))
				if err != nil {
					t.Fatal(err)
				}
				if !equalDecision(got, d) {
					t.Fatalf("AuthorizeJSON gave %+v, Authorize %+v", got, d)
				}
			}
		})
	}
}

func TestPublicDecisionHasNoSubject(t *testing.T) {
	a := newTestAuthorizer(t, baseConfig(t))
	d := a.Authorize(request("POST", "/authenticate", "Bearer "+validToken(t, "EdDSA")))
	js := string(AppendDecisionJSON(nil, &d))
	if js != `{"allow":true,"status":200,"reason":"public"}` {
		t.Fatalf("public decision %s", js)
	}
}

func TestRealmDefault(t *testing.T) {
	cfg := baseConfig(t)
	delete(cfg, "realm")
	a := newTestAuthorizer(t, cfg)
	if d := a.Authorize(request("GET", "/x", "")); d.WWWAuthenticate != `Bearer realm="api"` {
		t.Fatalf("got %q", d.WWWAuthenticate)
	}
}

func TestLeewayZero(t *testing.T) {
	cfg := baseConfig(t)
	cfg["leeway_seconds"] = 0
	a := newTestAuthorizer(t, cfg)
	tests := []struct {
		name string
		exp  int64
		ok   bool
	}{
		{"exp one second later", testNow + 1, true},
		{"exp now", testNow, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mint(t, "EdDSA", baseHeader("EdDSA", "ed"), merge(baseClaims(), map[string]any{"exp": tt.exp, "iat": testNow - 10, "jti": tt.name}))
			if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); d.Allow != tt.ok {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

// TestCacheRespectsNewConfig: a token accepted (and cached) must be refused
// at once after a Config revokes it, supersedes its subject or drops its key.
func TestCacheRespectsNewConfig(t *testing.T) {
	tok := validToken(t, "EdDSA")
	tests := []struct {
		name   string
		mutate func(c map[string]any)
		want   string
	}{
		{"revoked", func(c map[string]any) { c["revoked"] = []map[string]any{{"jti": "jti-1", "exp": testNow + 3600}} }, desc(denyRevoked)},
		{"subjects_valid_after", func(c map[string]any) { c["subjects_valid_after"] = map[string]int64{"users/42": testNow} }, desc(denySuperseded)},
		{"key removed", func(c map[string]any) {
			ks := c["keys"].(map[string]any)["keys"].([]map[string]any)
			c["keys"] = map[string]any{"keys": ks[1:]}
		}, desc(denyKey)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			a := newTestAuthorizer(t, cfg)
			if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); !d.Allow {
				t.Fatalf("first check: %+v", d)
			}
			if n := a.policy.Load().cache.len(); n != 1 {
				t.Fatalf("cache holds %d entries, want 1", n)
			}
			tt.mutate(cfg)
			if err := a.Configure(mustJSON(t, cfg)); err != nil {
				t.Fatal(err)
			}
			if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); d.Allow || d.ErrorDescription != tt.want {
				t.Fatalf("after the new config: %+v", d)
			}
		})
	}
}

// TestCacheRechecksClock: a cached token still expires.
func TestCacheRechecksClock(t *testing.T) {
	a := newTestAuthorizer(t, baseConfig(t))
	tok := validToken(t, "EdDSA")
	later := testNow + 3600 + 30
	tests := []struct {
		name string
		now  int64
		ok   bool
	}{
		{"fresh", testNow, true},
		{"cached, still valid", testNow + 60, true},
		{"cached, expired", later, false},
		{"cached, before iat", testNow - 60 - 31, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request("GET", "/x", "Bearer "+tok)
			r.Now = ptr(tt.now)
			if d := a.Authorize(r); d.Allow != tt.ok {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

func TestCacheBounds(t *testing.T) {
	c := newTokenCache(4, 1<<20)
	for i := range 10 {
		c.put([]byte(strings.Repeat("x", 30)+"token-"+string(rune('a'+i))), &tokenInfo{sub: "s", jti: "j", exp: 100, scopes: []string{}})
	}
	if n := c.len(); n != 4 {
		t.Fatalf("%d entries, want 4", n)
	}
	small := newTokenCache(100, 3*cacheEntryOverhead)
	for i := range 10 {
		small.put([]byte("token-"+string(rune('a'+i))), &tokenInfo{exp: 100})
	}
	if small.bytes > 3*cacheEntryOverhead || small.len() > 2 {
		t.Fatalf("%d bytes in %d entries exceed the bound", small.bytes, small.len())
	}
	// Tokens sharing the bytes the index hashes never stand in for each
	// other: both are cached, each with its own claims.
	suffix := strings.Repeat("s", 22)
	c = newTokenCache(4, 1<<20)
	c.put([]byte("A."+suffix), &tokenInfo{sub: "a", exp: 100})
	if _, ok := c.get([]byte("B." + suffix)); ok {
		t.Fatal("a different token with the same suffix hit the cache")
	}
	c.put([]byte("B."+suffix), &tokenInfo{sub: "b", exp: 100})
	for _, want := range []string{"a", "b"} {
		if got, ok := c.get([]byte(strings.ToUpper(want) + "." + suffix)); !ok || got.sub != want {
			t.Fatalf("token %s: got %+v, %v", want, got, ok)
		}
	}
	if c.len() != 2 || c.bytes != entrySize("A."+suffix, &tokenInfo{sub: "a"})+entrySize("B."+suffix, &tokenInfo{sub: "b"}) {
		t.Fatalf("accounting after a shared suffix: %d entries, %d bytes", c.len(), c.bytes)
	}
	// The oldest entries go first (tokens of one issuer share a lifetime,
	// so the oldest is the first to expire); a token put again keeps its
	// place and is not counted twice.
	c = newTokenCache(3, 1<<20)
	c.put([]byte("old"), &tokenInfo{exp: 10})
	c.put([]byte("live"), &tokenInfo{exp: 1000})
	c.put([]byte("live"), &tokenInfo{exp: 1000}) // again: nothing changes
	c.put([]byte("new"), &tokenInfo{exp: 1000})
	if c.len() != 3 {
		t.Fatalf("%d entries after a repeated put, want 3", c.len())
	}
	c.put([]byte("newer"), &tokenInfo{exp: 1000}) // full: "old" goes
	for _, tok := range []string{"live", "new", "newer"} {
		if _, ok := c.get([]byte(tok)); !ok {
			t.Fatalf("%q was evicted before older entries", tok)
		}
	}
	if _, ok := c.get([]byte("old")); ok || c.len() != 3 {
		t.Fatalf("the oldest entry was kept (%d entries)", c.len())
	}
	want := entrySize("live", &tokenInfo{}) + entrySize("new", &tokenInfo{}) + entrySize("newer", &tokenInfo{})
	if c.bytes != want {
		t.Fatalf("%d bytes accounted, want %d", c.bytes, want)
	}
	// Many more insertions than slots keep both bounds.
	c = newTokenCache(8, 1<<20)
	for i := range 1000 {
		c.put([]byte(fmt.Sprint("tok-", i%13)), &tokenInfo{exp: 1000})
		if c.len() > 8 || c.n > 8 {
			t.Fatalf("%d entries in %d slots, bound 8", c.len(), c.n)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func equalDecision(a, b Decision) bool {
	return a.Allow == b.Allow && a.Status == b.Status && a.Subject == b.Subject &&
		strings.Join(a.Scopes, " ") == strings.Join(b.Scopes, " ") && (a.Scopes == nil) == (b.Scopes == nil) &&
		a.JTI == b.JTI && a.ExpiresAt == b.ExpiresAt && a.Error == b.Error &&
		a.ErrorDescription == b.ErrorDescription && a.WWWAuthenticate == b.WWWAuthenticate && a.Reason == b.Reason
}

// TestLargeMaxTokenBytes: a max_token_bytes near or past the largest int32
// (an operator's "no limit") must neither overflow the bound of what
// Authorize copies of an Authorization value nor change a decision, on
// 32-bit platforms (GOARCH=386, arm) as on 64-bit ones.
func TestLargeMaxTokenBytes(t *testing.T) {
	tok := validToken(t, "EdDSA")
	for _, n := range []int64{math.MaxInt32 - 8, math.MaxInt32, math.MaxInt64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			cfg := baseConfig(t)
			cfg["max_token_bytes"] = n
			a := newTestAuthorizer(t, cfg)
			if d := a.Authorize(request("GET", "/users/42/todos", "Bearer "+tok)); !d.Allow {
				t.Fatalf("a valid token: %+v", d)
			}
			if d := a.Authorize(request("GET", "/users/42/todos", "Bearer "+tok+"x")); d.Allow || d.Status != 401 {
				t.Fatalf("a damaged token: %+v", d)
			}
		})
	}
}
