package genvectors

import (
	"bytes"
	"compress/flate"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

const (
	srcHdrDup    = "RFC 7515 section 4: header parameter names must be unique (ABI.md: duplicates rejected, never last-wins); " + bcp26
	srcHdrStrict = "ABI.md token profile: the header is a JSON object (no BOM, no trailing bytes, valid UTF-8); RFC 8259 section 2"
	srcNest      = "RFC 8259 section 9 (a parser may limit nesting); ABI.md: documents nest at most 32 deep; nesting bombs. Only far-beyond-any-limit depths are pinned"
	srcNone      = "RFC 7518 section 3.6 (alg none: an Unsecured JWS); " + bcp31 + "; CVE-2015-9235 and CVE-2022-23540 (alg none accepted)"
	srcConfuse   = "RFC 8725 section 2.1 and 3.1 (key confusion: HS256 keyed with the public key); CVE-2015-9235 (jsonwebtoken), CVE-2016-10555 (jwt-simple)"
	srcKidInj    = bcp310 + "; RFC 7515 section 4.1.4 (kid is a hint, matched exactly here with no lookup by path or query)"
	srcEmbedded  = "RFC 7515 sections 4.1.2-4.1.6 and 4.1.11; " + bcp310 + "; ABI.md: crit, jku, jwk, x5u, x5c, b64, zip, enc present -> reject"
)

// attacksHeaderFile: hostile protected headers — JSON tricks, alg, kid, and
// the members that point at keys the attacker controls.
func (g *gen) attacksHeaderFile() *file {
	k := g.k
	f := g.attackFile("attacks-header")
	std := header(k.ed1)
	c := claims().String()
	signedHeader := func(h string) string { return g.signRaw(k.ed1, []byte(h), []byte(c)) }
	ok := func(name, source string, h object) { f.okTok(name, source, g.token(k.ed1, h, claims())) }
	bad := func(name, source string, h object) { f.badTok(name, source, g.token(k.ed1, h, claims())) }
	badRaw := func(name, source, h string) { f.badTok(name, source, signedHeader(h)) }
	okRaw := func(name, source, h string) { f.okTok(name, source, signedHeader(h)) }

	ok("control-valid-header", "RFC 7515 section 5.2 (positive control)", std)

	// Case-variant members are other members: ignored, and so harmless.
	ok("case-variant-alg-none-ignored", "RFC 7515 section 4 (names are case-sensitive); ABI.md: other members are ignored", std.add("ALG", "none"))
	ok("case-variant-kid-ignored", "RFC 7515 section 4 (names are case-sensitive); ABI.md: other members are ignored", std.add("Kid", "hs-1"))
	ok("case-variant-jku-ignored", "RFC 7515 section 4 (names are case-sensitive): JKU is not jku", std.add("JKU", "https://attacker.example/jwks.json"))
	ok("x5t-thumbprint-ignored", "RFC 7515 sections 4.1.7-4.1.8 (x5t#S256 only names a key); ABI.md: not among the forbidden members", std.add("x5t#S256", b64.EncodeToString(seed("thumb"))))
	okRaw("trailing-whitespace-allowed", "RFC 8259 section 2 (whitespace may follow the value): not trailing bytes", std.String()+" \n\t\r")
	okRaw("leading-whitespace-allowed", "RFC 8259 section 2 (whitespace may precede the value)", "\r\n "+std.String())

	// Duplicates: every way to make two parsers read two headers.
	bad("duplicate-alg-second-none", srcHdrDup+"; CVE-2022-39227 style parser differential", std.add("alg", "none"))
	bad("duplicate-alg-first-hs256", srcHdrDup, obj("alg", "HS256", "alg", "EdDSA", "kid", "ed-1", "typ", "at+jwt"))
	badRaw("duplicate-kid-via-escape-k", srcHdrDup+" (\\u006b is k)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","\u006bid":"hs-1"}`)
	badRaw("duplicate-typ-via-escape-all", srcHdrDup, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","\u0074\u0079\u0070":"JWT"}`)
	bad("duplicate-crit-would-be-forbidden-anyway", srcHdrDup+"; "+srcEmbedded, std.add("crit", []string{}).add("crit", []string{}))

	// Forbidden members spelled with escapes are still those members.
	badRaw("forbidden-jku-via-escape", srcEmbedded+" (\\u006a is j)", strings.TrimSuffix(std.String(), "}")+`,"\u006aku":"https://attacker.example/j"}`)
	badRaw("forbidden-crit-via-escape", srcEmbedded, strings.TrimSuffix(std.String(), "}")+`,"\u0063rit":["exp"]}`)

	// Not an object, or not quite JSON.
	badRaw("not-an-object-number", srcHdrStrict, `42`)
	badRaw("not-an-object-true", srcHdrStrict, `true`)
	badRaw("not-an-object-empty-array", srcHdrStrict, `[]`)
	badRaw("header-wrapped-in-object", srcHdrStrict+" (alg and kid are not top-level members)", `{"header":`+std.String()+`}`)
	badRaw("two-objects-concatenated", srcHdrStrict+" (trailing bytes)", std.String()+std.String())
	badRaw("trailing-nul-byte", srcHdrStrict+" (trailing bytes)", std.String()+"\x00")
	badRaw("js-comment", srcHdrStrict+" (JSON has no comments)", `{"alg":"EdDSA",/*x*/"kid":"ed-1","typ":"at+jwt"}`)
	badRaw("nan-in-ignored-member", srcHdrStrict+" (NaN is not JSON)", strings.TrimSuffix(std.String(), "}")+`,"x":NaN}`)
	badRaw("unescaped-control-char-in-string", srcHdrStrict+" (RFC 8259 section 7: control characters must be escaped)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"a`+"\x01"+`b"}`)
	badRaw("unterminated-string", srcHdrStrict, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt`)
	badRaw("utf16-encoded-header", srcHdrStrict+"; "+bcp37+" (UTF-16 is not UTF-8)", utf16le(std.String()))
	badRaw("invalid-utf8-in-member-name", srcHdrStrict+"; "+bcp37, `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","n`+"\xfe"+`":1}`)
	badRaw("lone-surrogate-escape", srcHdrStrict+"; "+bcp37+"; ABI.md (a lone surrogate escape is not a character)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"\ud800"}`)
	badRaw("cesu8-encoded-astral", srcHdrStrict+"; RFC 3629 section 3 (CESU-8 surrogate pairs are invalid UTF-8)", `{"alg":"EdDSA","kid":"ed-1","typ":"at+jwt","note":"`+"\xed\xa0\xbd\xed\xb8\x80"+`"}`)
	badRaw("utf8-bom-in-middle", srcHdrStrict+" (a BOM after the first byte is not whitespace)", `{"alg":"EdDSA",`+"\ufeff"+`"kid":"ed-1","typ":"at+jwt"}`)

	// Nesting bombs, far past any sane limit but inside max_token_bytes.
	badRaw("nesting-bomb-arrays-1000", srcNest, strings.TrimSuffix(std.String(), "}")+`,"x":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`)
	badRaw("nesting-bomb-objects-500", srcNest, strings.TrimSuffix(std.String(), "}")+`,"x":`+strings.Repeat(`{"a":`, 500)+"1"+strings.Repeat("}", 500)+`}`)
	badRaw("nesting-bomb-unclosed-arrays", srcNest+"; RFC 8259 section 2", strings.TrimSuffix(std.String(), "}")+`,"x":`+strings.Repeat("[", 2000))
	f.Configs["huge"] = with(g.mainConfig(), "max_token_bytes", 2_000_000)
	deep := strings.TrimSuffix(std.String(), "}") + `,"x":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`
	f.add("nesting-bomb-arrays-100000-under-large-limit", srcNest+" (a recursive parser would exhaust its stack)", "huge", whoami(signedHeader(deep)), badToken(realm))

	// alg: none in every spelling beyond header.json's, with and without a signature.
	unsigned := func(alg any) string {
		return b64.EncodeToString([]byte(std.set("alg", alg).String())) + "." + b64.EncodeToString([]byte(c)) + "."
	}
	for _, a := range []string{"NoNe", "nONE", "nonE", "none ", " none", "none\u0000", "\u006eone"} {
		f.badTok("alg-none-spelling-"+noneTag(a)+"-unsigned", srcNone, unsigned(a))
	}
	f.badTok("alg-none-unsigned-with-hmac-kid", srcNone, b64.EncodeToString([]byte(obj("alg", "none", "kid", "hs-1", "typ", "at+jwt").String()))+"."+b64.EncodeToString([]byte(c))+".")
	f.badTok("alg-none-without-kid-unsigned", srcNone, b64.EncodeToString([]byte(obj("alg", "none", "typ", "at+jwt").String()))+"."+b64.EncodeToString([]byte(c))+".")
	f.badTok("alg-missing-unsigned", srcNone+" (no alg at all)", b64.EncodeToString([]byte(std.del("alg").String()))+"."+b64.EncodeToString([]byte(c))+".")
	bad("alg-none-with-hmac-kid-and-signature", srcNone, std.set("alg", "none").set("kid", "hs-1"))

	// alg: names outside the allow-list.
	for _, a := range []string{"HS384", "HS512", "ES384", "ES512", "ES256K", "RS512", "PS384", "EdDSA25519", "ES256 ", "dir", "RSA-OAEP", "A256GCMKW"} {
		bad("alg-unknown-"+algTag(a), "RFC 7518 section 3.1; "+bcp31+"; ABI.md: alg in the allow-list", std.set("alg", a))
	}

	// alg mismatched to the key's bound alg, each signed for real with the
	// named algorithm by the attacker's own key of that type.
	edAsEC := *k.ed1
	f.badTok("alg-eddsa-on-es256-kid", bcp31+"; ABI.md: alg equals the alg bound to the key", g.token(&edAsEC, obj("alg", "EdDSA", "kid", "ec-1", "typ", "at+jwt"), claims()))
	ecAsRS := *k.ec1
	f.badTok("alg-es256-on-rs256-kid", bcp31+"; ABI.md: alg equals the alg bound to the key", g.token(&ecAsRS, obj("alg", "ES256", "kid", "rsa-a", "typ", "at+jwt"), claims()))
	rsAsED := *k.rsaA
	f.badTok("alg-rs256-on-eddsa-kid", bcp31+"; ABI.md: alg equals the alg bound to the key", g.token(&rsAsED, obj("alg", "RS256", "kid", "ed-1", "typ", "at+jwt"), claims()))
	hsOnRSA := hsKey("rsa-b", k.hsSecret1)
	f.badTok("alg-hs256-on-ps256-kid-with-configured-secret", bcp31+"; RFC 8725 section 2.1 (a configured secret under another key's kid)", g.token(hsOnRSA, obj("alg", "HS256", "kid", "rsa-b", "typ", "at+jwt"), claims()))
	edOnHS := *k.ed1
	f.badTok("alg-eddsa-on-hs256-kid", bcp31+"; ABI.md: alg equals the alg bound to the key", g.token(&edOnHS, obj("alg", "EdDSA", "kid", "hs-1", "typ", "at+jwt"), claims()))

	// Key confusion: HS256 keyed with the public key in the encodings that
	// header.json does not already try.
	rsaPub, ecPub, edPub := &k.rsaPrivA.PublicKey, &k.ecPriv1.PublicKey, k.edPriv1.Public()
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaPub)})
	for _, c := range []struct {
		name, kid, src string
		secret         []byte
	}{
		{"pkcs1-pem-of-rsa-a", "rsa-a", "CVE-2017-11424 (PyJWT: PKCS#1 PEM public key as HMAC secret)", pkcs1PEM},
		{"pkcs1-der-of-rsa-a-base64", "rsa-a", "CVE-2016-10555", []byte(b64.EncodeToString(x509.MarshalPKCS1PublicKey(rsaPub)))},
		{"spki-pem-crlf-of-rsa-a", "rsa-a", "CVE-2015-9235", bytes.ReplaceAll(spkiPEM(rsaPub), []byte("\n"), []byte("\r\n"))},
		{"spki-pem-no-final-newline-of-rsa-a", "rsa-a", "CVE-2015-9235", bytes.TrimSuffix(spkiPEM(rsaPub), []byte("\n"))},
		{"spki-pem-leading-whitespace-of-rsa-a", "rsa-a", "CVE-2023-48223 (fast-jwt: a PEM with leading whitespace escaped the public-key check)", append([]byte("  \n"), spkiPEM(rsaPub)...)},
		{"jwk-json-of-rsa-a", "rsa-a", "CVE-2022-23541 (jsonwebtoken: key type confusion)", []byte(marshal(k.rsaA.jwk))},
		{"jwk-json-of-ec-1", "ec-1", "CVE-2022-23541", []byte(marshal(k.ec1.jwk))},
		{"jwk-thumbprint-input-of-ed-1", "ed-1", "RFC 7638 section 3 (the canonical JWK JSON)", []byte(`{"crv":"Ed25519","kty":"OKP","x":"` + k.ed1.jwk["x"].(string) + `"}`)},
		{"jwks-json-of-main-keys", "ed-1", "CVE-2022-23541", []byte(marshal(jwks(k.ed1, k.ec1)))},
		{"spki-der-of-ed-1", "ed-1", "CVE-2015-9235", spkiDER(edPub)},
		{"compressed-point-of-ec-1", "ec-1", "CVE-2015-9235", elliptic.MarshalCompressed(elliptic.P256(), ecPub.X, ecPub.Y)},
		{"rsa-modulus-bytes-of-rsa-a", "rsa-a", "CVE-2015-9235", rsaPub.N.Bytes()},
		{"openssh-ed25519-of-ed-1", "ed-1", "CVE-2022-29217 (PyJWT: OpenSSH public keys as HMAC secrets)", sshKey(edPub)},
		{"openssh-ecdsa-of-ec-1", "ec-1", "CVE-2024-33663 (python-jose: OpenSSH ECDSA keys as HMAC secrets)", sshKey(ecPub)},
		{"openssh-rsa-of-rsa-a", "rsa-a", "CVE-2022-29217", sshKey(rsaPub)},
		{"empty-secret-for-rsa-a", "rsa-a", "CVE-2019-20933 (InfluxDB: an empty shared secret verified tokens)", []byte{}},
		{"empty-secret-for-hs-64", "hs-64", "CVE-2019-20933", []byte{}},
		{"nul-byte-secret-for-hs-1", "hs-1", "RFC 8725 section 2.2 (a weak secret is not the configured one)", []byte{0}},
	} {
		hk := hsKey(c.kid, c.secret)
		f.badTok("hs256-keyed-with-"+c.name, srcConfuse+"; "+c.src, g.token(hk, obj("alg", "HS256", "kid", c.kid, "typ", "at+jwt"), claims()))
	}

	// kid: injection strings, each signed with a secret the injected lookup
	// would return, and near misses of real kids.
	for _, c := range []struct {
		name, kid string
		secret    []byte
	}{
		{"path-traversal-dev-null", "../../../../../../dev/null", []byte{}},
		{"absolute-path-dev-null", "/dev/null", []byte{}},
		{"path-traversal-proc-self-environ", "../../../../proc/self/environ", []byte{}},
		{"file-url", "file:///dev/null", []byte{}},
		{"sql-union-select-secret", "x' UNION SELECT 'secret' -- ", []byte("secret")},
		{"sql-comment-out", "hs-1'--", k.hsSecret1},
		{"sql-stacked-query", "hs-1'; DROP TABLE signing_keys; --", k.hsSecret1},
		{"ldap-wildcard", "*", k.hsSecret1},
		{"nosql-operator", `{"$ne":null}`, k.hsSecret1},
		{"command-substitution", "$(cat /etc/passwd)", []byte{}},
		{"url-fragment", "https://attacker.example/jwks.json#hs-1", k.hsSecret1},
		{"trailing-newline", "hs-1\n", k.hsSecret1},
		{"trailing-tab", "hs-1\t", k.hsSecret1},
		{"zero-width-space", "hs-1\u200b", k.hsSecret1},
		{"cyrillic-homoglyph", "hs-\u04cf", k.hsSecret1},
		{"fullwidth-digit", "hs-\uff11", k.hsSecret1},
		{"prefix", "hs-", k.hsSecret1},
		{"suffix-of-other-kid", "hs-10", k.hsSecret1},
		{"very-long", strings.Repeat("k", 2000), k.hsSecret1},
	} {
		hk := hsKey(c.kid, c.secret)
		f.badTok("kid-"+c.name, srcKidInj, g.token(hk, obj("alg", "HS256", "kid", c.kid, "typ", "at+jwt"), claims()))
	}
	bad("kid-array", srcKidInj+"; ABI.md: kid is a string", std.set("kid", []string{"ed-1"}))
	bad("kid-object", srcKidInj+"; ABI.md: kid is a string", std.set("kid", obj("kid", "ed-1")))
	bad("kid-true", srcKidInj+"; ABI.md: kid is a string", std.set("kid", true))
	okRaw("kid-escaped-same-string", "RFC 8259 section 7 (positive: an escaped kid is the same string; matching is after unescaping)", `{"alg":"EdDSA","kid":"ed\u002d1","typ":"at+jwt"}`)

	// Key sources the attacker controls, with tokens signed by the
	// attacker's key that those sources would vouch for.
	attackerJWK := jwkObject(k.edX.jwk)
	f.badTok("jwk-embedded-attacker-key-signed-by-it", srcEmbedded+"; CVE-2018-0114 (node-jose verified with the header's own jwk)",
		g.token(k.edX, header(k.edX).add("jwk", attackerJWK), claims()))
	edXasEd1 := *k.edX
	edXasEd1.kid = "ed-1"
	f.badTok("jwk-embedded-attacker-key-under-real-kid", srcEmbedded+"; CVE-2018-0114",
		g.token(&edXasEd1, header(k.ed1).add("jwk", attackerJWK), claims()))
	f.badTok("jwk-embedded-without-kid", srcEmbedded+"; CVE-2018-0114",
		g.token(k.edX, obj("alg", "EdDSA", "typ", "at+jwt", "jwk", attackerJWK), claims()))
	f.badTok("jku-attacker-jwks-with-attacker-kid", srcEmbedded+"; "+bcp29, g.token(k.edX, header(k.edX).add("jku", "https://attacker.example/.well-known/jwks.json"), claims()))
	f.badTok("jku-internal-address-ssrf", srcEmbedded+"; "+bcp29, g.token(k.ed1, header(k.ed1).add("jku", "http://169.254.169.254/latest/meta-data/"), claims()))
	f.badTok("x5u-attacker-certificate", srcEmbedded+"; "+bcp29, g.token(k.edX, header(k.edX).add("x5u", "https://attacker.example/cert.pem"), claims()))
	f.badTok("x5c-self-signed-attacker-certificate", srcEmbedded+" (a self-signed x5c chain proves nothing)",
		g.token(k.edX, header(k.edX).add("x5c", []string{selfSigned(k.edX)}), claims()))
	f.badTok("x5c-under-real-kid", srcEmbedded, g.token(&edXasEd1, header(k.ed1).add("x5c", []string{selfSigned(k.edX)}), claims()))
	bad("crit-b64-false-unencoded-payload", srcEmbedded+"; RFC 7797 section 6 (b64 must be listed in crit)", std.add("b64", false).add("crit", []string{"b64"}))
	bad("crit-unknown-extension", srcEmbedded+"; RFC 7515 section 4.1.11 (unknown crit must be rejected)", std.add("crit", []string{"urn:example:ext"}).add("urn:example:ext", true))
	bad("crit-not-an-array", srcEmbedded, std.add("crit", "exp"))
	bad("crit-listing-registered-name", srcEmbedded+"; RFC 7515 section 4.1.11 (crit must not list registered names)", std.add("crit", []string{"alg"}))
	f.badTok("zip-def-with-deflated-claims", srcEmbedded+"; "+bcp36+"; CVE-2024-28180 and CVE-2024-33664 (decompression bombs)", g.zipped(k.ed1))
	bad("enc-on-three-segments", srcEmbedded+"; "+srcJWE, std.add("enc", "A128GCM"))
	f.badTok("cty-jwt-nested-token-payload", "RFC 7519 section 5.2 (cty JWT: a nested JWT); ABI.md: claims are a JSON object, so a nested token is refused",
		g.signRaw(k.ed1, []byte(std.add("cty", "JWT").String()), []byte(g.token0(k.ed1))))
	return f
}

