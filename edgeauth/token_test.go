package edgeauth

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// desc returns the error_description of a denial, for expectations.
func desc(d denial) string { return denials[d].desc }

func TestTokenProfile(t *testing.T) {
	k := getKeys(t)
	_ = k
	type mutate func(h, c map[string]any)
	tests := []struct {
		name   string
		alg    string // the key that signs
		mutate mutate
		raw    func(t *testing.T) string // overrides minting entirely
		want   string                    // "" means allowed
	}{
		{name: "EdDSA valid", alg: "EdDSA"},
		{name: "Ed25519 alg name (RFC 9864)", alg: "EdDSA", mutate: func(h, c map[string]any) { h["alg"] = "Ed25519" }},
		{name: "ES256 valid", alg: "ES256"},
		{name: "RS256 valid", alg: "RS256"},
		{name: "PS256 valid", alg: "PS256"},
		{name: "HS256 valid", alg: "HS256"},
		{name: "typ upper case", alg: "EdDSA", mutate: func(h, c map[string]any) { h["typ"] = "AT+JWT" }},
		{name: "typ with application prefix", alg: "EdDSA", mutate: func(h, c map[string]any) { h["typ"] = "Application/at+jwt" }},
		{name: "aud array", alg: "EdDSA", mutate: func(h, c map[string]any) { c["aud"] = []string{"other", testAudience} }},
		{name: "nbf in the past", alg: "EdDSA", mutate: func(h, c map[string]any) { c["nbf"] = testNow - 10 }},
		{name: "nbf within leeway", alg: "EdDSA", mutate: func(h, c map[string]any) { c["nbf"] = testNow + 30 }},
		{name: "exp within leeway", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = testNow - 29 }},
		{name: "iat within leeway", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iat"] = testNow + 30 }},
		{name: "unknown header member ignored", alg: "EdDSA", mutate: func(h, c map[string]any) { h["cty"] = "x" }},
		{name: "unknown claim ignored", alg: "EdDSA", mutate: func(h, c map[string]any) { c["SUB"] = "users/1"; c["extra"] = []any{1, "x"} }},
		{name: "no scope claim", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "scope") }},
		{name: "max lifetime exactly", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iat"] = testNow - 100; c["exp"] = testNow - 100 + 86400 }},
		{name: "jti of 128 bytes", alg: "EdDSA", mutate: func(h, c map[string]any) { c["jti"] = strings.Repeat("j", 128) }},

		{name: "alg none", alg: "EdDSA", mutate: func(h, c map[string]any) { h["alg"] = "none" }, want: desc(denyAlg)},
		{name: "alg wrong case", alg: "EdDSA", mutate: func(h, c map[string]any) { h["alg"] = "eddsa" }, want: desc(denyAlg)},
		{name: "alg not bound to kid", alg: "HS256", mutate: func(h, c map[string]any) { h["kid"] = "rs" }, want: desc(denyAlg)},
		{name: "HS256 signed with RSA public key as secret (confusion)", alg: "HS256", mutate: func(h, c map[string]any) { h["kid"] = "rs"; h["alg"] = "HS256" }, want: desc(denyAlg)},
		{name: "alg missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(h, "alg") }, want: desc(denyHeader)},
		{name: "alg not a string", alg: "EdDSA", mutate: func(h, c map[string]any) { h["alg"] = 1 }, want: desc(denyHeader)},
		{name: "kid missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(h, "kid") }, want: desc(denyHeader)},
		{name: "kid unknown", alg: "EdDSA", mutate: func(h, c map[string]any) { h["kid"] = "nope" }, want: desc(denyKey)},
		{name: "kid case differs", alg: "EdDSA", mutate: func(h, c map[string]any) { h["kid"] = "ED" }, want: desc(denyKey)},
		{name: "typ missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(h, "typ") }, want: desc(denyType)},
		{name: "typ JWT", alg: "EdDSA", mutate: func(h, c map[string]any) { h["typ"] = "JWT" }, want: desc(denyType)},
		{name: "typ with parameter", alg: "EdDSA", mutate: func(h, c map[string]any) { h["typ"] = "at+jwt; charset=utf-8" }, want: desc(denyType)},
		{name: "typ prefix only", alg: "EdDSA", mutate: func(h, c map[string]any) { h["typ"] = "application/" }, want: desc(denyType)},
		{name: "crit", alg: "EdDSA", mutate: func(h, c map[string]any) { h["crit"] = []string{"exp"} }, want: desc(denyHeader)},
		{name: "jku", alg: "EdDSA", mutate: func(h, c map[string]any) { h["jku"] = "https://x" }, want: desc(denyHeader)},
		{name: "jwk", alg: "EdDSA", mutate: func(h, c map[string]any) { h["jwk"] = map[string]any{} }, want: desc(denyHeader)},
		{name: "x5u", alg: "EdDSA", mutate: func(h, c map[string]any) { h["x5u"] = "https://x" }, want: desc(denyHeader)},
		{name: "x5c", alg: "EdDSA", mutate: func(h, c map[string]any) { h["x5c"] = []string{} }, want: desc(denyHeader)},
		{name: "b64", alg: "EdDSA", mutate: func(h, c map[string]any) { h["b64"] = true }, want: desc(denyHeader)},
		{name: "zip", alg: "EdDSA", mutate: func(h, c map[string]any) { h["zip"] = "DEF" }, want: desc(denyHeader)},
		{name: "enc", alg: "EdDSA", mutate: func(h, c map[string]any) { h["enc"] = "A128GCM" }, want: desc(denyHeader)},
		{name: "crit null still rejected", alg: "EdDSA", mutate: func(h, c map[string]any) { h["crit"] = nil }, want: desc(denyHeader)},
		{name: "signed by another key", alg: "other", mutate: func(h, c map[string]any) { h["alg"] = "EdDSA"; h["kid"] = "ed" }, want: desc(denySignature)},

		{name: "iss wrong", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iss"] = "https://evil" }, want: desc(denyIssuer)},
		{name: "iss missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "iss") }, want: desc(denyIssuer)},
		{name: "aud wrong", alg: "EdDSA", mutate: func(h, c map[string]any) { c["aud"] = "other" }, want: desc(denyAudience)},
		{name: "aud empty array", alg: "EdDSA", mutate: func(h, c map[string]any) { c["aud"] = []string{} }, want: desc(denyAudience)},
		{name: "aud array with a number", alg: "EdDSA", mutate: func(h, c map[string]any) { c["aud"] = []any{testAudience, 1} }, want: desc(denyAudience)},
		{name: "aud missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "aud") }, want: desc(denyAudience)},
		{name: "sub empty", alg: "EdDSA", mutate: func(h, c map[string]any) { c["sub"] = "" }, want: desc(denyClaims)},
		{name: "sub missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "sub") }, want: desc(denyClaims)},
		{name: "sub a number", alg: "EdDSA", mutate: func(h, c map[string]any) { c["sub"] = 42 }, want: desc(denyClaims)},
		{name: "exp missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "exp") }, want: desc(denyClaims)},
		{name: "exp a string", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = "1700003600" }, want: desc(denyClaims)},
		{name: "exp null", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = nil }, want: desc(denyClaims)},
		{name: "exp 1.0 form", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = rawNumber("1700003600.0") }, want: desc(denyClaims)},
		{name: "exp exponent form", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = rawNumber("17e8") }, want: desc(denyClaims)},
		{name: "exp overflows int64", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = rawNumber("9223372036854775808") }, want: desc(denyClaims)},
		{name: "iat missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "iat") }, want: desc(denyClaims)},
		{name: "nbf a string", alg: "EdDSA", mutate: func(h, c map[string]any) { c["nbf"] = "0" }, want: desc(denyClaims)},
		{name: "nbf null", alg: "EdDSA", mutate: func(h, c map[string]any) { c["nbf"] = nil }, want: desc(denyClaims)},
		{name: "jti missing", alg: "EdDSA", mutate: func(h, c map[string]any) { delete(c, "jti") }, want: desc(denyClaims)},
		{name: "jti empty", alg: "EdDSA", mutate: func(h, c map[string]any) { c["jti"] = "" }, want: desc(denyClaims)},
		{name: "jti of 129 bytes", alg: "EdDSA", mutate: func(h, c map[string]any) { c["jti"] = strings.Repeat("j", 129) }, want: desc(denyClaims)},
		{name: "scope an array", alg: "EdDSA", mutate: func(h, c map[string]any) { c["scope"] = []string{"a"} }, want: desc(denyClaims)},
		{name: "scope null", alg: "EdDSA", mutate: func(h, c map[string]any) { c["scope"] = nil }, want: desc(denyClaims)},
		{name: "expired", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = testNow - 30 }, want: "the token has expired"},
		{name: "nbf in the future", alg: "EdDSA", mutate: func(h, c map[string]any) { c["nbf"] = testNow + 31 }, want: desc(denyNotYet)},
		{name: "iat in the future", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iat"] = testNow + 31; c["exp"] = testNow + 100 }, want: desc(denyNotYet)},
		{name: "lifetime too long", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iat"] = testNow - 100; c["exp"] = testNow - 99 + 86400 }, want: desc(denyLifetime)},
		{name: "exp in milliseconds", alg: "EdDSA", mutate: func(h, c map[string]any) { c["exp"] = (testNow + 3600) * 1000 }, want: desc(denyLifetime)},
		{name: "exp before iat", alg: "EdDSA", mutate: func(h, c map[string]any) { c["iat"] = testNow + 20; c["exp"] = testNow + 10 }, want: desc(denyLifetime)},
		{name: "revoked", alg: "EdDSA", mutate: func(h, c map[string]any) { c["jti"] = "revoked-1" }, want: desc(denyRevoked)},
		{name: "issued before subject's valid-after", alg: "EdDSA", mutate: func(h, c map[string]any) { c["sub"] = "users/7"; c["iat"] = testNow - 61 }, want: desc(denySuperseded)},
		{name: "issued at subject's valid-after", alg: "EdDSA", mutate: func(h, c map[string]any) { c["sub"] = "users/7"; c["iat"] = testNow - 60 }},

		{name: "duplicate claim", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")),
				[]byte(`{"iss":"`+testIssuer+`","aud":"todos","sub":"users/42","sub":"users/1","iat":1699999940,"exp":1700003600,"jti":"j"}`))
		}, want: desc(denyMalformed)},
		{name: "duplicate claim after unescaping", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")),
				[]byte(`{"iss":"`+testIssuer+`","aud":"todos","sub":"users/42","s\u0075b":"users/1","iat":1699999940,"exp":1700003600,"jti":"j"}`))
		}, want: desc(denyMalformed)},
		{name: "duplicate header member", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", []byte(`{"alg":"EdDSA","kid":"ed","kid":"rs","typ":"at+jwt"}`), mustJSON(t, baseClaims()))
		}, want: desc(denyMalformed)},
		{name: "claims with BOM", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")), append([]byte("\xEF\xBB\xBF"), mustJSON(t, baseClaims())...))
		}, want: desc(denyMalformed)},
		{name: "claims with trailing bytes", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")), append(mustJSON(t, baseClaims()), " {}"...))
		}, want: desc(denyMalformed)},
		{name: "claims with invalid UTF-8", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")),
				[]byte(`{"iss":"`+testIssuer+`","aud":"todos","sub":"users/\xff","iat":1699999940,"exp":1700003600,"jti":"j"}`))
		}, want: desc(denyMalformed)},
		{name: "claims with lone surrogate", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")),
				[]byte(`{"iss":"`+testIssuer+`","aud":"todos","sub":"users/\ud800","iat":1699999940,"exp":1700003600,"jti":"j"}`))
		}, want: desc(denyMalformed)},
		{name: "claims an array", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")), []byte(`[]`))
		}, want: desc(denyMalformed)},
		{name: "escaped issuer still equal", raw: func(t *testing.T) string {
			return signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")),
				[]byte(`{"iss":"https:\/\/issuer.example","aud":"todos","sub":"users/42","iat":1699999940,"exp":1700003600,"jti":"j"}`))
		}},
		{name: "padded segment", raw: func(t *testing.T) string { return validToken(t, "EdDSA") + "=" }, want: desc(denyMalformed)},
		{name: "four segments", raw: func(t *testing.T) string { return validToken(t, "EdDSA") + ".AA" }, want: desc(denyMalformed)},
		{name: "two segments", raw: func(t *testing.T) string {
			tok := validToken(t, "EdDSA")
			return tok[:strings.LastIndexByte(tok, '.')]
		}, want: desc(denyMalformed)},
		{name: "empty signature", raw: func(t *testing.T) string {
			tok := validToken(t, "EdDSA")
			return tok[:strings.LastIndexByte(tok, '.')+1]
		}, want: desc(denyMalformed)},
		{name: "standard base64 characters", raw: func(t *testing.T) string { return strings.Replace(validToken(t, "EdDSA"), "e", "+", 1) }, want: desc(denyMalformed)},
		{name: "whitespace inside", raw: func(t *testing.T) string { return "a b.c.d" }, want: desc(denyMalformed)},
		{name: "non-canonical trailing bits", raw: func(t *testing.T) string {
			tok := validToken(t, "EdDSA")
			// The 64-byte signature encodes to 86 characters: the last one
			// carries 4 unused bits; setting one keeps the bytes the same for
			// a lenient decoder but is not canonical.
			last := tok[len(tok)-1]
			idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
			return tok[:len(tok)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx|1])
		}, want: desc(denyMalformed)},
		{name: "too large", raw: func(t *testing.T) string {
			return mint(t, "EdDSA", baseHeader("EdDSA", "ed"), merge(baseClaims(), map[string]any{"pad": strings.Repeat("x", 4096)}))
		}, want: desc(denyTooLarge)},
		{name: "ES256 signature in DER", raw: func(t *testing.T) string {
			tok := validToken(t, "ES256")
			sig := mustB64(t, tok[strings.LastIndexByte(tok, '.')+1:])
			return tok[:strings.LastIndexByte(tok, '.')+1] + b64(appendDERSignature(nil, sig[:32], sig[32:]))
		}, want: desc(denySignature)},
		{name: "ES256 r = 0", raw: func(t *testing.T) string {
			tok := validToken(t, "ES256")
			sig := mustB64(t, tok[strings.LastIndexByte(tok, '.')+1:])
			clear(sig[:32])
			return tok[:strings.LastIndexByte(tok, '.')+1] + b64(sig)
		}, want: desc(denySignature)},
		{name: "ES256 s = n", raw: func(t *testing.T) string {
			tok := validToken(t, "ES256")
			sig := mustB64(t, tok[strings.LastIndexByte(tok, '.')+1:])
			copy(sig[32:], p256Order[:])
			return tok[:strings.LastIndexByte(tok, '.')+1] + b64(sig)
		}, want: desc(denySignature)},
		{name: "ES256 high-S accepted", raw: func(t *testing.T) string {
			tok := validToken(t, "ES256")
			sig := mustB64(t, tok[strings.LastIndexByte(tok, '.')+1:])
			copy(sig[32:], negateModN(sig[32:]))
			return tok[:strings.LastIndexByte(tok, '.')+1] + b64(sig)
		}},
		{name: "PS256 with a PKCS1v15 signature", raw: func(t *testing.T) string {
			return signRaw(t, "RS256", mustJSON(t, baseHeader("PS256", "ps")), mustJSON(t, baseClaims()))
		}, want: desc(denySignature)},
		{name: "HS256 truncated MAC", raw: func(t *testing.T) string {
			tok := validToken(t, "HS256")
			return tok[:len(tok)-3] // 40 characters: 30 bytes, canonical
		}, want: desc(denySignature)},
		{name: "tampered claims", raw: func(t *testing.T) string {
			tok := validToken(t, "EdDSA")
			parts := strings.Split(tok, ".")
			c := baseClaims()
			c["sub"] = "users/1"
			return parts[0] + "." + b64(mustJSON(t, c)) + "." + parts[2]
		}, want: desc(denySignature)},
	}
	cfg := baseConfig(t)
	cfg["revoked"] = []map[string]any{{"jti": "revoked-1", "exp": testNow + 3600}}
	cfg["subjects_valid_after"] = map[string]int64{"users/7": testNow - 60}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tok string
			if tt.raw != nil {
				tok = tt.raw(t)
			} else {
				h, c := baseHeader(tt.alg, kidOf(tt.alg)), baseClaims()
				if tt.mutate != nil {
					tt.mutate(h, c)
				}
				tok = mint(t, tt.alg, h, c)
			}
			// A fresh Authorizer per case: no cache carries over.
			a := newTestAuthorizer(t, cfg)
			for _, round := range []string{"miss", "cache"} {
				d := a.Authorize(request("GET", "/anything", "Bearer "+tok))
				if tt.want == "" {
					if !d.Allow || d.Status != 200 || d.Subject == "" || d.Scopes == nil {
						t.Fatalf("%s: want allowed, got %+v", round, d)
					}
					continue
				}
				if d.Allow || d.Status != 401 || d.Error != CodeInvalidToken || d.ErrorDescription != tt.want {
					t.Fatalf("%s: got %+v, want 401 invalid_token %q", round, d, tt.want)
				}
				wantHeader := `Bearer realm="todos", error="invalid_token", error_description="` + tt.want + `"`
				if d.WWWAuthenticate != wantHeader {
					t.Fatalf("%s: header %q, want %q", round, d.WWWAuthenticate, wantHeader)
				}
				if len(tok) >= 10 && strings.Contains(d.WWWAuthenticate+d.ErrorDescription, tok[:10]) {
					t.Fatal("the denial echoes the token")
				}
			}
		})
	}
}

