package edgeauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParseToken fuzzes the token path. The header and claims are signed
// (HS256, so a fuzzed token can carry a valid signature); an accepted token
// is then checked against the profile with encoding/json as an independent
// reader, and the Decision must round-trip exactly to the signed claims. The
// raw string is judged as a credential as is: it must never crash, and it
// can only be accepted if it is a correctly signed token.
func FuzzParseToken(f *testing.F) {
	h := mustJSON(f, baseHeader("HS256", "hs"))
	c := mustJSON(f, baseClaims())
	f.Add(h, c, validToken(f, "HS256"))
	f.Add([]byte(`{"alg":"HS256","kid":"hs","typ":"application/AT+JWT","x":[1,{"y":null}]}`),
		[]byte(`{"iss":"https://issuer.example","aud":["x","todos"],"sub":"users/\u0034\u0032","iat":1699999999,"exp":1700000001,"nbf":-0,"jti":"\ud83d\ude00","scope":" a  b "}`),
		"a.b.c")
	f.Add([]byte(`{"alg":"HS256","kid":"hs","typ":"at+jwt","crit":[]}`), c, "..")
	f.Add(h, []byte(`{"iss":"https://issuer.example","aud":"todos","sub":"s","iat":1e9,"exp":1700000001,"jti":"j"}`), validToken(f, "EdDSA"))
	f.Add(h, []byte(`{"iss":"https://issuer.example","aud":"todos","sub":"s","sub":"t","iat":1699999999,"exp":1700000001,"jti":"j"}`), "eyJ.eyJ.AA")
	a := newTestAuthorizer(f, baseConfig(f))
	f.Fuzz(func(t *testing.T, header, claims []byte, raw string) {
		tok := signRaw(t, "HS256", header, claims)
		d := a.Authorize(request("GET", "/x", "Bearer "+tok))
		checkDecisionShape(t, d)
		if d.Allow {
			checkAccepted(t, header, claims, d)
		}
		d = a.Authorize(request("GET", "/x", "Bearer "+raw))
		checkDecisionShape(t, d)
		if d.Allow {
			parts := strings.Split(raw, ".")
			if len(parts) != 3 {
				t.Fatalf("accepted %q", raw)
			}
			hb, _ := appendB64(nil, parts[0])
			cb, _ := appendB64(nil, parts[1])
			if signRaw(t, "HS256", hb, cb) != raw && !strings.Contains(string(hb), `"ed"`) {
				t.Fatalf("accepted a token with a wrong signature: %q", raw)
			}
		}
	})
}

// checkDecisionShape: every Decision is one of the documented ones.
func checkDecisionShape(t *testing.T, d Decision) {
	t.Helper()
	if d.Allow {
		if d.Status != 200 || d.Error != "" || d.Subject == "" || d.Scopes == nil {
			t.Fatalf("bad allowed decision %+v", d)
		}
		return
	}
	for _, info := range denials {
		if info.status == d.Status && info.code == d.Error && info.desc == d.ErrorDescription {
			return
		}
	}
	t.Fatalf("undocumented denial %+v", d)
}

// checkAccepted re-checks an accepted token's header and claims with
// encoding/json.
func checkAccepted(t *testing.T, header, claims []byte, d Decision) {
	t.Helper()
	var h map[string]any
	if err := json.Unmarshal(header, &h); err != nil {
		t.Fatalf("accepted a header encoding/json rejects: %v", err)
	}
	if h["alg"] != "HS256" || h["kid"] != "hs" {
		t.Fatalf("accepted header %s", header)
	}
	typ, _ := h["typ"].(string)
	if lt := strings.ToLower(typ); lt != "at+jwt" && lt != "application/at+jwt" {
		t.Fatalf("accepted typ %q", typ)
	}
	for _, forbidden := range []string{"crit", "jku", "jwk", "x5u", "x5c", "b64", "zip", "enc"} {
		if _, ok := h[forbidden]; ok {
			t.Fatalf("accepted header with %s", forbidden)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(claims))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("accepted claims encoding/json rejects: %v", err)
	}
	if c["iss"] != testIssuer {
		t.Fatalf("accepted iss %v", c["iss"])
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != testAudience {
			t.Fatalf("accepted aud %q", aud)
		}
	case []any:
		if !slices.Contains(aud, any(testAudience)) {
			t.Fatalf("accepted aud %v", aud)
		}
	default:
		t.Fatalf("accepted aud %v", aud)
	}
	if c["sub"] != d.Subject || c["jti"] != d.JTI {
		t.Fatalf("decision %+v does not match claims %s", d, claims)
	}
	exp, _ := c["exp"].(json.Number)
	iat, _ := c["iat"].(json.Number)
	for _, n := range []json.Number{exp, iat} {
		if n == "" || strings.ContainsAny(string(n), ".eE") {
			t.Fatalf("accepted a non-integer time in %s", claims)
		}
	}
	if e, err := exp.Int64(); err != nil || e != d.ExpiresAt || e <= testNow-30 {
		t.Fatalf("accepted exp %v (decision %d)", exp, d.ExpiresAt)
	}
	if i, err := iat.Int64(); err != nil || i > testNow+30 || d.ExpiresAt-i > 86400 {
		t.Fatalf("accepted iat %v", iat)
	}
	scope, _ := c["scope"].(string)
	if _, has := c["scope"]; has && c["scope"] != scope {
		t.Fatalf("accepted scope %v", c["scope"])
	}
	if want := strings.Fields(scope); strings.Join(want, " ") != strings.Join(d.Scopes, " ") {
		t.Fatalf("scopes %q, want %q", d.Scopes, want)
	}
}

