package ed25519vt

import (
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519/field"
)

// randomElements returns field elements to test with: edge values (0, 1,
// p−1, 2^255−20 and 2^255−1, which encode p−1 and 18 non-canonically) and
// random ones.
func randomElements(t testing.TB, rng *mrand.Rand, n int) [][32]byte {
	t.Helper()
	ff := [32]byte{}
	for i := range ff {
		ff[i] = 0xff
	}
	pm1 := ff
	pm1[0], pm1[31] = 0xec, 0x7f
	top := ff // 2^256 − 1: feFromBytes ignores bit 255
	out := [][32]byte{{}, {1}, pm1, {0: 0xed, 31: 0x80}, top}
	for range n {
		var b [32]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		out = append(out, b)
	}
	return out
}

// filippoElement is the same 255-bit value as a filippo.io field element.
func filippoElement(t testing.TB, b [32]byte) *field.Element {
	t.Helper()
	e, err := new(field.Element).SetBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func toBytes(f *fieldElement) [32]byte {
	var s [32]byte
	feToBytes(&s, f)
	return s
}

// TestFieldMatchesFilippo holds the ref10 field operations to
// filippo.io/edwards25519/field on the same inputs, byte for byte (both
// encode canonically).
func TestFieldMatchesFilippo(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(7, 8))
	elems := randomElements(t, rng, 60)
	for i, ab := range elems {
		bb := elems[(i*7+3)%len(elems)]
		var a, b, h fieldElement
		feFromBytes(&a, &ab)
		feFromBytes(&b, &bb)
		fa, fb := filippoElement(t, ab), filippoElement(t, bb)

		if got, want := toBytes(&a), fa.Bytes(); string(got[:]) != string(want) {
			t.Fatalf("%x: encode(decode) = %x, filippo %x", ab, got, want)
		}
		cases := []struct {
			name string
			got  func() fieldElement
			want *field.Element
		}{
			{"mul", func() fieldElement { feMul(&h, &a, &b); return h }, new(field.Element).Multiply(fa, fb)},
			{"square", func() fieldElement { feSquare(&h, &a); return h }, new(field.Element).Square(fa)},
			{"square2", func() fieldElement {
				feSquare2(&h, &a)
				return h
			}, new(field.Element).Add(new(field.Element).Square(fa), new(field.Element).Square(fa))},
			{"add", func() fieldElement { feAdd(&h, &a, &b); return h }, new(field.Element).Add(fa, fb)},
			{"sub", func() fieldElement { feSub(&h, &a, &b); return h }, new(field.Element).Subtract(fa, fb)},
			{"neg", func() fieldElement { feNeg(&h, &a); return h }, new(field.Element).Negate(fa)},
			{"carry of a sum", func() fieldElement { feAdd(&h, &a, &b); feCarry(&h, &h); return h }, new(field.Element).Add(fa, fb)},
			{"invert", func() fieldElement { feInvert(&h, &a); return h }, new(field.Element).Invert(fa)},
			{"square 5 times", func() fieldElement { feSquareN(&h, &a, 5); return h }, filippoSquares(fa, 5)},
			{"square once", func() fieldElement { feSquareN(&h, &a, 1); return h }, new(field.Element).Square(fa)},
			{"sum of sum-and-difference", func() fieldElement { var d fieldElement; feSumDiff(&h, &d, &a, &b); return h }, new(field.Element).Add(fa, fb)},
			{"difference of sum-and-difference", func() fieldElement { var s fieldElement; feSumDiff(&s, &h, &a, &b); return h }, new(field.Element).Subtract(fa, fb)},
			{"sum-and-difference in place", func() fieldElement { h = a; d := b; feSumDiff(&h, &d, &h, &d); feMul(&h, &h, &d); return h },
				new(field.Element).Multiply(new(field.Element).Add(fa, fb), new(field.Element).Subtract(fa, fb))},
			{"doubled sum", func() fieldElement { var d fieldElement; feDoubleSumDiff(&h, &d, &a, &b); return h }, new(field.Element).Add(new(field.Element).Add(fa, fa), fb)},
			{"doubled difference", func() fieldElement { var s fieldElement; feDoubleSumDiff(&s, &h, &a, &b); return h }, new(field.Element).Subtract(new(field.Element).Add(fa, fa), fb)},
			{"mul by 2d", func() fieldElement { feMul(&h, &a, &d2); return h }, new(field.Element).Multiply(fa, filippoD2(t))},
		}
		for _, c := range cases {
			r := c.got()
			if got, want := toBytes(&r), c.want.Bytes(); string(got[:]) != string(want) {
				t.Fatalf("%s(%x, %x) = %x, filippo %x", c.name, ab, bb, got, want)
			}
		}
		if got, want := feIsNegative(&a), byte(fa.IsNegative()); got != want {
			t.Fatalf("isNegative(%x) = %d, filippo %d", ab, got, want)
		}
	}
}

// filippoSquares returns f^(2^n) by n squarings.
func filippoSquares(f *field.Element, n int) *field.Element {
	r := new(field.Element).Set(f)
	for range n {
		r.Square(r)
	}
	return r
}

// filippoD2 is 2d computed from d = −121665/121666 with filippo's field.
func filippoD2(t testing.TB) *field.Element {
	t.Helper()
	num := filippoElement(t, [32]byte{0: 0x41, 1: 0xdb, 2: 0x01}) // 121665
	den := filippoElement(t, [32]byte{0: 0x42, 1: 0xdb, 2: 0x01}) // 121666
	d := new(field.Element).Multiply(new(field.Element).Negate(num), new(field.Element).Invert(den))
	return d.Add(d, d)
}
