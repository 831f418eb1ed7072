package genvectors

import (
	"encoding/base64"
	"strings"
)

const (
	srcB64     = "RFC 7515 section 2 and appendix C: base64url without padding; RFC 4648 section 3.3 (characters outside the alphabet are errors)"
	srcCompact = "RFC 7515 section 7.1: a JWS compact serialization is exactly three segments"
	srcJWE     = "RFC 7516 section 9: a JWE (five segments, enc) is not a JWS; RFC 8725 section 2.8"
)

// attacksFramingFile: the outer shape of hostile tokens, before any JSON.
func (g *gen) attacksFramingFile() *file {
	k := g.k
	f := g.attackFile("attacks-framing")
	t := g.token0(k.ed1)
	parts := strings.Split(t, ".")
	h, p, s := parts[0], parts[1], parts[2]

	f.okTok("control-valid-token", "RFC 7515 section 5.2 (positive control)", t)

	// Padding in every place a lenient decoder would strip it.
	pad := func(seg string) string {
		for len(seg)%4 != 0 {
			seg += "="
		}
		return seg
	}
	pp := g.withClaims(k.ed1, func(c object) object { return c.set("pad", padFor(c)) })
	ppParts := strings.Split(pp, ".")
	f.badTok("payload-padded", srcB64, ppParts[0]+"."+pad(ppParts[1])+"."+ppParts[2])
	f.badTok("all-segments-padded", srcB64, pad(h)+"."+pad(p)+"."+pad(s))
	f.badTok("signature-single-equals", srcB64, t+"=")
	f.badTok("padding-inside-signature", srcB64, h+"."+p+"."+s[:8]+"="+s[8:])
	f.badTok("padding-only-signature", srcB64, h+"."+p+".====")

	// The standard alphabet in one segment at a time (the whole token is in framing.json).
	toStd := strings.NewReplacer("-", "+", "_", "/")
	f.badTok("standard-alphabet-signature-only", srcB64+" (base64, not base64url: RFC 4648 section 5)", h+"."+p+"."+stdOrPanic(toStd, s))
	f.badTok("standard-base64-of-header-bytes", srcB64, base64.StdEncoding.EncodeToString([]byte(header(k.ed1).String()))+"."+p+"."+s)

	// Whitespace and line breaks where a lenient decoder skips them (Go's
	// base64 and many others drop \r and \n silently).
	f.badTok("crlf-between-header-and-dot", srcB64, h+"\r\n."+p+"."+s)
	f.badTok("lf-inside-signature", srcB64+" (a decoder that skips newlines is lenient)", h+"."+p+"."+s[:20]+"\n"+s[20:])
	f.badTok("cr-inside-header", srcB64, h[:10]+"\r"+h[10:]+"."+p+"."+s)
	f.badTok("space-after-first-dot", srcB64, h+". "+p+"."+s)
	f.badTok("pem-style-line-wrapped-payload", srcB64, h+"."+wrap(p, 16)+"."+s)
	f.badTok("vertical-tab-in-header", srcB64, h[:5]+"\v"+h[5:]+"."+p+"."+s)

	// Segment counts beyond framing.json's.
	f.badTok("six-segments", srcCompact, t+"."+h+"."+p)
	f.badTok("two-tokens-joined-by-dot", srcCompact+"; "+bcp27, t+"."+t)
	f.badTok("header-and-signature-only", srcCompact, h+"."+s)
	f.badTok("dots-only-three", srcCompact, "...")
	f.badTok("payload-only", srcCompact, p)
	jweHdr := b64.EncodeToString([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-a"}`))
	f.badTok("jwe-five-non-empty-segments", srcJWE+"; CVE-2022-3102 (JWS/JWE token substitution)",
		jweHdr+"."+b64.EncodeToString(seed("cek")[:32])+"."+b64.EncodeToString(seed("iv")[:12])+"."+p+"."+b64.EncodeToString(seed("tag")[:16]))
	dirHdr := b64.EncodeToString([]byte(`{"alg":"dir","enc":"A128CBC-HS256","kid":"hs-1"}`))
	f.badTok("jwe-dir-with-hmac-kid", srcJWE+" (a JWE keyed by a configured secret is still not a JWS)", dirHdr+".."+b64.EncodeToString(seed("iv")[:16])+"."+p+"."+b64.EncodeToString(seed("tag")[:16]))
	f.badTok("jws-json-flattened-serialization", "RFC 7515 section 7.2.2 (the JSON serialization is not accepted); CVE-2022-39227 (python-jwt: mixing compact and JSON forms forges claims)",
		`{"protected":"`+h+`","payload":"`+p+`","signature":"`+s+`"}`)
	f.badTok("jws-json-polyglot-after-compact", "CVE-2022-39227 (python-jwt polyglot token: a compact JWS followed by JSON that a second parser reads)",
		t+`{"payload":"`+p+`"}`)
	f.badTok("base64-of-whole-token", srcCompact+" (a double-encoded token is not a token)", b64.EncodeToString([]byte(t)))
	f.badTok("quoted-token", srcCompact+"; RFC 6750 section 2.1 (b64token has no quotes)", `"`+t+`"`)

	// Non-ASCII: look-alike separators and characters, zero-width and
	// non-breaking spaces, which decoders that normalise would pass.
	for _, c := range []struct{ name, tok string }{
		{"fullwidth-dot-separator", h + "．" + p + "．" + s},
		{"ideographic-full-stop-separator", h + "。" + p + "." + s},
		{"one-dot-leader-separator", h + "\u2024" + p + "." + s},
		{"zero-width-space-in-payload", h + "." + p[:9] + "\u200b" + p[9:] + "." + s},
		{"zero-width-joiner-after-token", t + "\u200d"},
		{"no-break-space-after-token", t + "\u00a0"},
		{"bom-before-token", "\ufeff" + t},
		{"cyrillic-e-homoglyph", strings.Replace(t, "e", "е", 1)},
		{"right-to-left-override", t[:30] + "\u202e" + t[30:]},
		{"replacement-character", t + "\ufffd"},
	} {
		if !strings.ContainsAny(c.tok, "\u2024\u200b\u200d\u00a0\ufeff\u202e\ufffd．。е") {
			panic("non-ASCII vector " + c.name + " is ASCII")
		}
		f.badTok("non-ascii-"+c.name, srcB64+"; "+bcp37+" (the token charset is ASCII; nothing is normalised)", c.tok)
	}

	// Percent-encoding and other transfer encodings of the dots.
	f.badTok("percent-encoded-dots", srcB64+" (nothing is URL-decoded)", h+"%2E"+p+"%2E"+s)
	f.badTok("percent-encoded-whole-token", srcB64+" (nothing is URL-decoded)", strings.ReplaceAll(strings.ReplaceAll(t, "-", "%2D"), "_", "%5F"))

	// Size: a genuine signature does not buy past the size limit, and a
	// million dots must be refused by the shape check without work per dot
	// pair. "huge" raises max_token_bytes so that the dots reach the
	// scanner instead of the size check.
	f.Configs["huge"] = with(g.mainConfig(), "max_token_bytes", 2_000_000)
	big := g.withClaims(k.ed1, func(c object) object { return c.set("pad", strings.Repeat("p", 12_000)) })
	f.badTok("oversize-genuinely-signed-16k", bcp34+"; ABI.md token profile: at most max_token_bytes, checked before decoding (a valid signature does not matter)", big)
	f.add("oversize-genuinely-signed-under-large-limit", "RFC 7515 section 5.2 (positive control: the same token under a large max_token_bytes)", "huge", whoami(big), allowed0())
	f.add("a-million-dots", srcCompact+"; a million dots: refused by the shape check, in linear time", "huge", whoami(strings.Repeat(".", 1_000_000)), badToken(realm))
	f.add("many-segments-under-large-limit", srcCompact, "huge", whoami(strings.Repeat(t+".", 100)+t), badToken(realm))
	f.add("huge-header-of-a-under-large-limit", srcB64+" (4n+1 characters cannot be base64)", "huge", whoami(strings.Repeat("A", 50_001)+"."+p+"."+s), badToken(realm))
	return f
}

// stdOrPanic rewrites seg to the standard alphabet and insists that it
// changed, so that a vector named for + and / really holds one.
func stdOrPanic(r *strings.Replacer, seg string) string {
	out := r.Replace(seg)
	if out == seg {
		panic("segment has no - or _: " + seg)
	}
	return out
}

// wrap breaks s into lines of n characters with CRLF, as PEM does.
func wrap(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(s[i:min(i+n, len(s))])
	}
	return b.String()
}