// FuzzConfigure: no input may crash Configure; a rejected config must leave
// the previous one in force; an accepted one must be JSON encoding/json
// accepts, and must decide requests without crashing.
func FuzzConfigure(f *testing.F) {
	f.Add(mustJSON(f, baseConfig(f)))
	f.Add([]byte(`{"issuer":"i","audiences":["a"],"default":"deny","public":[{"method":"GET","path":"/{x}"}]}`))
	f.Add([]byte(`{"issuer":"i","audiences":["a"],"algorithms":["HS256"],"keys":{"keys":[{"kty":"oct","kid":"k","alg":"HS256","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}}`))
	f.Add([]byte(`{"issuer":"i","audiences":["a"],"routes":[{"method":"GET","path":"/u/{id}","owner":"id","scopes":["s"]}],"revoked":[{"jti":"j","exp":1}],"subjects_valid_after":{"u":1}}`))
	f.Add([]byte(`{"issuer":"i","audiences":["a"],"leeway_seconds":0,"max_lifetime_seconds":1,"max_token_bytes":1}`))
	tok := validToken(f, "EdDSA")
	good := mustJSON(f, baseConfig(f))
	f.Fuzz(func(t *testing.T, doc []byte) {
		a := NewAuthorizer(Options{})
		if err := a.Configure(good); err != nil {
			t.Fatal(err)
		}
		err := a.Configure(doc)
		d := a.Authorize(request("GET", "/users/42/todos", "Bearer "+tok))
		if err != nil {
			if !d.Allow {
				t.Fatalf("a rejected config changed the decision: %+v", d)
			}
			return
		}
		if !json.Valid(doc) {
			t.Fatalf("accepted invalid JSON %q", doc)
		}
		checkDecisionShape(t, d)
		a.Authorize(request("POST", "/", ""))
	})
}

// FuzzUpdate: no input may crash Update; a rejected update changes nothing
// (not even a part of it); an accepted one is JSON that encoding/json reads
// as a ConfigUpdate, and refuses exactly what it names, on a cache hit too.
func FuzzUpdate(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"revoked":[{"jti":"jti-1","exp":1700003600}]}`))
	f.Add([]byte(`{"revoked_sessions":[{"sid":"sess-1","exp":1700003600},{"sid":"","exp":1}]}`))
	f.Add([]byte(`{"subjects_valid_after":{"users/42":1700000000},"revoked":null}`))
	f.Add([]byte(`{"revoked_sessions":[{"sid":"sess\u002d1","exp":1700003600}],"x":1}`))
	tok := sidToken(f, "sid", "sess-1")
	f.Fuzz(func(t *testing.T, doc []byte) {
		a := newClockedAuthorizer(t, baseConfig(t))
		req := request("GET", "/users/42/todos", "Bearer "+tok)
		if d := a.Authorize(req); !d.Allow { // and into the cache
			t.Fatalf("before the update: %+v", d)
		}
		err := a.Update(doc)
		d := a.Authorize(req)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) || !d.Allow {
				t.Fatalf("a rejected update (%v) changed the decision: %+v", err, d)
			}
			return
		}
		var u ConfigUpdate
		if err := json.Unmarshal(doc, &u); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", doc, err)
		}
		// An entry dead at the clock (exp + leeway passed) may be forgotten
		// at once, or not: only live ones are sure to refuse.
		var live, dead bool
		note := func(match bool, exp int64) {
			if match {
				live = live || exp >= testNow-30
				dead = dead || exp < testNow-30
			}
		}
		for _, r := range u.Revoked {
			note(r.JTI == "jti-1", r.Exp)
		}
		for _, r := range u.RevokedSessions {
			note(r.SID == "sess-1", r.Exp)
		}
		live = live || u.SubjectsValidAfter["users/42"] > testNow-60
		if d.Allow == live && (live || !dead) {
			t.Fatalf("update %q: allowed = %t", doc, d.Allow)
		}
	})
}
