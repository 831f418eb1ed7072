package edgeauth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"math/big"
	"testing"

	"filippo.io/edwards25519"

	"github.com/craftingapis/todos/edgeauth/internal/ed25519vt"
)

// An independent model of Ed25519 public keys in math/big (RFC 8032
// section 5.1.3 decoding, affine complete addition), to judge the key rule
// without filippo.io/edwards25519: a key is accepted exactly when it
// decodes canonically to a point whose order is not a divisor of 8.
var (
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edD = func() *big.Int {
		d := new(big.Int).ModInverse(big.NewInt(121666), edP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, edP)
	}()
)

type edAffine struct{ x, y *big.Int }

// edDecode decodes enc; canonical is false for y ≥ p or for x = 0 with the
// sign bit set, ok is false if enc is no point at all.
func edDecode(enc []byte) (pt edAffine, canonical, ok bool) {
	b := reverse(append([]byte(nil), enc...))
	sign := b[0] >> 7
	b[0] &= 0x7f
	y := new(big.Int).SetBytes(b)
	canonical = y.Cmp(edP) < 0
	y.Mod(y, edP)
	y2 := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Mul(edD, y2)
	v.Add(v, big.NewInt(1))
	x2 := u.Mul(u, new(big.Int).ModInverse(v.Mod(v, edP), edP))
	x := new(big.Int).ModSqrt(x2.Mod(x2, edP), edP)
	if x == nil {
		return edAffine{}, false, false
	}
	if x.Sign() == 0 && sign == 1 {
		canonical = false
	}
	if x.Bit(0) != uint(sign) {
		x.Sub(edP, x).Mod(x, edP)
	}
	return edAffine{x, y}, canonical, true
}

func edAdd(a, b edAffine) edAffine {
	xx := new(big.Int).Mul(a.x, b.x)
	yy := new(big.Int).Mul(a.y, b.y)
	dxy := new(big.Int).Mul(edD, xx)
	dxy.Mul(dxy, yy).Mod(dxy, edP)
	x := new(big.Int).Add(new(big.Int).Mul(a.x, b.y), new(big.Int).Mul(a.y, b.x))
	x.Mul(x, new(big.Int).ModInverse(new(big.Int).Add(big.NewInt(1), dxy), edP))
	y := new(big.Int).Add(yy, xx) // −x² + y² = …: a = −1
	y.Mul(y, new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(big.NewInt(1), dxy), edP), edP))
	return edAffine{x.Mod(x, edP), y.Mod(y, edP)}
}

func edLowOrder(a edAffine) bool {
	for range 3 {
		a = edAdd(a, a)
	}
	return a.x.Sign() == 0 && a.y.Cmp(big.NewInt(1)) == 0
}

// edKeyAcceptable is the key rule by the model.
func edKeyAcceptable(enc []byte) bool {
	pt, canonical, ok := edDecode(enc)
	return ok && canonical && !edLowOrder(pt)
}

// edLowOrderKeys are the encodings of the eight points of order dividing 8,
// and non-canonical encodings of some of them (y ≥ p, or x = 0 with the
// sign bit set).
var edLowOrderKeys = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"0100000000000000000000000000000000000000000000000000000000000080", // x = 0, sign 1
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
}

func TestEd25519KeyModel(t *testing.T) {
	for i, h := range edLowOrderKeys {
		enc, _ := hex.DecodeString(h)
		pt, canonical, ok := edDecode(enc)
		if !ok || !edLowOrder(pt) {
			t.Errorf("%s: the model says it is not a low-order point", h)
		}
		if canonical != (i < 8) {
			t.Errorf("%s: canonical = %v by the model", h, canonical)
		}
	}
	pub, _ := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	if !edKeyAcceptable(pub) {
		t.Error("the model refuses a generated key")
	}
}

// edFuzzKeys keeps the verifiers built for one fuzz run's keys (a table is
// costly to build), at most a few dozen.
type edFuzzKeys map[string][]*ed25519Key

