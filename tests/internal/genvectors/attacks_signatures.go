package genvectors

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"strings"
)

const (
	srcPsychic = "CVE-2022-21449 (psychic signatures: ECDSA r = s = 0 accepted); RFC 7518 section 3.4; Wycheproof ecdsa_secp256r1_sha256_p1363_test (invalid r, s)"
	srcESLen   = "RFC 7518 section 3.4 (ES256: exactly 64 octets R || S); Wycheproof ecdsa_secp256r1_sha256_p1363_test (signature of wrong length)"
	srcEdAtk   = "RFC 8032 section 5.1.7 (decode R and S, S < L, check the group equation); Wycheproof ed25519_test (special values of R and S)"
	srcRSAAtk  = "RFC 8017 section 8.2.2 (the signature is an integer below n, exactly k octets); RFC 7518 section 3.3; Wycheproof rsa_signature_2048_sha256_test"
	srcHSAtk   = "RFC 7518 section 3.2 (HS256: the full 32-octet MAC over header.payload); " + bcp33
	srcSplice  = "RFC 7515 section 5.2 (the signature covers both segments as sent); " + bcp27
)

// attacksSignaturesFile: signatures that are almost right, in every way a
// lenient verifier could accept.
func (g *gen) attacksSignaturesFile() *file {
	k := g.k
	f := g.attackFile("attacks-signatures")
	ok, bad := f.okTok, f.badTok

	ecT := g.token0(k.ec1)
	ecSig := sigOf(ecT)
	r, s := new(big.Int).SetBytes(ecSig[:32]), new(big.Int).SetBytes(ecSig[32:])
	zero, one := big.NewInt(0), big.NewInt(1)
	nMinus1 := new(big.Int).Sub(p256N, one)
	ok("control-es256", srcES+" (positive control)", ecT)

	// Psychic signatures and other out-of-range r, s.
	bad("es256-r-and-s-zero", srcPsychic, withSig(ecT, rawRS(zero, zero)))
	bad("es256-r-and-s-zero-short", srcPsychic+"; "+srcESLen, withSig(ecT, []byte{0}))
	bad("es256-r-and-s-equal-n", srcPsychic, withSig(ecT, rawRS(p256N, p256N)))
	bad("es256-r-n-plus-one", srcPsychic+" (r >= n)", withSig(ecT, rawRS(new(big.Int).Add(p256N, one), s)))
	bad("es256-r-plus-n", srcPsychic+" (r + n reduces to r mod n: only [1, n-1] is valid)", withSig(ecT, rawRS(mod256(new(big.Int).Add(r, p256N)), s)))
	bad("es256-r-one-s-one", srcPsychic, withSig(ecT, rawRS(one, one)))
	bad("es256-r-n-minus-one-s-n-minus-one", srcPsychic, withSig(ecT, rawRS(nMinus1, nMinus1)))
	bad("es256-s-negated-r", srcPsychic, withSig(ecT, rawRS(new(big.Int).Sub(p256N, r), s)))
	bad("es256-r-is-p", srcPsychic+" (the field prime, above n)", withSig(ecT, rawRS(p256P(), s)))

	// Wrong lengths and encodings.
	for _, c := range []struct {
		name string
		sig  []byte
	}{
		{"32-bytes-r-only", ecSig[:32]},
		{"63-bytes-r-short", append(append([]byte(nil), ecSig[1:32]...), ecSig[32:]...)},
		{"65-bytes", append(append([]byte(nil), ecSig...), 0)},
		{"96-bytes-p384-length", append(append([]byte(nil), ecSig...), make([]byte, 32)...)},
		{"132-bytes-p521-length", append(append([]byte(nil), ecSig...), make([]byte, 68)...)},
		{"r-and-s-33-bytes-each-zero-padded", append(append([]byte{0}, ecSig[:32]...), append([]byte{0}, ecSig[32:]...)...)},
	} {
		bad("es256-length-"+c.name, srcESLen, withSig(ecT, c.sig))
	}
	bad("es256-der-high-s", srcESLen+" (DER, high-S: two leniencies at once)", withSig(ecT, derSig(r, new(big.Int).Sub(p256N, s))))
	other := g.withClaims(k.ec1, func(c object) object { return c.set("sub", "users/1") })
	bad("es256-valid-signature-of-other-claims", srcSplice, withSig(ecT, sigOf(other)))
	bad("es256-signature-by-ec-2-under-ec-1", "RFC 7515 section 4.1.4; ABI.md token profile: kid names the key, no fallback", withSig(ecT, sigOf(g.token(k.ec2, header(k.ec1), claims()))))

	// Ed25519: non-canonical and degenerate signatures.
	edT := g.token0(k.ed1)
	edSig := sigOf(edT)
	ok("control-eddsa", srcEd+" (positive control)", edT)
	lBytes := littleEndian(ed25519L(), 32)
	identity := append([]byte{1}, make([]byte, 31)...) // the neutral point, encoded
	for _, c := range []struct {
		name string
		sig  []byte
	}{
		{"s-equals-l", append(append([]byte(nil), edSig[:32]...), lBytes...)},
		{"s-all-ones", append(append([]byte(nil), edSig[:32]...), bytesOf(0xff, 32)...)},
		{"s-high-bit-set", append(append([]byte(nil), edSig[:32]...), setTopBit(edSig[32:])...)},
		{"r-identity-s-zero", append(append([]byte(nil), identity...), make([]byte, 32)...)},
		{"r-all-zero-s-zero", make([]byte, 64)},
		{"r-non-canonical-y", append(bytesOf(0xff, 31), append([]byte{0x7f}, edSig[32:]...)...)},
		{"r-high-bit-flipped", append(setTopBit(edSig[:32]), edSig[32:]...)},
		{"63-bytes", edSig[:63]},
		{"128-bytes-doubled", append(append([]byte(nil), edSig...), edSig...)},
	} {
		bad("eddsa-"+c.name, srcEdAtk, withSig(edT, c.sig))
	}
	otherEd := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "admin") })
	bad("eddsa-valid-signature-of-other-claims", srcSplice, withSig(edT, sigOf(otherEd)))
	edPH := ed25519PH(k, edT)
	bad("eddsa-ed25519ph-prehashed-signature", srcEdAtk+"; RFC 8037 section 3.1 (EdDSA in JWS is pure Ed25519, not Ed25519ph)", withSig(edT, edPH))

	// RSA: values at and beyond the modulus, short and long encodings.
	rsT := g.token0(k.rsaA)
	rsSig := sigOf(rsT)
	n := k.rsaPrivA.N
	size := k.rsaPrivA.Size()
	ok("control-rs256", srcRS+" (positive control)", rsT)
	for _, c := range []struct {
		name string
		sig  []byte
	}{
		{"zero", make([]byte, size)},
		{"one", big.NewInt(1).FillBytes(make([]byte, size))},
		{"n-minus-one", new(big.Int).Sub(n, big.NewInt(1)).FillBytes(make([]byte, size))},
		{"n", n.FillBytes(make([]byte, size))},
		{"signature-plus-n", new(big.Int).Add(new(big.Int).SetBytes(rsSig), n).Bytes()},
		{"leading-zero-stripped", stripLeading(rsSig)},
		{"double-length", append(append([]byte(nil), rsSig...), rsSig...)},
	} {
		if c.name == "leading-zero-stripped" && len(c.sig) == len(rsSig) {
			// The real signature has no leading zero; strip a byte so the
			// vector still tests the length rule.
			c.sig = rsSig[1:]
		}
		bad("rs256-"+c.name, srcRSAAtk, withSig(rsT, c.sig))
	}
	psT := g.token0(k.rsaB)
	bad("ps256-signature-by-rsa-a-key", srcPS+"; ABI.md: kid names the key", withSig(psT, ps256Sign(k.rsaPrivA, 32)([]byte(psT[:strings.LastIndexByte(psT, '.')]))))

	// HMAC: MACs of the wrong input, or of the right input under weak keys.
	hsT := g.token0(k.hs1)
	input := hsT[:strings.LastIndexByte(hsT, '.')]
	parts := strings.Split(hsT, ".")
	ok("control-hs256", srcHS+" (positive control)", hsT)
	for _, c := range []struct {
		name string
		mac  []byte
	}{
		{"mac-of-header-only", hs256(k.hsSecret1, []byte(parts[0]))},
		{"mac-of-payload-only", hs256(k.hsSecret1, []byte(parts[1]))},
		{"mac-of-input-with-trailing-dot", hs256(k.hsSecret1, []byte(input+"."))},
		{"mac-of-decoded-json", hs256(k.hsSecret1, append([]byte(header(k.hs1).String()+"."), claims().String()...))},
		{"mac-of-empty-input", hs256(k.hsSecret1, nil)},
		{"sha256-without-key", sha256Of([]byte(input))},
		{"mac-with-secret-as-base64url-text", hs256([]byte(b64.EncodeToString(k.hsSecret1)), []byte(input))},
		{"mac-with-truncated-secret", hs256(k.hsSecret1[:16], []byte(input))},
		{"mac-with-secret-doubled", hs256(append(append([]byte(nil), k.hsSecret1...), k.hsSecret1...), []byte(input))},
		{"one-byte-mac", hs256(k.hsSecret1, []byte(input))[:1]},
		{"64-byte-mac-sha512-length", append(hs256(k.hsSecret1, []byte(input)), make([]byte, 32)...)},
	} {
		bad("hs256-"+c.name, srcHSAtk, withSig(hsT, c.mac))
	}

	// Splices across keys and algorithms: every part genuine, the whole not.
	edParts, ecParts := strings.Split(edT, "."), strings.Split(ecT, ".")
	bad("splice-eddsa-header-es256-payload-and-signature", srcSplice, edParts[0]+"."+ecParts[1]+"."+ecParts[2])
	bad("splice-es256-header-eddsa-payload-and-signature", srcSplice, ecParts[0]+"."+edParts[1]+"."+edParts[2])
	bad("splice-hs256-header-rs256-signature", srcSplice, parts[0]+"."+parts[1]+"."+strings.Split(rsT, ".")[2])
	adminEd := strings.Split(otherEd, ".")
	bad("splice-admin-payload-under-valid-header-and-signature", srcSplice, edParts[0]+"."+adminEd[1]+"."+edParts[2])
	return f
}

