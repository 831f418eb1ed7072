package genvectors

import (
	"fmt"
	"strings"
)

const (
	srcClaimsJSON = "ABI.md token profile: claims are a JSON object with the same strictness as the header; duplicate members rejected; unknown claims ignored"
	srcIss        = "ABI.md token profile: iss equals the configured issuer"
	srcAud        = "ABI.md token profile: aud is a string or an array of strings containing a configured audience"
	srcSub        = "ABI.md token profile: sub a non-empty string"
	srcNumeric    = "ABI.md token profile: exp, iat and optional nbf are JSON integers in seconds (not 1e9, 1.0, strings or null; values that overflow int64 rejected)"
	srcExp        = "ABI.md token profile: exp later than now - leeway"
	srcNbfIat     = "ABI.md token profile: nbf and iat not later than now + leeway"
	srcLifetime   = "ABI.md token profile: exp - iat <= max_lifetime_seconds (this catches exp in milliseconds)"
	srcJti        = "ABI.md token profile: jti a non-empty string of at most 128 bytes and not revoked"
	srcSVA        = "ABI.md token profile: iat not earlier than the subject's subjects_valid_after"
	srcScope      = "ABI.md token profile: scope an optional space-separated string (any other type rejected); Decision scopes in token order, empty when none"
	srcSid        = "ABI.md token profile: sid optional; when present a non-empty string of at most 128 bytes; an allowed Decision carries it as sid"
	srcSidRevoked = "ABI.md token profile: sid not in revoked_sessions (the same denial as a revoked jti)"
)

// revokedSession is the session revoked in the claims file's "sessions" config.
const revokedSession = "revoked-session-1"