// FuzzEd25519 is the differential test of the Ed25519 verifier against
// crypto/ed25519.Verify: keys from a seed or raw bytes (non-canonical and
// low-order encodings among the seeds), messages, signatures made by the
// standard library and then damaged by an XOR mask or replaced outright.
// A key the Config code accepts must be acceptable by the math/big model
// above, and for every accepted key each form of our verifier (no table,
// filippo.io/edwards25519's table, ed25519vt's tables) must answer as the
// standard library does.
func FuzzEd25519(f *testing.F) {
	for _, h := range edLowOrderKeys {
		pub, _ := hex.DecodeString(h)
		f.Add([]byte("seed"), pub, []byte("msg"), []byte(nil))
	}
	f.Add([]byte{}, []byte(nil), []byte("eyJhbGciOiJFZERTQSJ9.e30"), []byte(nil))
	f.Add([]byte{1}, []byte(nil), []byte{}, []byte{0x80})
	sPlusL := make([]byte, 64)
	copy(sPlusL[32:], []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10})
	f.Add([]byte{2}, []byte(nil), []byte("m"), sPlusL) // adds L to S (XOR, so not always)
	f.Add([]byte{3}, []byte(nil), []byte("m"), append(make([]byte, 31), 0x80))
	raw := append(make([]byte, 64), hexBytes(f, edLowOrderKeys[4])...)
	f.Add([]byte{4}, []byte(nil), []byte("m"), append(raw, make([]byte, 32)...)) // R of order 8, S = 0
	keys := edFuzzKeys{}
	f.Fuzz(func(t *testing.T, seed, pub, msg, edit []byte) {
		s := sha256.Sum256(seed)
		priv := ed25519.NewKeyFromSeed(s[:])
		if len(pub) != 32 {
			pub = priv.Public().(ed25519.PublicKey)
		}
		sig := ed25519.Sign(priv, msg)
		if len(edit) > 64 {
			sig = edit[64:]
		} else {
			for i, b := range edit {
				sig[i] ^= b
			}
		}
		verifiers, seen := keys[string(pub)]
		if !seen {
			verifiers = edVerifiers(t, pub)
			if len(keys) >= 32 {
				clear(keys)
			}
			keys[string(pub)] = verifiers
		}
		if model := edKeyAcceptable(pub); (verifiers != nil) != model {
			t.Fatalf("key %x: accepted %v, the model says %v", pub, verifiers != nil, model)
		}
		want := ed25519.Verify(pub, msg, sig)
		for i, k := range verifiers {
			if got := k.verify(msg, sig); got != want {
				t.Fatalf("key %x, variant %d (none, a key table, ed25519vt's tables): got %v, crypto/ed25519 says %v for %x", pub, i, got, want, sig)
			}
		}
	})
}

// edVerifiers returns our verifiers of pub in each form, or nil if the
// Config code refuses pub as a key.
func edVerifiers(t testing.TB, pub []byte) []*ed25519Key {
	var out []*ed25519Key
	for _, tables := range []*tableCache{nil, new(tableCache), {forceRef10: true}} {
		var k key
		if err := k.setEd25519(&jwkFields{kty: "OKP", crv: "Ed25519", x: b64(pub)}, tables); err != nil {
			return nil
		}
		if tables != nil && !hasTable(k.ed) {
			t.Fatal("a key with a table cache got no table")
		}
		out = append(out, k.ed)
	}
	return out
}

func hexBytes(t testing.TB, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkEd25519 times one verification in each form, and its parts
// outside the tables (hashing and scalar decoding), for a wasip1 test binary
// as much as natively.
func BenchmarkEd25519(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("eyJhbGciOiJFZERTQSIsImtpZCI6ImVkIiwidHlwIjoiYXQrand0In0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoidG9kb3MiLCJzdWIiOiJ1c2Vycy80MiIsImV4cCI6MTcwMDAwMDAwMX0")
	sig := ed25519.Sign(priv, msg)
	for i, v := range []string{"no-table", "filippo-table", "ed25519vt-tables"} {
		k := edVerifiers(b, pub)[i]
		b.Run(v, func(b *testing.B) {
			for b.Loop() {
				if !k.verify(msg, sig) {
					b.Fatal("a valid signature failed")
				}
			}
		})
	}
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	// The sum R' = [k](−A) + [S]B alone: from filippo.io/edwards25519
	// comb tables of −A and B (what the wasm build did before ed25519vt),
	// and from ed25519vt's.
	var digest [64]byte
	copy(digest[:], msg)
	hk, _ := edwards25519.NewScalar().SetUniformBytes(digest[:])
	s, _ := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	negA, _ := new(edwards25519.Point).SetBytes(pub)
	negA.Negate(negA)
	combA, combB := newCombTable(negA), newCombTable(edwards25519.NewGeneratorPoint())
	b.Run("sum/filippo-comb-tables", func(b *testing.B) {
		for b.Loop() {
			var r edwards25519.Point
			combA.addMult(r.Set(edwards25519.NewIdentityPoint()), digitsLE(hk.Bytes()))
			combB.addMult(&r, digitsLE(s.Bytes()))
			_ = r.Bytes()
		}
	})
	vtA := ed25519vt.NewTable(negA, ed25519KeyWindow)
	vtB := ed25519vt.NewTable(edwards25519.NewGeneratorPoint(), ed25519BaseWindow)
	b.Run("sum/ed25519vt-tables", func(b *testing.B) {
		for b.Loop() {
			_ = ed25519vt.Sum(vtA, hk, vtB, s)
		}
	})
	b.Run("table/filippo-comb", func(b *testing.B) {
		for b.Loop() {
			_ = newCombTable(negA)
		}
	})
	b.Run("table/ed25519vt", func(b *testing.B) {
		for b.Loop() {
			_ = ed25519vt.NewTable(negA, ed25519KeyWindow)
		}
	})
	b.Run("hash-and-scalars", func(b *testing.B) { // what verify does besides the sum
		for b.Loop() {
			s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
			if err != nil {
				b.Fatal(err)
			}
			h := sha512.New()
			h.Write(sig[:32])
			h.Write(pub)
			h.Write(msg)
			var digest [sha512.Size]byte
			hk, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
			_, _ = s.Bytes(), hk.Bytes()
		}
	})
}
