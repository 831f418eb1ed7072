package genvectors

import (
	"encoding/hex"
	"encoding/json"
	"maps"
	"strings"
)

// srcSessions cites the Config member that revokes sessions.
const srcSessions = "ABI.md Config: revoked_sessions, tokens with a listed sid are rejected"

const (
	srcCfgErr  = "ABI.md Config: configuring any of these is an error"
	srcUnconf  = "ABI.md: a rejected config leaves the previous one in force; before any config is accepted every request is denied (401)"
	srcDefault = "ABI.md Config defaults"
)

// configFile: defaults, accepted configs and every config error.
func (g *gen) configFile() *file {
	k := g.k
	def := g.defaultsConfig()
	main := g.mainConfig()
	f := newFile("config", map[string]any{"defaults": def, "main": main})
	t := g.token0(k.ed1)

	// Defaults.
	f.add("default-realm-api-no-authorization", srcDefault+": realm \"api\"", "defaults", req("GET", "/whoami", nil), noToken("api"))
	f.add("default-realm-api-invalid-token", srcDefault+": realm \"api\"", "defaults", whoami("garbage"), badToken("api"))
	f.add("default-realm-api-bad-request", srcDefault+": realm \"api\"", "defaults", req("GET", "/whoami", []string{"Basic x"}), badRequest("api"))
	f.add("default-algorithms-eddsa", srcDefault+": algorithms [\"EdDSA\",\"ES256\"]", "defaults", whoami(t), allowed0())
	f.add("default-algorithms-ed25519-name", srcDefault+": algorithms; the allow-list entry EdDSA admits Ed25519", "defaults",
		whoami(g.withHeader(k.ed1, func(h object) object { return h.set("alg", "Ed25519") })), allowed0())
	f.add("default-algorithms-es256", srcDefault+": algorithms [\"EdDSA\",\"ES256\"]", "defaults", whoami(g.token0(k.ec1)), allowed0())
	f.add("default-route-authenticated", srcDefault+": default \"authenticated\"", "defaults", req("DELETE", "/anything/at/all", bearer(t)), allowed0())
	f.add("default-leeway-30-exp-rejected", srcDefault+": leeway_seconds 30; "+srcExp, "defaults",
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-3600).set("exp", now-30) })), badToken("api"))
	f.add("default-leeway-30-exp-accepted", srcDefault+": leeway_seconds 30; "+srcExp, "defaults",
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-3600).set("exp", now-29) })), allowed(sub0, scope0, jti0, now-29))
	f.add("default-leeway-30-nbf-rejected", srcDefault+": leeway_seconds 30; "+srcNbfIat, "defaults",
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("nbf", now+31) })), badToken("api"))
	f.add("default-max-lifetime-86400-accepted", srcDefault+": max_lifetime_seconds 86400", "defaults",
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-10).set("exp", now-10+86400) })), allowed(sub0, scope0, jti0, now-10+86400))
	f.add("default-max-lifetime-86400-rejected", srcDefault+": max_lifetime_seconds 86400", "defaults",
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-10).set("exp", now-10+86401) })), badToken("api"))

	// Accepted configs (inline).
	okCfg := func(name, source string, cfg map[string]any, r request, want object) {
		f.add(name, source, cfg, r, want)
	}
	okCfg("realm-with-space", "ABI.md Config: realm goes into every header", with(def, "realm", "my api"), req("GET", "/whoami", nil), noToken("my api"))
	okCfg("explicit-leeway-zero-means-zero", "ABI.md Config: leeway_seconds (an explicit 0 means 0)", with(def, "leeway_seconds", 0),
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-3600).set("exp", now) })), badToken("api"))
	okCfg("leeway-300-accepted", "ABI.md Config: leeway_seconds at most 300 (boundary)", with(def, "leeway_seconds", 300),
		whoami(g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-3600).set("exp", now-299) })), allowed(sub0, scope0, jti0, now-299))
	okCfg("es256-only", "ABI.md Config: algorithms allow-list", with(def, "algorithms", []string{"ES256"}, "keys", jwks(k.ec1)),
		whoami(g.token0(k.ec1)), allowed0())
	okCfg("es256-only-eddsa-token", "ABI.md Config: algorithms allow-list (EdDSA not allowed, no such kid)", with(def, "algorithms", []string{"ES256"}, "keys", jwks(k.ec1)),
		whoami(t), badToken("api"))
	okCfg("hs256-32-byte-key", "ABI.md Config: oct for HS256 only when the allow-list has HS256; keys of at least 32 bytes (boundary)",
		with(def, "algorithms", []string{"HS256"}, "keys", jwks(k.hs1)), whoami(g.token0(k.hs1)), allowed0())
	okCfg("rsa-2048-keys", "ABI.md Config: RSA >= 2048 bits (boundary)", with(def, "algorithms", []string{"RS256", "PS256"}, "keys", jwks(k.rsaA, k.rsaB)),
		whoami(g.token0(k.rsaB)), allowed0())
	useSig := maps.Clone(k.ed1.jwk)
	useSig["use"] = "sig"
	okCfg("key-with-use-sig", "RFC 7517 section 4.2: use sig", with(def, "keys", jwks(useSig)), whoami(t), allowed0())
	okCfg("max-token-bytes-small-positive", "ABI.md Config: max_token_bytes (a positive value is accepted)", with(def, "max_token_bytes", 16),
		whoami(t), badToken("api"))
	okCfg("default-explicit-authenticated", "ABI.md Config: default authenticated", with(def, "default", "authenticated"), whoami(t), allowed0())
	okCfg("default-explicit-deny", "ABI.md Config: default deny", with(def, "default", "deny"), whoami(t), notFound())
	inSession := g.withClaims(k.ed1, func(c object) object { return c.set("sid", "sess-1") })
	sessions := func(entries ...any) map[string]any { return with(def, "revoked_sessions", append([]any{}, entries...)) }
	entry := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	okCfg("revoked-sessions-listed", srcSessions, sessions(entry("sid", "sess-1", "exp", now+3600)), whoami(inSession), badToken("api"))
	okCfg("revoked-sessions-other", srcSessions+" (positive: another session)", sessions(entry("sid", "sess-2", "exp", now+3600)),
		whoami(inSession), allowed0().set("sid", "sess-1"))
	okCfg("revoked-sessions-token-without-sid", srcSessions+" (positive: a token without sid is in no session)", sessions(entry("sid", "sess-1", "exp", now+3600)),
		whoami(t), allowed0().set("sid", nil))
	okCfg("revoked-sessions-sid-128-bytes", srcSessions+" (boundary)", sessions(entry("sid", strings.Repeat("s", 128), "exp", 0)), whoami(inSession), allowed0().set("sid", "sess-1"))
	okCfg("revoked-sessions-empty", srcSessions, sessions(), whoami(inSession), allowed0().set("sid", "sess-1"))
	okCfg("revoked-sessions-null-is-absent", srcSessions+" (null means absent)", with(def, "revoked_sessions", json.RawMessage("null")), whoami(inSession), allowed0().set("sid", "sess-1"))
	okCfg("revoked-sessions-expired-entry-still-listed", srcSessions+" (a Config's entries are all kept, even those whose exp has passed)",
		sessions(entry("sid", "sess-1", "exp", now-86400)), whoami(inSession), badToken("api"))

	// Config errors: the engine must reject them; a fresh engine stays
	// unconfigured and denies with 401.
	bad := func(name, source string, cfg map[string]any) {
		f.Vectors = append(f.Vectors, vector{Name: name, Source: source, Config: cfg, ConfigError: true, Request: whoami(t), Expect: unconfigured()})
	}
	badKey := func(name, source string, jwk map[string]any) { bad(name, source, with(def, "keys", jwks(k.ed1, jwk))) }
	okp := func(x []byte) map[string]any {
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "bad", "alg": "EdDSA", "x": b64.EncodeToString(x)}
	}
	identity := make([]byte, 32)
	identity[0] = 1
	order8, _ := hex.DecodeString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	order2, _ := hex.DecodeString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	bad("issuer-missing", srcCfgErr+" (issuer required, non-empty)", with(def, "issuer", nil))
	bad("issuer-empty", srcCfgErr+" (issuer required, non-empty)", with(def, "issuer", ""))
	bad("audiences-missing", srcCfgErr+" (audiences required, at least one)", with(def, "audiences", nil))
	bad("audiences-empty", srcCfgErr+" (audiences required, at least one)", with(def, "audiences", []string{}))
	badKey("ed25519-low-order-identity", srcCfgErr+": a low-order Ed25519 key", okp(identity))
	badKey("ed25519-low-order-8", srcCfgErr+": a low-order Ed25519 key", okp(order8))
	badKey("ed25519-low-order-2", srcCfgErr+": a low-order Ed25519 key", okp(order2))
	badKey("ed25519-x-31-bytes", srcCfgErr+" (RFC 8037 section 2: an Ed25519 x is 32 bytes)", okp(k.ed1.pub[:31]))
	x, _ := b64.DecodeString(k.ec1.jwk["x"].(string))
	y, _ := b64.DecodeString(k.ec1.jwk["y"].(string))
	y2 := append([]byte(nil), y...)
	y2[31] ^= 1
	if !offCurve(x, y2) {
		panic("the off-curve key is on the curve")
	}
	ecJWK := func(x, y []byte, crv string) map[string]any {
		return map[string]any{"kty": "EC", "crv": crv, "kid": "bad", "alg": "ES256", "x": b64.EncodeToString(x), "y": b64.EncodeToString(y)}
	}
	badKey("ec-off-curve", srcCfgErr+": an off-curve EC key", ecJWK(x, y2, "P-256"))
	badKey("ec-all-zero-point", srcCfgErr+": an off-curve EC key", ecJWK(make([]byte, 32), make([]byte, 32), "P-256"))
	badKey("ec-crv-p384", srcCfgErr+" (only EC/P-256)", ecJWK(append(x, x[:16]...), append(y, y[:16]...), "P-384"))
	badKey("okp-crv-x25519", srcCfgErr+" (only OKP/Ed25519)", map[string]any{"kty": "OKP", "crv": "X25519", "kid": "bad", "alg": "EdDSA", "x": k.ed1.jwk["x"]})
	bad("rsa-1024-bits", srcCfgErr+": a short RSA key (RSA >= 2048 bits)", with(def, "algorithms", []string{"RS256"}, "keys", jwks(rsaJWK("short", "RS256", k.rsaShort))))
	hsCfg := func(secret []byte) map[string]any {
		return with(def, "algorithms", []string{"HS256"}, "keys", jwks(map[string]any{"kty": "oct", "kid": "hs", "alg": "HS256", "k": b64.EncodeToString(secret)}))
	}
	bad("hmac-31-bytes", srcCfgErr+": a short HMAC key (at least 32 bytes)", hsCfg(k.hsSecret1[:31]))
	bad("hmac-empty", srcCfgErr+": a short HMAC key", hsCfg(nil))
	bad("oct-key-without-hs256-allowed", srcCfgErr+": oct for HS256 only when the allow-list has HS256", with(def, "keys", jwks(k.ed1, k.hs1)))
	bad("rsa-key-not-in-default-allow-list", srcCfgErr+": a key whose alg is not in the allow-list (default [EdDSA, ES256])", with(def, "keys", jwks(k.ed1, k.rsaA)))
	bad("ec-key-not-in-allow-list", srcCfgErr+": a key whose alg is not in the allow-list", with(def, "algorithms", []string{"EdDSA"}))
	ed1Again := maps.Clone(k.ed2.jwk)
	ed1Again["kid"] = "ed-1"
	bad("duplicate-kid", srcCfgErr+": two keys with one kid", with(def, "keys", jwks(k.ed1, ed1Again)))
	ecAsEd1 := maps.Clone(k.ec1.jwk)
	ecAsEd1["kid"] = "ed-1"
	bad("duplicate-kid-different-types", srcCfgErr+": two keys with one kid", with(def, "keys", jwks(k.ed1, ecAsEd1)))
	bad("duplicate-kid-identical-keys", srcCfgErr+": two keys with one kid", with(def, "keys", jwks(k.ed1, k.ed1)))
	noKid := maps.Clone(k.ec1.jwk)
	delete(noKid, "kid")
	badKey("key-without-kid", srcCfgErr+": a key without kid", noKid)
	noAlg := maps.Clone(k.ec1.jwk)
	delete(noAlg, "alg")
	badKey("key-without-alg", srcCfgErr+": a key without alg", noAlg)
	all := with(def, "algorithms", allAlgs)
	for _, c := range []struct {
		name string
		jwk  map[string]any
		alg  string
	}{
		{"okp-with-es256", k.ed2.jwk, "ES256"}, {"ec-with-eddsa", k.ec1.jwk, "EdDSA"}, {"ec-with-rs256", k.ec1.jwk, "RS256"},
		{"rsa-with-hs256", k.rsaA.jwk, "HS256"}, {"rsa-with-es256", k.rsaA.jwk, "ES256"}, {"oct-with-rs256", k.hs1.jwk, "RS256"},
		{"oct-with-eddsa", k.hs1.jwk, "EdDSA"}, {"okp-with-hs256", k.ed2.jwk, "HS256"},
	} {
		j := maps.Clone(c.jwk)
		j["alg"] = c.alg
		j["kid"] = "mismatch"
		bad("kty-alg-mismatch-"+c.name, srcCfgErr+": a key whose kty does not fit its alg", with(all, "keys", jwks(k.ed1, j)))
	}
	bad("leeway-negative", srcCfgErr+": leeway_seconds outside 0-300", with(def, "leeway_seconds", -1))
	bad("leeway-301", srcCfgErr+": leeway_seconds outside 0-300 (boundary)", with(def, "leeway_seconds", 301))
	bad("max-lifetime-zero", srcCfgErr+": a non-positive max_lifetime_seconds", with(def, "max_lifetime_seconds", 0))
	bad("max-lifetime-negative", srcCfgErr+": a non-positive max_lifetime_seconds", with(def, "max_lifetime_seconds", -1))
	bad("max-token-bytes-zero", srcCfgErr+": a non-positive max_token_bytes", with(def, "max_token_bytes", 0))
	bad("max-token-bytes-negative", srcCfgErr+": a non-positive max_token_bytes", with(def, "max_token_bytes", -1))
	for _, c := range []struct {
		name    string
		entries any
	}{
		{"not-an-array", entry("sid", "s", "exp", 1)},
		{"entry-string", []any{"s"}},
		{"entry-null", []any{nil}},
		{"sid-missing", []any{entry("exp", 1)}},
		{"exp-missing", []any{entry("sid", "s")}},
		{"sid-empty", []any{entry("sid", "", "exp", 1)}},
		{"sid-129-bytes", []any{entry("sid", strings.Repeat("s", 129), "exp", 1)}},
		{"sid-number", []any{entry("sid", 7, "exp", 1)}},
		{"sid-null", []any{entry("sid", nil, "exp", 1)}},
		{"exp-string", []any{entry("sid", "s", "exp", "1")}},
		{"exp-fraction", []any{entry("sid", "s", "exp", json.RawMessage("1.5"))}},
		{"exp-null", []any{entry("sid", "s", "exp", nil)}},
		{"unknown-member", []any{entry("sid", "s", "exp", 1, "jti", "j")}},
		{"jti-instead-of-sid", []any{entry("jti", "s", "exp", 1)}},
		{"second-entry-bad", []any{entry("sid", "s", "exp", 1), entry("sid", "", "exp", 1)}},
	} {
		bad("revoked-sessions-"+c.name, srcCfgErr+" (revoked_sessions: an array of {sid: a non-empty string of at most 128 bytes, exp: an integer}, no other member)",
			with(def, "revoked_sessions", c.entries))
	}
	bad("default-unknown", srcCfgErr+": an unknown default", with(def, "default", "allow"))
	bad("default-case-variant", srcCfgErr+": an unknown default", with(def, "default", "Deny"))
	for _, c := range []struct{ name, json string }{
		{"array", "[]"}, {"null", "null"}, {"truncated", `{"issuer":"` + issuer + `"`}, {"empty", ""}, {"string", `"main"`},
	} {
		s := c.json
		f.Vectors = append(f.Vectors, vector{Name: "config-json-" + c.name, Source: srcCfgErr + " (a Config is a JSON object)",
			ConfigJSON: &s, ConfigError: true, Request: whoami(t), Expect: unconfigured()})
	}

	// A rejected config leaves the previous one in force.
	prev := func(name string, cfg map[string]any, r request, want object) {
		f.Vectors = append(f.Vectors, vector{Name: name, Source: srcUnconf, Config: cfg, ConfigError: true,
			PreviousConfig: "main", Request: r, Expect: want})
	}
	prev("rejected-config-keeps-previous-issuer", with(main, "issuer", ""), whoami(t), allowed0())
	prev("rejected-config-keeps-previous-default", with(main, "default", "deny", "leeway_seconds", 301), whoami(t), allowed0())
	prev("rejected-config-keeps-previous-keys", with(main, "keys", jwks(k.ed2, okp(identity))), whoami(t), allowed0())
	prev("rejected-config-keeps-previous-revoked-sessions", with(main, "revoked_sessions", []any{entry("sid", "", "exp", 1)}), whoami(t), allowed0())
	prev("rejected-config-keeps-previous-realm", with(main, "realm", "other", "max_token_bytes", 0), req("GET", "/whoami", nil), noToken(realm))
	return f
}
