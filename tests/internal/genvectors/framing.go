package genvectors

import (
	"encoding/base64"
	"strings"
)

const srcFraming = "ABI.md token profile: compact JWS of exactly three base64url segments, unpadded and canonical, only [A-Za-z0-9_-] and two dots, at most max_token_bytes"

// framingFile: the token's outer shape, checked before any decoding.
func (g *gen) framingFile() *file {
	k := g.k
	f := newFile("framing", map[string]any{"main": g.mainConfig(), "defaults": g.defaultsConfig()})
	t := g.token0(k.ed1)
	parts := strings.Split(t, ".")
	h, p, s := parts[0], parts[1], parts[2]
	ok := func(name, source, token string) { f.add(name, source, "main", whoami(token), allowed0()) }
	bad := func(name, source, token string) { f.add(name, source, "main", whoami(token), badToken(realm)) }

	ok("valid-eddsa-token", "ABI.md token profile (positive baseline)", t)
	bad("two-segments", srcFraming+"; RFC 7515 section 7.1", h+"."+p)
	bad("one-segment", srcFraming, h)
	bad("four-segments", srcFraming, t+"."+s)
	bad("trailing-dot", srcFraming, t+".")
	bad("leading-dot", srcFraming, "."+t)
	jweHeader := b64.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM","kid":"ed-1"}`))
	bad("five-segments-jwe-shape", srcFraming+"; RFC 7516 section 7.1 (a JWE is not a JWS)", jweHeader+".."+p+"."+s+"."+h)
	bad("empty-header-segment", srcFraming, "."+p+"."+s)
	bad("empty-payload-segment", srcFraming, h+".."+s)
	bad("empty-signature-segment", srcFraming+"; RFC 8725 section 3.1 (no unsigned tokens)", h+"."+p+".")
	bad("only-two-dots", srcFraming, "..")
	bad("a-thousand-dots", srcFraming, strings.Repeat(".", 1000))

	bad("signature-padded", srcFraming+" (unpadded: RFC 7515 section 2)", t+"==")
	padded := base64.URLEncoding.EncodeToString([]byte(header(k.ed1).String()))
	if padded == h {
		panic("header needs no padding; pick another")
	}
	bad("header-padded", srcFraming+" (unpadded: RFC 7515 section 2)", padded+"."+p+"."+s)
	std := strings.NewReplacer("-", "+", "_", "/").Replace(t)
	if std == t {
		panic("token has no - or _")
	}
	bad("standard-alphabet-plus-slash", srcFraming+" (base64url, not base64: RFC 4648 section 5)", std)
	bad("noncanonical-signature-trailing-bits", srcFraming+" (canonical: RFC 4648 section 3.5)", h+"."+p+"."+noncanonical(s))
	pc := g.withClaims(k.ed1, func(c object) object { return c.set("jti", jti0).set("pad", padFor(c)) })
	pcParts := strings.Split(pc, ".")
	ok("valid-payload-with-unused-bits", "ABI.md token profile (positive: a segment whose length is not a multiple of 4)", pc)
	bad("noncanonical-payload-trailing-bits", srcFraming+" (canonical: RFC 4648 section 3.5)", pcParts[0]+"."+noncanonical(pcParts[1])+"."+pcParts[2])
	bad("header-length-mod-4-is-1", srcFraming+" (no base64 string has length 4n+1)", h+"A."+p+"."+s)

	mid := len(p) / 2
	for _, c := range []struct{ name, insert string }{
		{"space", " "}, {"tab", "\t"}, {"crlf", "\r\n"}, {"nul", "\x00"}, {"star", "*"},
		{"equals-inside", "="}, {"plus", "+"}, {"slash", "/"}, {"percent-escape", "%2D"},
		{"non-ascii", "é"}, {"fullwidth-a", "Ａ"},
	} {
		bad("charset-"+c.name+"-in-payload", srcFraming+" (charset checked before decoding)", h+"."+p[:mid]+c.insert+p[mid:]+"."+s)
	}
	bad("charset-trailing-space", srcFraming+"; ABI.md outcome 3 (the credential is everything after the first space)", t+" ")
	bad("charset-trailing-tab", srcFraming, t+"\t")
	bad("charset-trailing-newline", srcFraming, t+"\n")

	// Size: a small limit with tokens exactly at it and one byte over.
	at, over := g.sizePair(k.ed1, 0)
	small := with(g.mainConfig(), "max_token_bytes", len(at))
	f.Configs["small"] = small
	f.add("size-exactly-max-token-bytes", "ABI.md token profile: at most max_token_bytes (boundary, inclusive)", "small", whoami(at), allowed0())
	f.add("size-one-over-max-token-bytes", "ABI.md token profile: at most max_token_bytes (boundary + 1)", "small", whoami(over), badToken(realm))
	f.add("size-far-over-max-token-bytes", "ABI.md token profile: size checked before decoding", "small", whoami(t+strings.Repeat("A", 4096)), badToken(realm))
	at4096, over4096 := g.sizePair(k.ed1, 4096)
	f.add("size-default-4096-exactly", "ABI.md Config: max_token_bytes default 4096 (boundary, inclusive)", "defaults", whoami(at4096), allowed0())
	f.add("size-default-4096-one-over", "ABI.md Config: max_token_bytes default 4096 (boundary + 1)", "defaults", whoami(over4096), badToken("api"))
	f.add("size-ten-thousand-dots", "ABI.md token profile: size and charset checked before decoding", "defaults", whoami(strings.Repeat(".", 10_000)), badToken("api"))
	return f
}

// noncanonical sets the lowest unused bit of a base64url segment's last
// character: a lenient decoder still yields the same bytes.
func noncanonical(seg string) string {
	unused := map[int]uint{2: 4, 3: 2}[len(seg)%4]
	if unused == 0 {
		panic("segment has no unused bits")
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	out := seg[:len(seg)-1] + string(alphabet[last|1])
	if lenient, err := base64.RawURLEncoding.DecodeString(out); err != nil {
		panic(err)
	} else if canonical, _ := base64.RawURLEncoding.DecodeString(seg); string(lenient) != string(canonical) {
		panic("noncanonical changed the bytes")
	}
	return out
}

// padFor returns a "pad" claim value that makes the claims' base64url form
// have unused bits (its length is not a multiple of 4).
func padFor(c object) string {
	for n := 0; ; n++ {
		pad := strings.Repeat("p", n)
		if len(b64.EncodeToString([]byte(c.set("pad", pad).String())))%4 != 0 {
			return pad
		}
	}
}

// sizePair returns two standard tokens for k that differ only in a "pad"
// claim, the second exactly one byte longer. With target 0 any length does;
// otherwise the first is exactly target bytes long.
func (g *gen) sizePair(k *key, target int) (at, over string) {
	// "pad" grows the token one or two bytes at a time; "q" shifts where
	// those steps fall so that the target length is hit with a +1 step.
	for q := 0; q < 3; q++ {
		mk := func(n int) string {
			return g.withClaims(k, func(c object) object {
				return c.set("q", strings.Repeat("q", q)).set("pad", strings.Repeat("p", n))
			})
		}
		for n := 0; n < 4000; n++ {
			a := mk(n)
			if target != 0 && len(a) != target {
				continue
			}
			if b := mk(n + 1); len(b) == len(a)+1 {
				return a, b
			}
		}
	}
	panic("no token pair of the wanted size")
}