// TestAllowedDecision checks the fields of an allowed Decision.
func TestAllowedDecision(t *testing.T) {
	a := newTestAuthorizer(t, baseConfig(t))
	tests := []struct {
		name   string
		scope  any
		scopes []string
	}{
		{"scopes in token order", "b a  c", []string{"b", "a", "c"}},
		{"no scope claim gives an empty list", nil, []string{}},
		{"empty scope", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseClaims()
			delete(c, "scope")
			if tt.scope != nil {
				c["scope"] = tt.scope
			}
			c["jti"] = tt.name // distinct tokens
			tok := mint(t, "EdDSA", baseHeader("EdDSA", "ed"), c)
			d := a.Authorize(request("GET", "/x", "Bearer "+tok))
			if !d.Allow || d.Status != 200 || d.Subject != "users/42" || d.JTI != tt.name || d.ExpiresAt != testNow+3600 {
				t.Fatalf("got %+v", d)
			}
			if d.Scopes == nil || strings.Join(d.Scopes, "|") != strings.Join(tt.scopes, "|") {
				t.Fatalf("scopes %q, want %q", d.Scopes, tt.scopes)
			}
			js := string(AppendDecisionJSON(nil, &d))
			if len(tt.scopes) == 0 && !strings.Contains(js, `"scopes":[]`) {
				t.Fatalf("JSON %s lacks an empty scopes array", js)
			}
		})
	}
}

