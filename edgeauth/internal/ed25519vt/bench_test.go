package ed25519vt

import (
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// The micro-benchmarks behind the choice of this package for wasm builds
// (see "Signature verification" in tests/bench/BENCHMARKS.md): each
// operation against filippo.io/edwards25519's.
func BenchmarkOps(b *testing.B) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	elems := randomElements(b, rng, 2)
	var x, y, h fieldElement
	feFromBytes(&x, &elems[5])
	feFromBytes(&y, &elems[6])
	fx, fy := filippoElement(b, elems[5]), filippoElement(b, elems[6])
	var fh field.Element

	b.Run("mul/ref10", func(b *testing.B) {
		for b.Loop() {
			feMul(&h, &x, &y)
		}
	})
	b.Run("mul/filippo", func(b *testing.B) {
		for b.Loop() {
			fh.Multiply(fx, fy)
		}
	})
	b.Run("square/ref10", func(b *testing.B) {
		for b.Loop() {
			feSquare(&h, &x)
		}
	})
	b.Run("square/filippo", func(b *testing.B) {
		for b.Loop() {
			fh.Square(fx)
		}
	})

	ss := scalars(b, rng, 4)
	p := new(edwards25519.Point).ScalarBaseMult(ss[len(ss)-3])
	tp := NewTable(p, 6)
	var acc extended
	acc.setPoint(p)
	var c completed
	b.Run("add/ref10-mixed", func(b *testing.B) { // what a table entry costs
		for b.Loop() {
			acc.addNiels(&tp.entries[101], false, &c)
		}
	})
	fp, fq := new(edwards25519.Point).Set(p), new(edwards25519.Point).Set(p)
	b.Run("add/filippo", func(b *testing.B) {
		for b.Loop() {
			fp.Add(fp, fq)
		}
	})
	b.Run("encode/ref10", func(b *testing.B) {
		for b.Loop() {
			_ = acc.bytes()
		}
	})
	b.Run("encode/filippo", func(b *testing.B) {
		for b.Loop() {
			_ = fp.Bytes()
		}
	})
	for w := MinWindow; w <= MaxWindow; w++ {
		tb := NewTable(edwards25519.NewGeneratorPoint(), w)
		b.Run("sum/ref10-tables-key6-base"+string(rune('0'+w)), func(b *testing.B) { // [s]P + [u]B, a verifier's sum
			for b.Loop() {
				_ = Sum(tp, ss[len(ss)-1], tb, ss[len(ss)-2])
			}
		})
	}
	b.Run("sum/filippo-vartime", func(b *testing.B) {
		for b.Loop() {
			_ = fp.VarTimeDoubleScalarBaseMult(ss[len(ss)-1], p, ss[len(ss)-2]).Bytes()
		}
	})
	for w := MinWindow; w <= MaxWindow; w++ {
		b.Run("table/ref10-window"+string(rune('0'+w)), func(b *testing.B) {
			for b.Loop() {
				_ = NewTable(p, w)
			}
		})
	}
}
