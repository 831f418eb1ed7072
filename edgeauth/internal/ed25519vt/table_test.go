package ed25519vt

import (
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

// scalars returns canonical scalars to test with: 0, 1, small values, the
// digit boundaries, L − 1 and random ones.
func scalars(t testing.TB, rng *mrand.Rand, n int) []*edwards25519.Scalar {
	t.Helper()
	lm1 := [32]byte{0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10}
	fixed := [][32]byte{{}, {1}, {0x08}, {0x09}, {0x10}, {0x11}, {0x20}, {0x21}, {0x40}, {0x41}, {0x80}, {0x81},
		{0xff, 0xff, 0xff}, {31: 0x0f}, lm1}
	var out []*edwards25519.Scalar
	for _, b := range fixed {
		s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	for range n {
		var b [64]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		s, _ := edwards25519.NewScalar().SetUniformBytes(b[:])
		out = append(out, s)
	}
	return out
}

func TestSignedDigits(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(9, 10))
	ss := scalars(t, rng, 200)
	for w := MinWindow; w <= MaxWindow; w++ {
		half := 1 << (w - 1)
		for _, s := range ss {
			var d [maxRows]int16
			n := signedDigits(&d, s, w)
			sum := new(big.Int)
			for i := n - 1; i >= 0; i-- {
				if int(d[i]) < -half+1 || int(d[i]) > half {
					t.Fatalf("window %d, %x: digit %d is %d, outside the table", w, s.Bytes(), i, d[i])
				}
				sum.Lsh(sum, uint(w))
				sum.Add(sum, big.NewInt(int64(d[i])))
			}
			b := s.Bytes()
			for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
				b[i], b[j] = b[j], b[i]
			}
			if want := new(big.Int).SetBytes(b); sum.Cmp(want) != 0 {
				t.Fatalf("window %d: digits sum to %v, want %v", w, sum, want)
			}
		}
	}
}

// TestSumMatchesFilippo holds Sum to filippo.io/edwards25519's scalar
// multiplications: [s]P + [u]B for keys P (including −A forms) and the base
// point B.
func TestSumMatchesFilippo(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(11, 12))
	ss := scalars(t, rng, 20)
	b := edwards25519.NewGeneratorPoint()
	for w := MinWindow; w <= MaxWindow; w++ {
		tb := NewTable(b, MaxWindow+MinWindow-w)
		p := new(edwards25519.Point).ScalarBaseMult(ss[len(ss)-1-w])
		if w%2 == 1 {
			p.Negate(p)
		}
		tp := NewTable(p, w)
		for i, s := range ss {
			u := ss[(i*5+w)%len(ss)]
			want := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(s, p, u).Bytes()
			if got := Sum(tp, s, tb, u); string(got[:]) != string(want) {
				t.Fatalf("windows %d and %d: [%x]P + [%x]B = %x, filippo %x", tp.window, tb.window, s.Bytes(), u.Bytes(), got, want)
			}
		}
	}
}

// TestTableEntries checks every entry of a table against filippo's
// multiples, so a wrong row or digit cannot hide behind the scalars tried.
func TestTableEntries(t *testing.T) {
	p := new(edwards25519.Point).ScalarBaseMult(scalars(t, mrand.New(mrand.NewPCG(13, 14)), 1)[7])
	for w := MinWindow; w <= MaxWindow; w++ {
		tp := NewTable(p, w)
		half := 1 << (w - 1)
		if len(tp.entries) != rows(w)*half {
			t.Fatalf("window %d: %d entries, want %d", w, len(tp.entries), rows(w)*half)
		}
		m := new(edwards25519.Point).Set(p) // 2^(w·i)·p
		for i := range rows(w) {
			v := new(edwards25519.Point).Set(m)
			for d := range half {
				e := &tp.entries[i*half+d]
				var acc extended
				acc.setIdentity()
				var c completed
				acc.addNiels(e, false, &c)
				if got, want := acc.bytes(), v.Bytes(); string(got[:]) != string(want) {
					t.Fatalf("window %d, row %d, entry %d: %x, want %x", w, i, d+1, got, want)
				}
				acc.addNiels(e, true, &c)
				if got, want := acc.bytes(), edwards25519.NewIdentityPoint().Bytes(); string(got[:]) != string(want) {
					t.Fatalf("window %d, row %d, entry %d: P − P = %x, want the identity", w, i, d+1, got)
				}
				v.Add(v, m)
			}
			for range w {
				m.Add(m, m)
			}
		}
	}
}

func TestNewTableWindowRange(t *testing.T) {
	for _, w := range []int{MinWindow - 1, MaxWindow + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("window %d: no panic", w)
				}
			}()
			NewTable(edwards25519.NewGeneratorPoint(), w)
		}()
	}
}