// rawNumber is a JSON number written exactly as given.
type rawNumber string

func (n rawNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

func merge(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, ok := appendB64(nil, s)
	if !ok {
		t.Fatalf("bad base64url %q", s)
	}
	return b
}

// TestKeyLookup checks that a kid finds exactly its key whether the Config
// has few keys (compared one by one) or many (looked up in the map).
func TestKeyLookup(t *testing.T) {
	for _, extra := range []int{0, maxScannedKeys} {
		t.Run(fmt.Sprintf("%d more keys", extra), func(t *testing.T) {
			cfg := baseConfig(t)
			keys := getKeys(t).jwks()
			for i := range extra {
				other := bytes.Repeat([]byte{byte(i + 1)}, 32)
				keys = append(keys, map[string]any{"kty": "oct", "kid": fmt.Sprint("hs-", i), "alg": "HS256", "k": b64(other)})
			}
			cfg["keys"] = map[string]any{"keys": keys}
			p := newTestAuthorizer(t, cfg).policy.Load()
			if scanned := p.fewKeys != nil; scanned != (len(keys) <= maxScannedKeys) {
				t.Fatalf("%d keys: compared one by one = %v", len(keys), scanned)
			}
			tests := []struct {
				kid  string
				want denial
			}{
				{"hs", denyNone},
				{"hs-0", denySignature}, // another key (when present): its own secret does not match
				{"h", denyKey},
				{"nope", denyKey},
			}
			for _, tt := range tests {
				want := tt.want
				if tt.kid == "hs-0" && extra == 0 {
					want = denyKey
				}
				tok := mint(t, "HS256", baseHeader("HS256", tt.kid), baseClaims())
				if _, d := p.verifyToken([]byte(tok), testNow, new(scratch)); d != want {
					t.Errorf("kid %q: %v, want %v", tt.kid, d, want)
				}
			}
		})
	}
}

// TestScratchBlocks checks that strings and tokenInfos cut from a
// scratch's blocks keep their contents while later ones are cut, within a
// block and across a new one (natively blocks hold one item; a block is
// forced here as wasm uses them).
func TestScratchBlocks(t *testing.T) {
	s := &scratch{texts: make([]byte, 0, 16), infos: make([]tokenInfo, 2)}
	var kept []string
	var infos []*tokenInfo
	for i := range 10 {
		want := strings.Repeat(string(rune('a'+i)), 1+i%5)
		kept = append(kept, s.keepText([]byte(want)))
		ti := s.newInfo()
		ti.sub = want
		infos = append(infos, ti)
		for j, k := range kept {
			if w := strings.Repeat(string(rune('a'+j)), 1+j%5); k != w || infos[j].sub != w {
				t.Fatalf("after %d cuts, item %d is %q / %q, want %q", i+1, j, k, infos[j].sub, w)
			}
		}
	}
	if s.keepText(nil) != "" {
		t.Fatal("an empty text is not empty")
	}
}