// p256P is the P-256 field prime.
func p256P() *big.Int {
	p, _ := new(big.Int).SetString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16)
	return p
}

// ed25519L is the order of the Ed25519 base point.
func ed25519L() *big.Int {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	return l
}

// littleEndian encodes x in n little-endian bytes.
func littleEndian(x *big.Int, n int) []byte {
	be := x.FillBytes(make([]byte, n))
	out := make([]byte, n)
	for i := range be {
		out[i] = be[n-1-i]
	}
	return out
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// setTopBit flips the most significant bit of a little-endian 32-byte value.
func setTopBit(b []byte) []byte {
	out := append([]byte(nil), b...)
	out[len(out)-1] ^= 0x80
	return out
}

// stripLeading drops leading zero bytes.
func stripLeading(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func sha256Of(b []byte) []byte { d := sha256.Sum256(b); return d[:] }

// ed25519PH signs the token's input with Ed25519ph (pre-hashed, RFC 8032
// section 5.1), the variant a JWS EdDSA signature is not.
func ed25519PH(k *keys, token string) []byte {
	input := []byte(token[:strings.LastIndexByte(token, '.')])
	d := sha512.Sum512(input)
	sig, err := k.edPriv1.Sign(nil, d[:], &ed25519.Options{Hash: crypto.SHA512})
	if err != nil {
		panic(err)
	}
	return sig
}
