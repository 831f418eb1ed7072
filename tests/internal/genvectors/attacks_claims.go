package genvectors

import (
	"fmt"
	"strings"
)

const (
	srcClaimDup  = "RFC 7519 section 4 (claim names must be unique; ABI.md: duplicates rejected, never last-wins); " + bcp26
	srcDate      = "RFC 7519 section 2 (NumericDate: seconds); ABI.md: exp, iat, nbf are JSON integers in seconds"
	srcExpAttack = "RFC 7519 section 4.1.4; ABI.md: exp later than now - leeway"
	srcNbfAttack = "RFC 7519 sections 4.1.5 and 4.1.6; ABI.md: nbf and iat not later than now + leeway"
	srcLife      = "RFC 7519 section 2 (NumericDate counts seconds); ABI.md token profile: iat <= exp and exp - iat <= max_lifetime_seconds (catches exp in milliseconds)"
	srcJtiAtk    = "RFC 7519 section 4.1.7; " + srcJti
	srcSVAAtk    = bcp38 + "; " + srcSVA
	srcClaimsAtk = "RFC 7519 section 7.2 step 10 (the claims are a valid JSON object); " + srcClaimsJSON
	srcRevoke    = "RFC 7519 section 4.1.7 (jti); ABI.md: revocation keys on jti (compared after unescaping), never on token bytes"
	srcAudConf   = "RFC 7519 section 4.1.3; " + bcp39 + "; ABI.md: aud is a string or an array of strings containing a configured audience"
	srcIssConf   = "RFC 7519 section 4.1.1; " + bcp38 + "; ABI.md: iss equals the configured issuer"
)