// claimsFile: every claim rule, each with its positive side.
func (g *gen) claimsFile() *file {
	k := g.k
	main := g.mainConfig()
	f := newFile("claims", map[string]any{
		"main":        main,
		"leeway0":     with(main, "leeway_seconds", 0),
		"leeway300":   with(main, "leeway_seconds", 300),
		"lifetime600": with(main, "max_lifetime_seconds", 600),
		"sessions": with(main, "revoked_sessions", []any{
			map[string]any{"sid": revokedSession, "exp": now + 3600},
			map[string]any{"sid": strings.Repeat("s", 128), "exp": now + 3600},
		}),
	})
	// claimCase adds a vector whose token is the standard one with claims
	// changed by mod; want nil means invalid_token.
	claimCase := func(name, source, cfg string, mod func(object) object, want object) {
		if want == nil {
			want = badToken(realm)
		}
		f.add(name, source, cfg, whoami(g.withClaims(k.ed1, mod)), want)
	}
	rawCase := func(name, source, claimsJSON string, want object) {
		if want == nil {
			want = badToken(realm)
		}
		f.add(name, source, "main", whoami(g.signRaw(k.ed1, []byte(header(k.ed1).String()), []byte(claimsJSON))), want)
	}
	same := func(c object) object { return c }
	set := func(kv ...any) func(object) object {
		return func(c object) object {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					c = c.del(kv[i].(string))
				} else {
					c = c.set(kv[i].(string), kv[i+1])
				}
			}
			return c
		}
	}
	std := claims().String()

	claimCase("baseline", "ABI.md token profile (positive baseline)", "main", same, allowed0())

	// Structure.
	rawCase("bom-prefix", srcClaimsJSON, "\ufeff"+std, nil)
	rawCase("trailing-garbage", srcClaimsJSON, std+"x", nil)
	rawCase("trailing-second-object", srcClaimsJSON, std+"{}", nil)
	rawCase("not-an-object-array", srcClaimsJSON, "["+std+"]", nil)
	rawCase("not-an-object-null", srcClaimsJSON, "null", nil)
	rawCase("not-an-object-string", srcClaimsJSON, `"users/42"`, nil)
	rawCase("empty-object", srcClaimsJSON+" (every required claim missing)", "{}", nil)
	rawCase("empty-bytes", srcClaimsJSON, "", nil)
	rawCase("invalid-utf8-in-unknown-claim", srcClaimsJSON, strings.TrimSuffix(std, "}")+`,"note":"`+"\xff\xfe"+`"}`, nil)
	rawCase("invalid-json-unquoted-name", srcClaimsJSON, strings.TrimSuffix(std, "}")+`,note:1}`, nil)
	claimCase("duplicate-sub-stranger-last", srcClaimsJSON, "main", func(c object) object { return c.add("sub", "users/43") }, nil)
	claimCase("duplicate-sub-stranger-first", srcClaimsJSON, "main", func(c object) object { return obj("sub", "users/43").concat(c) }, nil)
	claimCase("duplicate-exp", srcClaimsJSON, "main", func(c object) object { return c.add("exp", exp0+100) }, nil)
	claimCase("duplicate-iss-same-value", srcClaimsJSON, "main", func(c object) object { return c.add("iss", issuer) }, nil)
	claimCase("duplicate-unknown-claim", srcClaimsJSON, "main", func(c object) object { return c.add("x", 1).add("x", 2) }, nil)
	rawCase("duplicate-sub-via-escape", srcClaimsJSON+" (a \\u escape names the same member)", strings.TrimSuffix(std, "}")+`,"\u0073ub":"users/43"}`, nil)
	claimCase("unknown-claims-ignored", srcClaimsJSON+" (positive)", "main", func(c object) object {
		return c.add("nested", obj("a", []any{1, raw("2.5e10"), nil, obj("b", false)})).add("float", raw("-0.5E-3")).add("email", "a@example.test")
	}, allowed0())
	claimCase("case-variant-claims-are-unknown", "ABI.md token profile: claim names match case-sensitively (a SUB beside sub is just an unknown claim)", "main",
		func(c object) object {
			return c.add("SUB", "users/43").add("Exp", "soon").add("ISS", "https://evil.example").add("Scope", []string{"admin"})
		}, allowed0())
	claimCase("members-reordered", "RFC 8259 section 4: member order is not significant", "main", func(c object) object {
		return obj("scope", c.get("scope"), "jti", jti0, "exp", exp0, "iat", iat0, "aud", aud1, "sub", sub0, "iss", issuer)
	}, allowed0())
	rawCase("escaped-strings", "RFC 8259 section 7: escapes denote the same string", strings.NewReplacer(
		`"https://issuer.example.test"`, `"https:\/\/issuer.example.test"`,
		`"users/42"`, `"users\/\u0034\u0032"`).Replace(std), allowed0())

	// iss.
	for _, c := range []struct {
		name string
		val  any
	}{
		{"missing", nil}, {"other", "https://evil.example"}, {"trailing-slash", issuer + "/"},
		{"case-variant", "HTTPS://ISSUER.EXAMPLE.TEST"}, {"empty", ""}, {"number", 1},
		{"array", []string{issuer}}, {"prefix", "https://issuer.example"}, {"null", raw("null")},
	} {
		claimCase("iss-"+c.name, srcIss, "main", set("iss", c.val), nil)
	}

	// aud.
	for _, c := range []struct {
		name string
		val  any
		ok   bool
	}{
		{"second-configured-string", aud2, true}, {"array-single", []string{aud1}, true},
		{"array-configured-last", []string{"other-api", aud1}, true}, {"array-both-configured", []string{aud2, aud1}, true},
		{"missing", nil, false}, {"other-string", "other-api", false}, {"empty-string", "", false},
		{"case-variant", "TODOS-API", false}, {"trailing-space", aud1 + " ", false},
		{"empty-array", []string{}, false}, {"array-of-others", []string{"other-api", "x"}, false},
		{"array-with-non-string", []any{aud1, 1}, false}, {"array-with-null", []any{aud1, nil}, false},
		{"nested-array", []any{[]string{aud1}}, false}, {"number", 1, false}, {"null", raw("null"), false},
		{"object", obj("aud", aud1), false}, {"true", true, false},
	} {
		var want object
		if c.ok {
			want = allowed0()
		}
		src := srcAud
		if c.ok {
			src += " (positive)"
		}
		claimCase("aud-"+c.name, src, "main", set("aud", c.val), want)
	}

	// sub.
	for _, c := range []struct {
		name string
		val  any
	}{
		{"missing", nil}, {"empty", ""}, {"number", 42}, {"null", raw("null")}, {"array", []string{sub0}}, {"object", obj("id", 42)},
	} {
		claimCase("sub-"+c.name, srcSub, "main", set("sub", c.val), nil)
	}
	claimCase("sub-unicode", srcSub+" (positive: any non-empty string)", "main", set("sub", "users/é✓"), allowed("users/é✓", scope0, jti0, exp0))

	// exp, iat, nbf: strict integers.
	for _, claim := range []struct {
		name string
		v    int64
	}{{"exp", exp0}, {"iat", iat0}, {"nbf", iat0}} {
		v := claim.v
		for _, c := range []struct {
			name string
			val  raw
		}{
			{"float-dot-zero", raw(fmt.Sprintf("%d.0", v))}, {"fraction", raw(fmt.Sprintf("%d.5", v))},
			{"exponent-e0", raw(fmt.Sprintf("%de0", v))}, {"exponent-form", raw(fmt.Sprintf("%.9fe9", float64(v)/1e9))},
			{"string", raw(fmt.Sprintf("%q", fmt.Sprint(v)))}, {"null", "null"}, {"true", "true"},
			{"overflow-int64", "9223372036854775808"}, {"negative-overflow-int64", "-9223372036854775809"},
			{"huge-exponent", "1e400"}, {"leading-zero", raw(fmt.Sprintf("0%d", v))}, {"array", raw(fmt.Sprintf("[%d]", v))},
		} {
			claimCase(claim.name+"-"+c.name, srcNumeric, "main", set(claim.name, c.val), nil)
		}
	}
	claimCase("nbf-valid-integer", srcNumeric+" (positive: nbf is optional and may be present)", "main", set("nbf", iat0), allowed0())
	claimCase("exp-missing", srcNumeric+" (exp is required)", "main", set("exp", nil), nil)
	claimCase("iat-missing", srcNumeric+" (iat is required)", "main", set("iat", nil), nil)
	claimCase("exp-negative", srcExp, "main", set("exp", -1), nil)
	claimCase("exp-max-int64", srcLifetime+" (exp - iat exceeds any lifetime)", "main", set("exp", int64(1<<63-1)), nil)
	claimCase("iat-min-int64", srcLifetime+" (exp - iat overflows int64: it is huge, not negative)", "main", set("iat", int64(-1<<63)), nil)

	// Time boundaries with leeway 30 (default), 0 and 300.
	for _, c := range []struct {
		cfg    string
		leeway int64
	}{{"main", 30}, {"leeway0", 0}, {"leeway300", 300}} {
		l := c.leeway
		tag := fmt.Sprintf("leeway%d", l)
		expAt := now - l // exp must be later than this
		claimCase("exp-equals-now-minus-"+tag, srcExp+" (boundary: rejected)", c.cfg, set("iat", now-3600, "exp", expAt), nil)
		claimCase("exp-one-after-now-minus-"+tag, srcExp+" (boundary: accepted)", c.cfg, set("iat", now-3600, "exp", expAt+1),
			allowed(sub0, scope0, jti0, expAt+1))
		claimCase("nbf-equals-now-plus-"+tag, srcNbfIat+" (boundary: accepted)", c.cfg, set("nbf", now+l), allowed0())
		claimCase("nbf-one-after-now-plus-"+tag, srcNbfIat+" (boundary: rejected)", c.cfg, set("nbf", now+l+1), nil)
		claimCase("iat-equals-now-plus-"+tag, srcNbfIat+" (boundary: accepted)", c.cfg, set("iat", now+l, "exp", now+l+3600),
			allowed(sub0, scope0, jti0, now+l+3600))
		claimCase("iat-one-after-now-plus-"+tag, srcNbfIat+" (boundary: rejected)", c.cfg, set("iat", now+l+1, "exp", now+l+3601), nil)
	}
	claimCase("exp-long-ago", srcExp, "main", set("iat", now-7200, "exp", now-3600), nil)

	// Lifetime.
	claimCase("lifetime-default-86400-exactly", srcLifetime+" (default 86400, boundary: accepted)", "main",
		set("iat", now-100, "exp", now-100+86400), allowed(sub0, scope0, jti0, now-100+86400))
	claimCase("lifetime-default-86400-plus-one", srcLifetime+" (default 86400, boundary: rejected)", "main",
		set("iat", now-100, "exp", now-100+86401), nil)
	claimCase("lifetime-600-exactly", srcLifetime+" (boundary: accepted)", "lifetime600",
		set("iat", now-100, "exp", now+500), allowed(sub0, scope0, jti0, now+500))
	claimCase("lifetime-600-plus-one", srcLifetime+" (boundary: rejected)", "lifetime600", set("iat", now-100, "exp", now+501), nil)
	claimCase("exp-in-milliseconds", srcLifetime, "main", set("exp", exp0*1000), nil)
	claimCase("iat-and-exp-in-milliseconds", srcLifetime+"; "+srcNbfIat, "main", set("iat", iat0*1000, "exp", exp0*1000), nil)

	// jti.
	for _, c := range []struct {
		name string
		val  string
		ok   bool
	}{
		{"128-ascii-bytes", strings.Repeat("j", 128), true},
		{"129-ascii-bytes", strings.Repeat("j", 129), false},
		{"128-bytes-of-two-byte-runes", strings.Repeat("é", 64), true},
		{"129-bytes-of-three-byte-runes", strings.Repeat("€", 43), false},
		{"128-bytes-mixed-runes", strings.Repeat("€", 42) + "ab", true},
		{"one-byte", "j", true},
		{"empty", "", false},
	} {
		var want object
		if c.ok {
			want = allowed(sub0, scope0, c.val, exp0)
		}
		claimCase("jti-"+c.name, srcJti, "main", set("jti", c.val), want)
	}
	claimCase("jti-missing", srcJti, "main", set("jti", nil), nil)
	claimCase("jti-number", srcJti, "main", set("jti", 12345), nil)
	claimCase("jti-null", srcJti, "main", set("jti", raw("null")), nil)
	claimCase("jti-revoked", srcJti+" (revoked list)", "main", set("jti", "revoked-1"), nil)
	claimCase("jti-revoked-case-variant-not-revoked", srcJti+" (revocation matches jti exactly)", "main", set("jti", "Revoked-1"),
		allowed(sub0, scope0, "Revoked-1", exp0))
	claimCase("jti-revoked-prefix-not-revoked", srcJti+" (revocation matches jti exactly)", "main", set("jti", "revoked-10"),
		allowed(sub0, scope0, "revoked-10", exp0))

	// sid, under a config that revokes sessions.
	withSID := func(sid string) object { return allowed0().set("sid", sid) }
	noSID := allowed0().set("sid", nil)
	claimCase("sid-absent", srcSid+" (positive: the Decision has no sid)", "sessions", same, noSID)
	claimCase("sid-absent-main-config", srcSid+" (positive: no revoked_sessions at all)", "main", same, noSID)
	claimCase("sid-present", srcSid+" (positive)", "sessions", set("sid", "sess-42"), withSID("sess-42"))
	claimCase("sid-present-main-config", srcSid+" (positive: no revoked_sessions at all)", "main", set("sid", "sess-42"), withSID("sess-42"))
	for _, c := range []struct {
		name string
		val  string
		ok   bool
	}{
		{"128-ascii-bytes", strings.Repeat("t", 128), true},
		{"129-ascii-bytes", strings.Repeat("t", 129), false},
		{"128-bytes-of-two-byte-runes", strings.Repeat("é", 64), true},
		{"129-bytes-of-three-byte-runes", strings.Repeat("€", 43), false},
		{"one-byte", "s", true},
		{"empty", "", false},
	} {
		var want object
		if c.ok {
			want = withSID(c.val)
		}
		claimCase("sid-"+c.name, srcSid, "sessions", set("sid", c.val), want)
	}
	for _, c := range []struct {
		name string
		val  any
	}{
		{"number", 42}, {"null", raw("null")}, {"true", true}, {"array", []string{"sess-42"}}, {"object", obj("id", "sess-42")},
	} {
		claimCase("sid-"+c.name, srcSid+" (a string, nothing else)", "sessions", set("sid", c.val), nil)
	}
	claimCase("sid-revoked", srcSidRevoked, "sessions", set("sid", revokedSession), nil)
	claimCase("sid-revoked-128-bytes", srcSidRevoked+" (an entry at the length limit)", "sessions", set("sid", strings.Repeat("s", 128)), nil)
	claimCase("sid-revoked-other-jti", srcSidRevoked+" (the session, whatever the token)", "sessions", set("sid", revokedSession, "jti", "another-token"), nil)
	claimCase("sid-revoked-case-variant-not-revoked", srcSidRevoked+" (sessions match exactly)", "sessions", set("sid", "Revoked-session-1"), withSID("Revoked-session-1"))
	claimCase("sid-revoked-prefix-not-revoked", srcSidRevoked+" (sessions match exactly)", "sessions", set("sid", "revoked-session-10"), withSID("revoked-session-10"))
	claimCase("sid-named-like-revoked-jti", srcSidRevoked+" (a sid is not a jti: revoked lists jti only)", "sessions", set("sid", "revoked-1"), withSID("revoked-1"))
	claimCase("jti-named-like-revoked-session", srcJti+" (a jti is not a sid: revoked_sessions lists sid only)", "sessions",
		set("jti", revokedSession), allowed(sub0, scope0, revokedSession, exp0).set("sid", nil))
	claimCase("sid-revoked-jti-revoked", srcJti+"; "+srcSidRevoked, "sessions", set("sid", revokedSession, "jti", "revoked-1"), nil)

	// subjects_valid_after: users/7 cut off at now-100.
	claimCase("subject-cutoff-iat-one-before", srcSVA+" (boundary: rejected)", "main", set("sub", "users/7", "iat", now-101), nil)
	claimCase("subject-cutoff-iat-equal", srcSVA+" (boundary: accepted)", "main", set("sub", "users/7", "iat", now-100),
		allowed("users/7", scope0, jti0, exp0))
	claimCase("subject-cutoff-iat-after", srcSVA+" (positive)", "main", set("sub", "users/7"), allowed("users/7", scope0, jti0, exp0))
	claimCase("subject-cutoff-other-subject-unaffected", srcSVA+" (only the named subject)", "main", set("iat", now-101),
		allowed0())
	claimCase("subject-cutoff-prefix-subject-unaffected", srcSVA+" (subjects match exactly)", "main", set("sub", "users/77", "iat", now-101),
		allowed("users/77", scope0, jti0, exp0))

	// scope.
	for _, c := range []struct {
		name   string
		val    any
		scopes []string
	}{
		{"missing", nil, []string{}}, {"empty-string", "", []string{}}, {"single", "todos:read", []string{"todos:read"}},
		{"token-order-kept", "todos:write admin todos:read", []string{"todos:write", "admin", "todos:read"}},
	} {
		claimCase("scope-"+c.name, srcScope+" (positive)", "main", set("scope", c.val), allowed(sub0, c.scopes, jti0, exp0))
	}
	for _, c := range []struct {
		name string
		val  any
	}{
		{"array", []string{"todos:read"}}, {"number", 1}, {"null", raw("null")}, {"true", true}, {"object", obj("todos:read", true)},
	} {
		claimCase("scope-"+c.name, srcScope, "main", set("scope", c.val), nil)
	}
	return f
}

// concat appends the members of b to a.
func (o object) concat(b object) object { return append(append(object(nil), o...), b...) }