// zipped signs the standard claims deflated, as "zip":"DEF" would have a
// JWE carry them. Stored (uncompressed) deflate blocks keep the bytes the
// same on every Go version.
func (g *gen) zipped(k *key) string {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.NoCompression)
	if err != nil {
		panic(err)
	}
	_, _ = w.Write([]byte(claims().String()))
	if err := w.Close(); err != nil {
		panic(err)
	}
	return g.signRaw(k, []byte(header(k).add("zip", "DEF").String()), buf.Bytes())
}

// noneTag names a spelling of "none" in a vector name.
func noneTag(a string) string {
	switch a {
	case "none ":
		return "trailing-space"
	case " none":
		return "leading-space"
	case "none\u0000":
		return "trailing-nul"
	case "\u006eone":
		return "escaped-n"
	}
	return strings.ToLower(a) + "-" + caseTagOf(a)
}

// caseTagOf tells apart spellings that differ only in case, more finely
// than caseTag: the positions of the upper-case letters.
func caseTagOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('U')
		} else {
			b.WriteByte('l')
		}
	}
	return b.String()
}

// algTag makes an alg name safe for a vector name.
func algTag(a string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-trailing-space", "_", "-").Replace(a))
}

// utf16le encodes ASCII text as UTF-16LE with a BOM.
func utf16le(s string) string {
	out := []byte{0xff, 0xfe}
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return string(out)
}

// sshKey is a public key in OpenSSH authorized_keys form.
func sshKey(pub any) []byte {
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return ssh.MarshalAuthorizedKey(pk)
}

// jwkObject copies an OKP JWK so that a vector can embed it.
func jwkObject(m map[string]any) object {
	return obj("kty", m["kty"], "crv", m["crv"], "kid", m["kid"], "alg", m["alg"], "x", m["x"])
}

// selfSigned is a deterministic self-signed certificate for an Ed25519
// key, base64 (standard, as x5c has it: RFC 7515 section 4.1.6).
func selfSigned(k *key) string {
	priv := ed25519.NewKeyFromSeed(seed(k.kid))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker.example"},
		NotBefore:    time.Unix(now-86400, 0).UTC(),
		NotAfter:     time.Unix(now+86400*365, 0).UTC(),
	}
	der, err := x509.CreateCertificate(zeroReader{}, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		panic(err)
	}
	return stdB64(der)
}

// zeroReader is a deterministic "random" source for the certificate.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// stdB64 is standard, padded base64 (x5c's encoding).
func stdB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
