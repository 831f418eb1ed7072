package genvectors

import (
	"math/big"
	"strings"
)

const (
	srcSig   = "ABI.md token profile: signatures"
	srcEd    = "ABI.md token profile: EdDSA over Ed25519 (RFC 8037 section 3.1)"
	srcES    = "ABI.md token profile: ES256 (raw 64-byte r||s, r and s in [1, n-1]; RFC 7518 section 3.4)"
	srcRS    = "ABI.md token profile: RS256 (RFC 7518 section 3.3)"
	srcPS    = "ABI.md token profile: PS256 (RFC 7518 section 3.5: MGF1 with SHA-256, salt as long as the hash)"
	srcHS    = "ABI.md token profile: HS256 with keys of at least 32 bytes (RFC 7518 section 3.2)"
	srcSplit = "RFC 7515 section 5.2: the signature covers the header and payload segments"
)

// signaturesFile: every algorithm, valid and broken.
func (g *gen) signaturesFile() *file {
	k := g.k
	f := newFile("signatures", map[string]any{"main": g.mainConfig()})
	ok := func(name, source, token string) { f.add(name, source, "main", whoami(token), allowed0()) }
	bad := func(name, source, token string) { f.add(name, source, "main", whoami(token), badToken(realm)) }

	for _, c := range []struct {
		k   *key
		src string
	}{{k.ed1, srcEd}, {k.ec1, srcES}, {k.rsaA, srcRS}, {k.rsaB, srcPS}, {k.hs1, srcHS}} {
		alg := strings.ToLower(c.k.alg)
		t := g.token0(c.k)
		sig := sigOf(t)
		ok(alg+"-valid", c.src+" (positive)", t)
		bad(alg+"-first-bit-flipped", c.src, withSig(t, flip(sig, 0)))
		bad(alg+"-last-bit-flipped", c.src, withSig(t, flip(sig, len(sig)*8-1)))
		bad(alg+"-truncated-by-one-byte", c.src, withSig(t, sig[:len(sig)-1]))
		bad(alg+"-extended-by-zero-byte", c.src, withSig(t, append(append([]byte(nil), sig...), 0)))
		bad(alg+"-leading-zero-byte", c.src, withSig(t, append([]byte{0}, sig...)))
		bad(alg+"-all-zero", c.src, withSig(t, make([]byte, len(sig))))
		// The same header and signature over other claims.
		other := g.withClaims(c.k, func(o object) object { return o.set("sub", "users/43") })
		parts := strings.Split(t, ".")
		bad(alg+"-spliced-payload", srcSplit, parts[0]+"."+strings.Split(other, ".")[1]+"."+parts[2])
	}
	hs64 := g.token0(k.hs64)
	ok("hs256-64-byte-key-valid", srcHS+" (positive)", hs64)

	// Wrong keys: a configured key of the same type signed it, under another kid.
	bad("eddsa-wrong-key", srcEd+"; "+srcKid, g.token(k.ed2, header(k.ed1), claims()))
	bad("eddsa-unconfigured-signer", srcEd, g.token(k.edX, header(k.ed1), claims()))
	bad("es256-wrong-key", srcES+"; "+srcKid, g.token(k.ec2, header(k.ec1), claims()))
	rsaAsA := rsaKey("rsa-a", "RS256", k.rsaPrivB, rs256Sign(k.rsaPrivB))
	bad("rs256-wrong-key", srcRS+"; "+srcKid, g.token(rsaAsA, header(k.rsaA), claims()))
	psAsB := rsaKey("rsa-b", "PS256", k.rsaPrivA, ps256Sign(k.rsaPrivA, 32))
	bad("ps256-wrong-key", srcPS+"; "+srcKid, g.token(psAsB, header(k.rsaB), claims()))
	bad("hs256-wrong-secret", srcHS, g.token(k.hsX, header(k.hs1), claims()))
	bad("hs256-truncated-mac", srcHS+" (the full 32-byte MAC)", withSig(g.token0(k.hs1), sigOf(g.token0(k.hs1))[:16]))

	// EdDSA specifics.
	ok("eddsa-alg-ed25519-valid", srcEd+"; RFC 9864 (alg Ed25519)", g.withHeader(k.ed1, func(h object) object { return h.set("alg", "Ed25519") }))
	edT := g.token0(k.ed1)
	bad("eddsa-s-plus-l", srcEd+"; RFC 8032 section 5.1.7 (S must be below L: no malleability)", withSig(edT, sPlusL(sigOf(edT))))

	// ES256 specifics.
	ecT := g.token0(k.ec1)
	r, s := new(big.Int).SetBytes(sigOf(ecT)[:32]), new(big.Int).SetBytes(sigOf(ecT)[32:])
	highS := new(big.Int).Sub(p256N, s)
	ok("es256-high-s-valid", "ABI.md token profile: ES256 signatures are not required to be low-S", withSig(ecT, rawRS(r, highS)))
	hsT := g.withClaims(k.ec1, func(c object) object { return c.set("jti", "revoked-1") })
	hr, hs := new(big.Int).SetBytes(sigOf(hsT)[:32]), new(big.Int).SetBytes(sigOf(hsT)[32:])
	f.add("es256-high-s-of-revoked-token", "ABI.md token profile: revocation keys on jti, never on token bytes", "main",
		whoami(withSig(hsT, rawRS(hr, new(big.Int).Sub(p256N, hs)))), badToken(realm))
	bad("es256-der-encoded", srcES+" (not ASN.1 DER)", withSig(ecT, derSig(r, s)))
	zero := big.NewInt(0)
	bad("es256-r-zero", srcES, withSig(ecT, rawRS(zero, s)))
	bad("es256-s-zero", srcES, withSig(ecT, rawRS(r, zero)))
	bad("es256-r-equals-n", srcES, withSig(ecT, rawRS(p256N, s)))
	bad("es256-s-equals-n", srcES, withSig(ecT, rawRS(r, p256N)))
	bad("es256-s-plus-n", srcES+" (s + n fits 32 bytes only when s is small; here as s+n mod 2^256)", withSig(ecT, rawRS(r, mod256(new(big.Int).Add(s, p256N)))))
	bad("es256-r-and-s-swapped", srcES, withSig(ecT, rawRS(s, r)))
	bad("es256-max-r-and-s", srcES, withSig(ecT, rawRS(mod256(big.NewInt(-1)), mod256(big.NewInt(-1)))))

	// RSA specifics.
	rsT := g.token0(k.rsaA)
	psT := g.token0(k.rsaB)
	bad("rs256-header-with-pss-signature", srcRS+"; "+srcAlg, withSig(rsT, ps256Sign(k.rsaPrivA, 32)([]byte(rsT[:strings.LastIndexByte(rsT, '.')]))))
	bad("ps256-header-with-pkcs1v15-signature", srcPS+"; "+srcAlg, withSig(psT, rs256Sign(k.rsaPrivB)([]byte(psT[:strings.LastIndexByte(psT, '.')]))))
	bad("ps256-salt-length-zero", srcPS, withSig(psT, ps256Sign(k.rsaPrivB, 0)([]byte(psT[:strings.LastIndexByte(psT, '.')]))))
	bad("ps256-salt-length-64", srcPS, withSig(psT, ps256Sign(k.rsaPrivB, 64)([]byte(psT[:strings.LastIndexByte(psT, '.')]))))
	rsAsPS := rsaKey("rsa-b", "RS256", k.rsaPrivB, rs256Sign(k.rsaPrivB))
	bad("rs256-alg-on-ps256-key", srcAlg, g.token(rsAsPS, obj("alg", "RS256", "kid", "rsa-b", "typ", "at+jwt"), claims()))
	psAsRS := rsaKey("rsa-a", "PS256", k.rsaPrivA, ps256Sign(k.rsaPrivA, 32))
	bad("ps256-alg-on-rs256-key", srcAlg, g.token(psAsRS, obj("alg", "PS256", "kid", "rsa-a", "typ", "at+jwt"), claims()))
	esOnHS := *k.ec1
	bad("es256-alg-on-hs256-key", srcAlg, g.token(&esOnHS, obj("alg", "ES256", "kid", "hs-1", "typ", "at+jwt"), claims()))
	hsOnHS64 := hsKey("hs-1", append(seed("hs-64a"), seed("hs-64b")...))
	bad("hs256-kid-of-other-secret", srcHS+"; "+srcKid, g.token(hsOnHS64, header(k.hs1), claims()))
	return f
}

// flip returns sig with bit i (0 = most significant of the first byte)
// inverted.
func flip(sig []byte, i int) []byte {
	out := append([]byte(nil), sig...)
	out[i/8] ^= 0x80 >> (i % 8)
	return out
}

// sPlusL adds the Ed25519 group order L to the signature's S (little-endian
// second half): the same point equation, a non-canonical S.
func sPlusL(sig []byte) []byte {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	le := func(b []byte) []byte {
		out := make([]byte, len(b))
		for i := range b {
			out[i] = b[len(b)-1-i]
		}
		return out
	}
	sv := new(big.Int).SetBytes(le(sig[32:]))
	sv.Add(sv, l)
	out := append([]byte(nil), sig[:32]...)
	return append(out, le(sv.FillBytes(make([]byte, 32)))...)
}

// mod256 reduces x into [0, 2^256) so that it fits 32 bytes.
func mod256(x *big.Int) *big.Int {
	m := new(big.Int).Lsh(big.NewInt(1), 256)
	return new(big.Int).Mod(x, m)
}
