package ed25519vt

import (
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519/field"
)

func TestInvertConstants(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	got := new(big.Int)
	for i := len(p30) - 1; i >= 0; i-- {
		got.Lsh(got, 30).Add(got, big.NewInt(int64(p30[i])))
	}
	if got.Cmp(p) != 0 {
		t.Fatalf("p30 = %v, want %v", got, p)
	}
	if r := uint32(p30[0]) * p30Inv & mask30; r != 1 {
		t.Fatalf("p·p30Inv = %d mod 2^30, want 1", r)
	}
}

// invertCases are values whose divsteps run unusually: small numbers,
// values near p and near powers of two (long runs of equal bits, so long
// runs of even g), and values above p in ref10's limbs.
func invertCases() [][32]byte {
	var out [][32]byte
	fromBig := func(v *big.Int) {
		var b [32]byte
		v.FillBytes(b[:])
		for i := range 16 {
			b[i], b[31-i] = b[31-i], b[i]
		}
		out = append(out, b)
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	for k := int64(0); k < 64; k++ {
		fromBig(big.NewInt(k))
		fromBig(new(big.Int).Sub(p, big.NewInt(k+1)))
	}
	for n := uint(1); n < 255; n++ {
		pow := new(big.Int).Lsh(big.NewInt(1), n)
		fromBig(pow)
		fromBig(new(big.Int).Sub(pow, big.NewInt(1)))
		fromBig(new(big.Int).Add(pow, big.NewInt(1)))
		fromBig(new(big.Int).Sub(p, pow))
	}
	return out
}

// TestInvert holds the divsteps inversion to filippo.io's (Fermat's)
// on edge values, random values, and loosely carried limbs (a product's and
// a sum's), which it must read as the values they stand for.
func TestInvert(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(11, 12))
	elems := append(invertCases(), randomElements(t, rng, 5000)...)
	check := func(a *fieldElement, fa *field.Element, what string) {
		t.Helper()
		var h fieldElement
		feInvert(&h, a)
		if got, want := toBytes(&h), new(field.Element).Invert(fa).Bytes(); string(got[:]) != string(want) {
			t.Fatalf("1/%s = %x, want %x", what, got, want)
		}
	}
	for i, ab := range elems {
		var a fieldElement
		feFromBytes(&a, &ab)
		fa := filippoElement(t, ab)
		check(&a, fa, "element")
		bb := elems[(i*13+5)%len(elems)]
		var b, prod, sum fieldElement
		feFromBytes(&b, &bb)
		fb := filippoElement(t, bb)
		feMul(&prod, &a, &b)
		check(&prod, new(field.Element).Multiply(fa, fb), "product")
		feAdd(&sum, &a, &b) // uncarried: limbs up to twice their usual bound
		check(&sum, new(field.Element).Add(fa, fb), "sum")
	}
}

func FuzzInvert(f *testing.F) {
	for _, b := range invertCases()[:32] {
		f.Add(b[:])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var b [32]byte
		copy(b[:], in)
		b[31] &= 0x7f
		var a, h fieldElement
		feFromBytes(&a, &b)
		feInvert(&h, &a)
		if got, want := toBytes(&h), new(field.Element).Invert(filippoElement(t, b)).Bytes(); string(got[:]) != string(want) {
			t.Fatalf("1/%x = %x, want %x", b, got, want)
		}
	})
}

