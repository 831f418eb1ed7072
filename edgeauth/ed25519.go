package edgeauth

import (
	"crypto/sha512"
	"sync"

	"filippo.io/edwards25519"

	"github.com/craftingapis/todos/edgeauth/internal/ed25519vt"
)

// ed25519Key is a validated Ed25519 public key A (canonical, not of low
// order; see setEd25519), ready to verify.
type ed25519Key struct {
	enc  [32]byte
	negA edwards25519.Point // −A, decoded once rather than on every check

	// The precomputed multiples of −A, in one of two forms (see
	// ref10Tables): filippo.io/edwards25519 points, or ed25519vt's table.
	table  keyTable[edwards25519.Point, *edwards25519.Point]
	vtOnce sync.Once
	vt     *ed25519vt.Table
}

// newEd25519Key returns the key A; tables is where its precomputed table
// is kept, nil for a key that gets none.
func newEd25519Key(enc []byte, a *edwards25519.Point, tables *tableCache) *ed25519Key {
	k := &ed25519Key{}
	k.table.cache = tables
	copy(k.enc[:], enc)
	k.negA.Negate(a)
	return k
}

// verify is RFC 8032 section 5.1.7 exactly as crypto/ed25519.Verify does it
// (a test holds the two to the same answers): S must be canonical (S < L),
// and the check is the cofactorless [S]B = R + [k]A, computed as
// R' = [S]B + [k](−A) and compared with R byte for byte, so a
// non-canonical R never matches.
func (k *ed25519Key) verify(msg, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(k.enc[:])
	h.Write(msg)
	var digest [sha512.Size]byte
	hk, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0])) // 64 bytes: cannot fail

	if t := k.vtTable(); t != nil {
		r := ed25519vt.Sum(t, hk, k.table.cache.ed25519Base(), s)
		return string(r[:]) == string(sig[:32])
	}
	var r edwards25519.Point
	if t := k.precomputed(); t != nil {
		var sB edwards25519.Point
		t.addMult(r.Set(edwards25519.NewIdentityPoint()), digitsLE(hk.Bytes()))
		r.Add(&r, sB.ScalarBaseMult(s))
	} else {
		r.VarTimeDoubleScalarBaseMult(hk, &k.negA, s)
	}
	return string(r.Bytes()) == string(sig[:32])
}

// precomputed returns the table of −A as filippo.io/edwards25519 points,
// or nil if this key has none or has an ed25519vt table instead.
func (k *ed25519Key) precomputed() *combTable[edwards25519.Point, *edwards25519.Point] {
	if k.table.cache.ref10() {
		return nil
	}
	return k.table.get("EdDSA:", k.enc[:], &k.negA)
}

// vtTable returns the ed25519vt table of −A, or nil if this key has none
// or has filippo.io/edwards25519 points instead.
func (k *ed25519Key) vtTable() *ed25519vt.Table {
	if !k.table.cache.ref10() {
		return nil
	}
	k.vtOnce.Do(func() {
		k.vt = cachedTable(k.table.cache, "EdDSA/ref10:"+string(k.enc[:]), func() *ed25519vt.Table {
			return ed25519vt.NewTable(&k.negA, ed25519KeyWindow)
		})
	})
	return k.vt
}