// attacksClaimsFile: hostile claim sets, all genuinely signed, so only the
// claim rules stand between them and a 200.
func (g *gen) attacksClaimsFile() *file {
	k := g.k
	main := g.mainConfig()
	f := newFile("attacks-claims", map[string]any{
		"main":      main,
		"leeway0":   with(main, "leeway_seconds", 0),
		"leeway300": with(main, "leeway_seconds", 300),
		"sessions":  with(main, "revoked_sessions", []any{map[string]any{"sid": revokedSession, "exp": now + 3600}}),
	})
	type mod = func(object) object
	set := func(kv ...any) mod {
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
	add := func(kv ...any) mod {
		return func(c object) object {
			for i := 0; i < len(kv); i += 2 {
				c = c.add(kv[i].(string), kv[i+1])
			}
			return c
		}
	}
	tok := func(m mod) string { return g.withClaims(k.ed1, m) }
	bad := func(name, source, cfg string, m mod) { f.add(name, source, cfg, whoami(tok(m)), badToken(realm)) }
	ok := func(name, source, cfg string, m mod, want object) { f.add(name, source, cfg, whoami(tok(m)), want) }
	std := claims().String()
	badRaw := func(name, source, body string) {
		f.badTok(name, source, g.signRaw(k.ed1, []byte(header(k.ed1).String()), []byte(body)))
	}

	ok("control-valid-claims", "RFC 7519 section 7.2 (positive control)", "main", set(), allowed0())

	// Duplicates of each claim that decides something, the forged value
	// first and last (a last-wins or first-wins parser takes one of them).
	for _, c := range []struct {
		name string
		val  any
	}{
		{"iss", "https://evil.example"}, {"aud", "other-api"}, {"jti", "revoked-1"}, {"iat", now - 50000},
		{"nbf", now + 86400}, {"scope", "admin"}, {"sub", "users/1"},
	} {
		// The genuine member first exists (nbf is optional: give it one).
		genuine := func(o object) object {
			if o.get(c.name) == nil {
				o = o.set(c.name, iat0)
			}
			return o
		}
		bad("duplicate-"+c.name+"-forged-last", srcClaimDup, "main", func(o object) object { return add(c.name, c.val)(genuine(o)) })
		bad("duplicate-"+c.name+"-forged-first", srcClaimDup, "main", func(o object) object { return obj(c.name, c.val).concat(genuine(o)) })
	}
	badRaw("duplicate-exp-via-escape", srcClaimDup+" (\\u0065 is e)", strings.TrimSuffix(std, "}")+fmt.Sprintf(`,"\u0065xp":%d}`, now+86400*365))
	badRaw("duplicate-scope-via-escape", srcClaimDup, strings.TrimSuffix(std, "}")+`,"scop\u0065":"admin"}`)

	// Wrong types beyond claims.json's.
	for _, c := range []struct {
		name, claim string
		val         any
	}{
		{"exp-hex-string", "exp", "0x69566240"}, {"exp-object", "exp", obj("$date", exp0)},
		{"exp-bool-false", "exp", false}, {"iat-empty-string", "iat", ""}, {"nbf-object", "nbf", obj()},
		{"jti-array", "jti", []string{"j"}}, {"jti-object", "jti", obj("id", "j")},
		{"iss-object", "iss", obj("iss", issuer)}, {"sub-true", "sub", true},
	} {
		bad("wrong-type-"+c.name, srcDate+"; RFC 7519 section 4.1 (claim types); ABI.md token profile", "main", set(c.claim, c.val))
	}
	for _, c := range []struct {
		name string
		val  raw
	}{
		{"plus-sign", raw(fmt.Sprintf("+%d", exp0))}, {"exponent-capital-e", raw(fmt.Sprintf("%dE0", exp0))},
		{"huge-integer-uint64-max", "18446744073709551615"}, {"twenty-nines", "99999999999999999999"},
		{"negative-exponent", raw(fmt.Sprintf("%d0e-1", exp0))}, {"fraction-point-nine", raw(fmt.Sprintf("%d.9", exp0-1))},
		{"hex-literal", "0x69566240"}, {"infinity", "Infinity"}, {"minus-zero-float", "-0.0"},
	} {
		bad("exp-"+c.name, srcDate+" (not an int64 JSON integer)", "main", set("exp", c.val))
	}
	bad("exp-minus-zero-is-zero", srcExpAttack+"; ABI.md: -0 is the integer 0 (long expired)", "main", set("exp", raw("-0")))
	bad("exp-in-microseconds", srcLife, "main", set("exp", exp0*1_000_000))
	bad("exp-in-nanoseconds-near-max-int64", srcLife, "main", set("exp", exp0*1_000_000_000))
	bad("iat-negative-far-past", srcLife+" (exp - iat is decades)", "main", set("iat", -1))
	bad("iat-zero", srcLife, "main", set("iat", 0))
	bad("iat-after-exp", srcLife, "main", set("iat", exp0+1))
	bad("exp-max-int64-iat-max-int64", srcLife+"; "+srcNbfAttack+" (overflow-safe)", "main",
		set("iat", int64(1<<63-1), "exp", int64(1<<63-1)))
	bad("nbf-max-int64", srcNbfAttack+" (saturating comparison)", "main", set("nbf", int64(1<<63-1)))
	ok("nbf-min-int64", srcNbfAttack+" (positive: nbf far in the past; saturating comparison)", "main", set("nbf", int64(-1<<63)), allowed0())

	// The exp boundary with each leeway, when the attacker replays at the
	// last second, and nbf/iat a day or a year in the future.
	for _, c := range []struct {
		cfg    string
		leeway int64
	}{{"main", 30}, {"leeway0", 0}, {"leeway300", 300}} {
		tag := fmt.Sprintf("leeway%d", c.leeway)
		bad("replay-one-second-after-exp-plus-"+tag, srcExpAttack+" (the leeway is the only grace)", c.cfg, set("iat", now-1000, "exp", now-c.leeway-1))
		bad("replay-an-hour-after-exp-"+tag, srcExpAttack, c.cfg, set("iat", now-7200, "exp", now-3600-c.leeway))
		bad("iat-a-day-in-future-"+tag, srcNbfAttack, c.cfg, set("iat", now+86400, "exp", now+86400+600))
		bad("nbf-a-year-in-future-"+tag, srcNbfAttack, c.cfg, set("nbf", now+365*86400))
	}

	// iss and aud confusion.
	for _, c := range []struct {
		name string
		val  any
	}{
		{"trailing-nul", issuer + "\u0000"}, {"homoglyph", strings.Replace(issuer, "e", "е", 1)}, {"http-scheme", "http://issuer.example.test"},
		{"port", "https://issuer.example.test:443"}, {"userinfo", "https://issuer.example.test@evil.example"},
		{"percent-encoded", "https://issuer%2Eexample.test"}, {"audience-as-issuer", aud1},
	} {
		bad("iss-"+c.name, srcIssConf, "main", set("iss", c.val))
	}
	for _, c := range []struct {
		name string
		val  any
	}{
		{"space-joined-string", aud1 + " " + aud2}, {"comma-joined-string", aud1 + "," + aud2},
		{"array-in-string", `["` + aud1 + `"]`}, {"object-with-audience-key", obj(aud1, true)}, {"array-of-objects", []any{obj("aud", aud1)}},
		{"array-with-empty-and-null", []any{"", nil}}, {"trailing-nul", aud1 + "\u0000"}, {"prefix-match", "todos"},
		{"issuer-as-audience", issuer}, {"number-array", []any{1, 2}},
	} {
		bad("aud-"+c.name, srcAudConf+" (type confusion)", "main", set("aud", c.val))
	}
	ok("aud-array-configured-among-many", srcAudConf+" (positive)", "main", set("aud", append(manyAuds(150), aud2)), allowed0())
	ok("aud-array-duplicate-entries", srcAudConf+" (positive: array entries are not members; repeats are allowed)", "main", set("aud", []string{aud1, aud1}), allowed0())

	// jti: revocation bypasses.
	revoked := func(name, source string, m mod) { bad("revoked-"+name, srcRevoke+"; "+source, "main", m) }
	revoked("escaped-jti", "RFC 8259 section 7 (the same string)", func(o object) object { return o.set("jti", raw(`"revoked\u002d1"`)) })
	revoked("fully-escaped-jti", "RFC 8259 section 7", func(o object) object {
		return o.set("jti", raw(`"\u0072\u0065\u0076\u006f\u006b\u0065\u0064\u002d\u0031"`))
	})
	f.badTok("revoked-signed-with-es256", srcRevoke+" (another key or algorithm changes nothing)", g.withClaims(k.ec1, set("jti", "revoked-1")))
	f.badTok("revoked-signed-with-hs256", srcRevoke, g.withClaims(k.hs1, set("jti", "revoked-1")))
	f.badTok("revoked-signed-with-rs256", srcRevoke, g.withClaims(k.rsaA, set("jti", "revoked-1")))
	revoked("with-other-claims-changed", "ABI.md: revocation keys on jti, not on the rest of the token", set("jti", "revoked-1", "scope", "todos:read", "iat", now-10, "exp", now+600))
	revoked("expired-entry-still-listed", "ABI.md: revocation entries are all kept, even those whose exp has passed", set("jti", "revoked-long-ago"))
	ok("not-revoked-trailing-space", srcRevoke+" (positive: jti compared exactly)", "main", set("jti", "revoked-1 "), allowed(sub0, scope0, "revoked-1 ", exp0))
	// sid: session revocation bypasses, under a config that revokes one.
	bad("session-revoked-escaped-sid", srcSidRevoked+"; RFC 8259 section 7 (the same string)", "sessions", set("sid", raw(`"revoked-session-1"`)))
	bad("session-revoked-fully-escaped-sid", srcSidRevoked+"; RFC 8259 section 7", "sessions", set("sid", raw(`"revoked-session-1"`)))
	bad("session-duplicate-sid-innocent-last", srcSidRevoked+"; RFC 8725 section 2.6 (a duplicate member hides nothing)", "sessions",
		func(o object) object { return o.set("sid", revokedSession).add("sid", "innocent") })
	bad("sid-129-bytes-of-escapes", "RFC 8259 section 7; "+srcSid+" (the limit is on the unescaped bytes)", "sessions", set("sid", raw(`"`+strings.Repeat(`s`, 129)+`"`)))
	ok("sid-128-bytes-of-escapes", "RFC 8259 section 7; "+srcSid+" (positive: 128 unescaped bytes)", "sessions", set("sid", raw(`"`+strings.Repeat(`s`, 128)+`"`)),
		allowed0().set("sid", strings.Repeat("s", 128)))
	bad("jti-1000-bytes", srcJtiAtk, "main", set("jti", strings.Repeat("j", 1000)))
	bad("jti-129-bytes-of-escapes", srcJtiAtk+" (the limit is on the unescaped bytes)", "main", set("jti", raw(`"`+strings.Repeat(`\u006a`, 129)+`"`)))
	ok("jti-128-bytes-of-escapes", srcJtiAtk+" (positive: 128 unescaped bytes, 768 escaped)", "main", set("jti", raw(`"`+strings.Repeat(`\u006a`, 128)+`"`)),
		allowed(sub0, scope0, strings.Repeat("j", 128), exp0))
	ok("jti-whitespace-only", srcJtiAtk+" (positive: a single space is a non-empty string)", "main", set("jti", " "), allowed(sub0, scope0, " ", exp0))

	// subjects_valid_after: the cut-off cannot be dodged by spelling the
	// subject differently, and a different subject is a different subject.
	bad("subject-cutoff-escaped-sub", srcSVAAtk+"; RFC 8259 section 7 (users\\/7 is users/7)", "main", set("sub", raw(`"users\/7"`), "iat", now-101))
	bad("subject-cutoff-unicode-escaped-sub", srcSVAAtk, "main", set("sub", raw(`"\u0075sers/7"`), "iat", now-101))
	bad("subject-cutoff-far-past-iat", srcSVAAtk, "main", set("sub", "users/7", "iat", now-86000, "exp", now+300))
	ok("subject-cutoff-leading-zero-is-other-subject", srcSVAAtk+" (positive: users/07 is another subject; owner routes compare exactly too)", "main",
		set("sub", "users/07", "iat", now-101), allowed("users/07", scope0, jti0, exp0))
	ok("subject-cutoff-trailing-space-is-other-subject", srcSVAAtk+" (positive: subjects match exactly)", "main",
		set("sub", "users/7 ", "iat", now-101), allowed("users/7 ", scope0, jti0, exp0))

	// Claims that are not an object at all, or not quite JSON.
	badRaw("claims-nesting-bomb", srcNest, strings.TrimSuffix(std, "}")+`,"x":`+strings.Repeat("[", 1200)+strings.Repeat("]", 1200)+`}`)
	badRaw("claims-lone-surrogate", srcClaimsAtk+"; "+bcp37, strings.TrimSuffix(std, "}")+`,"note":"\udc00"}`)
	badRaw("claims-trailing-nul", srcClaimsAtk+" (trailing bytes)", std+"\x00")
	badRaw("claims-bom-utf8-in-middle", srcClaimsAtk, strings.Replace(std, ",", ",\ufeff", 1))
	badRaw("claims-number", srcClaimsAtk, "42")
	badRaw("claims-jwt-string", srcClaimsAtk+"; "+bcp28, `"`+g.token0(k.ed1)+`"`)
	return f
}

// manyAuds returns n audiences that are not configured.
func manyAuds(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("other-%d", i)
	}
	return out
}