// TestDivstepsAreTextbook runs whole inversions batch by batch against
// Bernstein and Yang's divstep taken one at a time on full integers: each
// batch's eta and matrix must be exactly those of 30 plain divsteps, with
// the matrix bound the updates rely on, d and e must stay in (−2p, p), and
// g must reach zero within maxBatches.
func TestDivstepsAreTextbook(t *testing.T) {
	// Bernstein and Yang's bound for inputs of 256 bits (f = p, 0 ≤ g < p).
	const provenDivsteps = 724
	if maxBatches*30 < provenDivsteps {
		t.Fatalf("maxBatches = %d covers %d divsteps, fewer than %d", maxBatches, maxBatches*30, provenDivsteps)
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	twoP := new(big.Int).Lsh(p, 1)
	rng := mrand.New(mrand.NewPCG(13, 14))
	for _, xb := range append(invertCases(), randomElements(t, rng, 300)...) {
		xb[31] &= 0x7f
		var fe fieldElement
		feFromBytes(&fe, &xb)
		canon := toBytes(&fe)
		x := leBig(canon[:])

		F, G := new(big.Int).Set(p), new(big.Int).Set(x)
		eta := int32(-1)
		f, g := p30, toSigned30(x)
		var d, e signed30
		e[0] = 1
		for batch := 0; G.Sign() != 0; batch++ {
			if batch == maxBatches {
				t.Fatalf("1/%x: g not zero after %d batches", canon, maxBatches)
			}
			gotEta, m := divsteps30(eta, uint32(f[0]), uint32(g[0]))
			wantF, wantG, wantEta := textbookDivsteps(F, G, eta, 30)
			if gotEta != wantEta {
				t.Fatalf("1/%x, batch %d: eta %d, want %d", canon, batch, gotEta, wantEta)
			}
			u, v, q, r := big.NewInt(int64(m.u)), big.NewInt(int64(m.v)), big.NewInt(int64(m.q)), big.NewInt(int64(m.r))
			lin := func(a, b *big.Int) *big.Int {
				s := new(big.Int).Mul(a, F)
				return s.Add(s, new(big.Int).Mul(b, G))
			}
			if lin(u, v).Cmp(new(big.Int).Lsh(wantF, 30)) != 0 || lin(q, r).Cmp(new(big.Int).Lsh(wantG, 30)) != 0 {
				t.Fatalf("1/%x, batch %d: matrix %+v is not that of 30 divsteps", canon, batch, m)
			}
			if abs64(m.u)+abs64(m.v) > 1<<30 || abs64(m.q)+abs64(m.r) > 1<<30 {
				t.Fatalf("1/%x, batch %d: matrix %+v out of bounds", canon, batch, m)
			}
			m.updateDE(&d, &e)
			m.updateFG(&f, &g)
			for _, s := range []*signed30{&d, &e} {
				if v := s.big(); v.Cmp(p) >= 0 || v.Cmp(new(big.Int).Neg(twoP)) <= 0 {
					t.Fatalf("1/%x, batch %d: d or e = %v, outside (−2p, p)", canon, batch, v)
				}
			}
			if f.big().Cmp(wantF) != 0 || g.big().Cmp(wantG) != 0 {
				t.Fatalf("1/%x, batch %d: f, g = %v, %v, want %v, %v", canon, batch, f.big(), g.big(), wantF, wantG)
			}
			F, G, eta = wantF, wantG, wantEta
		}
	}
}

// textbookDivsteps takes n divsteps from (eta, f, g), one at a time, with
// eta = −delta: if eta < 0 and g is odd, (−eta−1, g, (g−f)/2); otherwise
// (eta−1, f, (g + (g mod 2)·f)/2).
func textbookDivsteps(f, g *big.Int, eta int32, n int) (*big.Int, *big.Int, int32) {
	f, g = new(big.Int).Set(f), new(big.Int).Set(g)
	for range n {
		odd := g.Bit(0) == 1
		switch {
		case eta < 0 && odd:
			eta = -eta - 1
			f, g = g, new(big.Int).Sub(g, f)
		case odd:
			eta--
			g.Add(g, f)
		default:
			eta--
		}
		g = new(big.Int).Rsh(g, 1) // exact: g is even here
	}
	return f, g, eta
}

func (x *signed30) big() *big.Int {
	v := new(big.Int)
	for i := len(x) - 1; i >= 0; i-- {
		v.Lsh(v, 30).Add(v, big.NewInt(int64(x[i])))
	}
	return v
}

// toSigned30 writes v in limbs 0..7 in [0, 2^30) and a signed top limb.
func toSigned30(v *big.Int) signed30 {
	var s signed30
	x := new(big.Int).Set(v)
	m := big.NewInt(mask30)
	for i := range len(s) - 1 {
		s[i] = int32(new(big.Int).And(x, m).Int64())
		x.Rsh(x, 30) // rounds toward −∞, as the limbs need
	}
	s[8] = int32(x.Int64())
	return s
}

// TestUpdateDEExtremes drives updateDE where real inversions seldom go: d
// and e at the ends of (−2p, p) and matrices at the bound |u|+|v| =
// |q|+|r| = 2^30. The result must stay in (−2p, p) and be (u·d + v·e)/2^30
// mod p; dropping any part of the sign correction fails here.
func TestUpdateDEExtremes(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	negTwoP := new(big.Int).Neg(new(big.Int).Lsh(p, 1))
	vals := []*big.Int{
		new(big.Int).Add(negTwoP, big.NewInt(1)),
		new(big.Int).Add(negTwoP, big.NewInt(12345)),
		new(big.Int).Neg(p), big.NewInt(-1), big.NewInt(0), big.NewInt(1),
		new(big.Int).Sub(p, big.NewInt(1)),
	}
	// Rows (a, ±(2^30 − |a|)): each at the bound.
	const bound = 1 << 30
	rest := func(a int32) int32 {
		if a < 0 {
			return bound + a
		}
		return bound - a
	}
	var mats []divMatrix
	for _, a := range []int32{bound, -bound, bound / 2, -bound / 2, bound - 1, -(bound - 1), 1, -1, 0} {
		for _, c := range []int32{bound, -bound, bound / 2, -bound / 2, 1, 0, -1} {
			for _, sb := range []int32{1, -1} {
				for _, sd := range []int32{1, -1} {
					mats = append(mats, divMatrix{a, sb * rest(a), c, sd * rest(c)})
				}
			}
		}
	}
	inv30 := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 30), p)
	lin := func(a, b int32, x, y *big.Int) *big.Int {
		s := new(big.Int).Mul(big.NewInt(int64(a)), x)
		return s.Add(s, new(big.Int).Mul(big.NewInt(int64(b)), y))
	}
	for _, m := range mats {
		for _, dv := range vals {
			for _, ev := range vals {
				d, e := toSigned30(dv), toSigned30(ev)
				m.updateDE(&d, &e)
				for _, c := range []struct {
					name string
					got  *big.Int
					want *big.Int
				}{
					{"d", d.big(), lin(m.u, m.v, dv, ev)},
					{"e", e.big(), lin(m.q, m.r, dv, ev)},
				} {
					if c.got.Cmp(p) >= 0 || c.got.Cmp(negTwoP) <= 0 {
						t.Fatalf("%+v, d = %v, e = %v: new %s = %v, outside (−2p, p)", m, dv, ev, c.name, c.got)
					}
					diff := new(big.Int).Sub(c.got, c.want.Mul(c.want, inv30))
					if diff.Mod(diff, p).Sign() != 0 {
						t.Fatalf("%+v, d = %v, e = %v: new %s = %v, not (row·(d, e))/2^30 mod p", m, dv, ev, c.name, c.got)
					}
				}
			}
		}
	}
}

func leBig(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(be)
}

func abs64(v int32) int64 {
	if v < 0 {
		return -int64(v)
	}
	return int64(v)
}
