package genvectors

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
)

const (
	srcHeaderJSON = "ABI.md token profile: header is a JSON object (no BOM, no trailing bytes, valid UTF-8) without duplicate members"
	srcAlg        = "ABI.md token profile: alg in the allow-list and equal to the alg bound to the key that kid names (exact, case-sensitive; none never)"
	srcKid        = "ABI.md token profile: kid required and matched exactly, with no fallback to trying other keys"
	srcTyp        = "ABI.md token profile: typ is at+jwt (RFC 9068 section 2.1; case-insensitive, an application/ prefix allowed, no parameters)"
	srcForbidden  = "ABI.md token profile: any of crit, jku, jwk, x5u, x5c, b64, zip, enc present -> reject"
)

// headerFile: the protected header's JSON and members.
func (g *gen) headerFile() *file {
	k := g.k
	f := newFile("header", map[string]any{"main": g.mainConfig()})
	std := header(k.ed1)
	c := claims().String()
	ok := func(name, source string, h object) {
		f.add(name, source, "main", whoami(g.token(k.ed1, h, claims())), allowed0())
	}
	bad := func(name, source string, h object) {
		f.add(name, source, "main", whoami(g.token(k.ed1, h, claims())), badToken(realm))
	}
	badRaw := func(name, source, h string) {
		f.add(name, source, "main", whoami(g.signRaw(k.ed1, []byte(h), []byte(c))), badToken(realm))
	}
	okRaw := func(name, source, h string) {
		f.add(name, source, "main", whoami(g.signRaw(k.ed1, []byte(h), []byte(c))), allowed0())
	}

	ok("baseline", "ABI.md token profile (positive baseline)", std)
	ok("members-reordered", "RFC 8259 section 4: member order is not significant", obj("typ", "at+jwt", "kid", "ed-1", "alg", "EdDSA"))
	okRaw("insignificant-whitespace", "RFC 8259 section 2: whitespace between tokens", "{ \"alg\" : \"EdDSA\" ,\n\t\"kid\":\"ed-1\" , \"typ\":\"at+jwt\" }")
	okRaw("escaped-alg-and-kid-values", "RFC 8259 section 7: \\u escapes denote the same string", `{"alg":"\u0045dDSA","kid":"\u0065d-1","typ":"at\u002bjwt"}`)
	ok("unknown-members-ignored", "ABI.md token profile: other members are ignored", std.add("cty", "JWT").add("x5t", "bm90LWEtdGh1bWJwcmludA").add("ext", obj("a", []any{1, 2.5, nil, true})))
	ok("case-variant-of-forbidden-member-ignored", "ABI.md token profile: other members are ignored; RFC 7515 section 4: names are case-sensitive, so Crit is not crit", std.add("Crit", []string{"exp"}))
	ok("utf8-in-ignored-member", "ABI.md token profile: valid UTF-8 (positive)", std.add("note", "héllo ✓ 𝄞"))

	// JSON strictness.
	badRaw("bom-prefix", srcHeaderJSON+"; RFC 8259 section 8.1", "\ufeff"+std.String())
	badRaw("trailing-garbage", srcHeaderJSON, std.String()+"x")
	badRaw("trailing-second-object", srcHeaderJSON, std.String()+"{}")
	badRaw("invalid-json-trailing-comma", srcHeaderJSON, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt",}`)
	badRaw("invalid-json-single-quotes", srcHeaderJSON, `{'alg':'EdDSA','kid':'ed-1','typ':'at+jwt'}`)
	badRaw("not-an-object-array", srcHeaderJSON, `["EdDSA","ed-1","at+jwt"]`)
	badRaw("not-an-object-string", srcHeaderJSON, `"EdDSA"`)
	badRaw("not-an-object-null", srcHeaderJSON, `null`)
	badRaw("empty-object", srcHeaderJSON+" (alg and kid missing)", `{}`)
	badRaw("empty-header-bytes", srcHeaderJSON, ``)
	badRaw("invalid-utf8-byte", srcHeaderJSON, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"`+"\xff"+`"}`)
	badRaw("invalid-utf8-overlong", srcHeaderJSON+" (RFC 3629 section 3: overlong forms are invalid)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"`+"\xc0\xaf"+`"}`)
	badRaw("invalid-utf8-encoded-surrogate", srcHeaderJSON+" (RFC 3629 section 3: surrogates are invalid)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"`+"\xed\xa0\x80"+`"}`)
	badRaw("invalid-utf8-truncated", srcHeaderJSON, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"`+"\xe2\x82"+`"}`)
	bad("duplicate-alg-same-value", srcHeaderJSON, std.add("alg", "EdDSA"))
	bad("duplicate-kid-real-last", srcHeaderJSON, obj("alg", "EdDSA", "kid", "ed-9", "typ", "at+jwt", "kid", "ed-1"))
	bad("duplicate-kid-real-first", srcHeaderJSON, std.add("kid", "ed-9"))
	bad("duplicate-typ", srcHeaderJSON, std.add("typ", "at+jwt"))
	badRaw("duplicate-alg-via-escape", srcHeaderJSON+" (a \\u escape names the same member)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","\u0061lg":"EdDSA"}`)
	bad("duplicate-ignored-member", srcHeaderJSON, std.add("cty", "a").add("cty", "b"))

	// alg.
	ok("alg-ed25519-name", "ABI.md token profile: EdDSA and Ed25519 (RFC 9864) name the same algorithm on an Ed25519 key; the allow-list entry EdDSA admits both", std.set("alg", "Ed25519"))
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		tok := b64.EncodeToString([]byte(std.set("alg", alg).String())) + "." + b64.EncodeToString([]byte(c)) + "."
		f.add("alg-"+strings.ToLower(alg)+"-"+caseTag(alg)+"-unsigned", srcAlg+"; RFC 8725 section 3.1", "main", whoami(tok), badToken(realm))
	}
	bad("alg-none-with-signature", srcAlg, std.set("alg", "none"))
	bad("alg-missing", srcAlg, std.del("alg"))
	bad("alg-empty", srcAlg, std.set("alg", ""))
	bad("alg-null", srcAlg, std.set("alg", nil))
	bad("alg-number", srcAlg, std.set("alg", 1))
	bad("alg-array", srcAlg, std.set("alg", []string{"EdDSA"}))
	bad("alg-lowercase-eddsa", srcAlg, std.set("alg", "eddsa"))
	bad("alg-uppercase-eddsa", srcAlg, std.set("alg", "EDDSA"))
	bad("alg-lowercase-ed25519", srcAlg, std.set("alg", "ed25519"))
	bad("alg-trailing-space", srcAlg, std.set("alg", "EdDSA "))
	bad("alg-es256-on-ed25519-key", srcAlg, std.set("alg", "ES256"))
	bad("alg-unknown-rs384", srcAlg, std.set("alg", "RS384"))
	bad("alg-ed448", srcAlg, std.set("alg", "Ed448"))
	// Key confusion: HS256 keyed with the public key of an asymmetric kid.
	for _, kk := range []*key{k.ed1, k.ec1, k.rsaA} {
		hk := hsKey(kk.kid, kk.pub)
		hk.alg = "HS256"
		f.add("alg-hs256-keyed-with-public-key-of-"+kk.kid, srcAlg+"; RFC 8725 section 2.1 (key confusion)", "main",
			whoami(g.token(hk, obj("alg", "HS256", "kid", kk.kid, "typ", "at+jwt"), claims())), badToken(realm))
	}
	// The same attack with the public key in its other encodings.
	for _, c := range []struct {
		name   string
		kid    string
		secret []byte
	}{
		{"spki-der-of-rsa-a", "rsa-a", spkiDER(&k.rsaPrivA.PublicKey)},
		{"spki-pem-of-rsa-a", "rsa-a", spkiPEM(&k.rsaPrivA.PublicKey)},
		{"spki-der-of-ec-1", "ec-1", spkiDER(&k.ecPriv1.PublicKey)},
		{"spki-pem-of-ec-1", "ec-1", spkiPEM(&k.ecPriv1.PublicKey)},
		{"spki-pem-of-ed-1", "ed-1", spkiPEM(k.edPriv1.Public())},
		{"jwk-json-of-ed-1", "ed-1", []byte(marshal(k.ed1.jwk))},
		{"empty-secret-for-ed-1", "ed-1", []byte{}},
		{"empty-secret-for-hs-1", "hs-1", []byte{}},
	} {
		hk := hsKey(c.kid, c.secret)
		f.add("alg-hs256-keyed-with-"+c.name, srcAlg+"; RFC 8725 section 2.1 (key confusion)", "main",
			whoami(g.token(hk, obj("alg", "HS256", "kid", c.kid, "typ", "at+jwt"), claims())), badToken(realm))
	}
	xk := hsKey("ed-1", []byte(k.ed1.jwk["x"].(string)))
	f.add("alg-hs256-keyed-with-jwk-x-of-ed-1", srcAlg+"; RFC 8725 section 2.1 (key confusion)", "main",
		whoami(g.token(xk, obj("alg", "HS256", "kid", "ed-1", "typ", "at+jwt"), claims())), badToken(realm))

	// kid.
	bad("kid-missing", srcKid, std.del("kid"))
	bad("kid-empty", srcKid, std.set("kid", ""))
	bad("kid-null", srcKid, std.set("kid", nil))
	bad("kid-number", srcKid, std.set("kid", 1))
	bad("kid-case-variant", srcKid, std.set("kid", "ED-1"))
	bad("kid-trailing-space", srcKid, std.set("kid", "ed-1 "))
	bad("kid-leading-space", srcKid, std.set("kid", " ed-1"))
	bad("kid-trailing-nul", srcKid, std.set("kid", "ed-1\u0000"))
	bad("kid-unknown", srcKid, std.set("kid", "ed-9"))
	bad("kid-path-traversal", srcKid, std.set("kid", "../keys/ed-1"))
	bad("kid-sql-injection", srcKid, std.set("kid", "ed-1' OR '1'='1"))
	// Signed by ed-2 but naming ed-1: no fallback to the key that would verify.
	f.add("kid-names-other-configured-key", srcKid, "main",
		whoami(g.token(k.ed2, header(k.ed1), claims())), badToken(realm))
	ok2 := g.token0(k.ed2)
	f.add("kid-second-key-valid", srcKid+" (positive: each kid verifies its own tokens)", "main", whoami(ok2), allowed0())

	// typ.
	for _, typ := range []string{"AT+JWT", "At+Jwt", "application/at+jwt", "APPLICATION/AT+JWT", "Application/at+JWT"} {
		ok("typ-"+typTag(typ), srcTyp+" (positive)", std.set("typ", typ))
	}
	for _, c := range []struct {
		name string
		val  any
	}{
		{"missing", nil}, {"jwt", "JWT"}, {"empty", ""}, {"null", "null-json"}, {"number", 1},
		{"with-parameter", "at+jwt; charset=utf-8"}, {"application-with-parameter", "application/at+jwt;v=1"},
		{"trailing-space", "at+jwt "}, {"leading-space", " at+jwt"}, {"application-jwt", "application/jwt"},
		{"suffix", "at+jwtx"}, {"wrong-prefix", "text/at+jwt"}, {"double-prefix", "application/application/at+jwt"},
		{"prefix-without-slash", "applicationat+jwt"}, {"array", []string{"at+jwt"}}, {"jwt-at", "jwt+at"},
	} {
		h := std.set("typ", c.val)
		switch c.val {
		case nil:
			h = std.del("typ")
		case "null-json":
			h = std.set("typ", nil)
		}
		bad("typ-"+c.name, srcTyp, h)
	}

	// Forbidden members, whatever their value.
	jwk := obj("kty", "OKP", "crv", "Ed25519", "x", k.ed1.jwk["x"])
	for _, c := range []struct {
		name string
		val  any
	}{
		{"crit", []string{"exp"}}, {"crit-empty", []string{}}, {"jku", "https://attacker.example/jwks.json"},
		{"jku-null", nil}, {"jwk", jwk}, {"x5u", "https://attacker.example/cert.pem"},
		{"x5c", []string{"MIIBIjANBgkq"}}, {"b64", false}, {"b64-true", true}, {"zip", "DEF"}, {"enc", "A256GCM"},
	} {
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(c.name, "-empty"), "-null"), "-true")
		bad("forbidden-"+c.name, srcForbidden, std.add(name, c.val))
	}
	return f
}

// caseTag distinguishes spellings that differ only in case in vector names.
func caseTag(s string) string {
	switch {
	case s == strings.ToLower(s):
		return "lower"
	case s == strings.ToUpper(s):
		return "upper"
	case s[0] >= 'A' && s[0] <= 'Z' && s[1:] == strings.ToLower(s[1:]):
		return "title"
	default:
		return "mixed"
	}
}

// typTag names a typ spelling in a vector name.
func typTag(typ string) string {
	r := strings.NewReplacer("+", "-plus-", "/", "-slash-")
	return r.Replace(typ) + "-" + caseTag(strings.ReplaceAll(strings.ReplaceAll(typ, "+", ""), "/", ""))
}

// spkiDER is a public key as DER SubjectPublicKeyInfo.
func spkiDER(pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return der
}

// spkiPEM is a public key as a PEM "PUBLIC KEY" block.
func spkiPEM(pub any) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spkiDER(pub)})
}
