package ed25519vt

import (
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

// limbOffsets are the bit positions of a fieldElement's limbs.
var limbOffsets = [10]uint{0, 26, 51, 77, 102, 128, 153, 179, 204, 230}

var bigP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// bigOf is the value of f's limbs, whatever their size, modulo p.
func bigOf(f *fieldElement) *big.Int {
	v := new(big.Int)
	for i, l := range f {
		v.Add(v, new(big.Int).Lsh(big.NewInt(int64(l)), limbOffsets[i]))
	}
	return v.Mod(v, bigP)
}

func bigBytes(v *big.Int) [32]byte {
	var s [32]byte
	b := v.Bytes()
	for i := range b {
		s[i] = b[len(b)-1-i]
	}
	return s
}

// loose returns limbs up to what the group formulas hand feMul and
// feSquare without a carry: a sum or difference of three reduced values
// (double's completed X and T), each limb within ±3·(2^25 or 2^24) plus a
// little; the edges of that range, and random values in it.
func loose(rng *mrand.Rand, n int) []fieldElement {
	const even, odd = 3*(1<<25) + 3, 3*(1<<24) + 3
	bound := func(i int) int32 {
		if i%2 == 0 {
			return even
		}
		return odd
	}
	var out []fieldElement
	for _, pattern := range []func(i int) int32{
		func(i int) int32 { return bound(i) },
		func(i int) int32 { return -bound(i) },
		func(i int) int32 { return bound(i) * int32(1-2*(i%2)) },
		func(i int) int32 { return bound(i) * int32(2*(i%2)-1) },
		func(i int) int32 { return bound(i) - 1 },
		func(i int) int32 { return 0 },
	} {
		var f fieldElement
		for i := range f {
			f[i] = pattern(i)
		}
		out = append(out, f)
	}
	for range n {
		var f fieldElement
		for i := range f {
			b := int64(bound(i))
			switch rng.IntN(4) {
			case 0: // an edge
				f[i] = int32(b) * int32(1-2*rng.IntN(2))
			default:
				f[i] = int32(rng.Int64N(2*b+1) - b)
			}
		}
		out = append(out, f)
	}
	return out
}

// reduced reports whether h is within feMul's postcondition, which
// feToBytes and the next multiplication rely on.
func reduced(h *fieldElement) bool {
	for i, l := range h {
		b := int32(1<<25 + 1<<21)
		if i%2 == 1 {
			b = 1<<24 + 1<<20
		}
		if l > b || l < -b {
			return false
		}
	}
	return true
}

// TestLooseLimbs holds feMul, feSquare, feSquare2 and feCarry to math/big
// on inputs whose limbs are as large as the group formulas make them, not
// only on the reduced ones feFromBytes gives: an overflow in the int32
// precomputations (2·f, 19·g) or in a carry shows only there.
func TestLooseLimbs(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(21, 22))
	fs := loose(rng, 3000)
	for i := range fs {
		f, g := &fs[i], &fs[(i*13+5)%len(fs)]
		bf, bg := bigOf(f), bigOf(g)
		check := func(name string, h *fieldElement, want *big.Int) {
			t.Helper()
			if !reduced(h) {
				t.Fatalf("%s(%v, %v): limbs %v outside the postcondition", name, f, g, h)
			}
			if got, w := toBytes(h), bigBytes(want); got != w {
				t.Fatalf("%s(%v, %v) = %x, want %x", name, f, g, got, w)
			}
		}
		var h fieldElement
		feMul(&h, f, g)
		check("mul", &h, new(big.Int).Mod(new(big.Int).Mul(bf, bg), bigP))
		feSquare(&h, f)
		check("square", &h, new(big.Int).Mod(new(big.Int).Mul(bf, bf), bigP))
		feSquare2(&h, f)
		check("square2", &h, new(big.Int).Mod(new(big.Int).Lsh(new(big.Int).Mul(bf, bf), 1), bigP))
		feCarry(&h, f)
		check("carry", &h, bf)
	}
}

// extremeScalars returns, for window w, canonical scalars whose base-2^w
// digits are all at an edge before recoding: all ones (every digit
// becomes −1 with a carry into the next, up to the top one), every digit
// exactly 2^(w−1) (the largest kept as is) and every digit 2^(w−1)+1 (the
// smallest made negative), each cut below 2^252 < L.
func extremeScalars(t testing.TB, w int) []*edwards25519.Scalar {
	t.Helper()
	var out []*edwards25519.Scalar
	for _, digit := range []int64{1<<w - 1, 1 << (w - 1), 1<<(w-1) + 1} {
		v := new(big.Int)
		for i := 0; i*w < 252; i++ {
			v.Or(v, new(big.Int).Lsh(big.NewInt(digit), uint(i*w)))
		}
		v.SetBit(v, 252, 0)
		v.And(v, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 252), big.NewInt(1)))
		b := bigBytes(v)
		s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestSumExtremeDigits holds Sum to filippo.io/edwards25519 for scalars
// whose digits are all at a recoding edge, in every window.
func TestSumExtremeDigits(t *testing.T) {
	b := edwards25519.NewGeneratorPoint()
	p := new(edwards25519.Point).ScalarBaseMult(scalars(t, mrand.New(mrand.NewPCG(1, 2)), 1)[7])
	for w := MinWindow; w <= MaxWindow; w++ {
		tp, tb := NewTable(p, w), NewTable(b, w)
		ss := extremeScalars(t, w)
		for _, s := range ss {
			for _, u := range ss {
				want := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(s, p, u).Bytes()
				if got := Sum(tp, s, tb, u); string(got[:]) != string(want) {
					t.Fatalf("window %d: [%x]P + [%x]B = %x, filippo %x", w, s.Bytes(), u.Bytes(), got, want)
				}
			}
		}
	}
}
