package edgeauth

import (
	"crypto/sha256"
	"math/big"

	"filippo.io/nistec"
)

// ES256 is ECDSA over P-256 with SHA-256 (RFC 7518 section 3.4), verified
// here on filippo.io/nistec rather than crypto/ecdsa: crypto/ecdsa links
// every NIST curve and its FIPS self-tests into the module (a large part of
// the gzipped module, for the one curve we use; "Module size" in
// tests/bench/BENCHMARKS.md), and its constant-time scalar inversion is slow
// in wasm. A verifier handles only public values, so
// variable time is fine. A test holds this to crypto/ecdsa's answers.

// p256Order is n, the order of the P-256 group, big-endian.
var p256Order = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
}

var p256N = new(big.Int).SetBytes(p256Order[:])

// p256Key is a validated P-256 public key Q (on the curve, not infinity).
type p256Key struct {
	enc [65]byte // uncompressed SEC 1 encoding
	q   *nistec.P256Point

	table keyTable[nistec.P256Point, *nistec.P256Point] // multiples of Q
}

// newP256Key decodes an uncompressed point; nistec refuses coordinates
// outside the field and points off the curve. tables is where its
// precomputed table is kept, nil for a key that gets none.
func newP256Key(enc []byte, tables *tableCache) (*p256Key, error) {
	q, err := nistec.NewP256Point().SetBytes(enc)
	if err != nil {
		return nil, err
	}
	k := &p256Key{q: q}
	k.table.cache = tables
	copy(k.enc[:], enc)
	return k, nil
}

// verify checks a JWS ES256 signature: exactly 64 bytes, r‖s, each a
// big-endian integer in [1, n-1], then SEC 1 v2 section 4.1.4. High-S
// signatures are valid ECDSA and are accepted; revocation therefore keys on
// jti, never on token bytes.
func (k *p256Key) verify(signingInput, sig []byte) bool {
	if len(sig) != 64 || !inScalarRange(sig[:32]) || !inScalarRange(sig[32:]) {
		return false
	}
	h := sha256.Sum256(signingInput)
	var r, s, e, w, u big.Int
	r.SetBytes(sig[:32])
	s.SetBytes(sig[32:])
	e.SetBytes(h[:]) // a 256-bit hash for a 256-bit order: no truncation
	w.ModInverse(&s, p256N)

	var u1, u2 [32]byte
	u.Mul(&e, &w).Mod(&u, p256N).FillBytes(u1[:])
	u.Mul(&r, &w).Mod(&u, p256N).FillBytes(u2[:])

	p, err := nistec.NewP256Point().ScalarBaseMult(u1[:])
	if err != nil {
		return false
	}
	var q *nistec.P256Point
	if t := k.precomputed(); t != nil {
		q = t.addMult(nistec.NewP256Point(), digitsBE(u2[:]))
	} else if q, err = nistec.NewP256Point().ScalarMult(k.q, u2[:]); err != nil {
		return false
	}
	x, err := p.Add(p, q).BytesX()
	if err != nil {
		return false // the point at infinity
	}
	// v = x mod n. x < p < 2n, so one subtraction reduces it.
	u.SetBytes(x)
	if u.Cmp(p256N) >= 0 {
		u.Sub(&u, p256N)
	}
	return u.Cmp(&r) == 0
}

// precomputed returns the table of Q, or nil if this key has none.
func (k *p256Key) precomputed() *combTable[nistec.P256Point, *nistec.P256Point] {
	return k.table.get("ES256:", k.enc[:], k.q)
}

// inScalarRange reports whether the 32-byte big-endian v is in [1, n-1].
func inScalarRange(v []byte) bool {
	zero := true
	for _, b := range v {
		if b != 0 {
			zero = false
			break
		}
	}
	if zero {
		return false
	}
	for i, b := range v {
		if b != p256Order[i] {
			return b < p256Order[i]
		}
	}
	return false // v == n
}
