// Package ed25519vt sums multiples of fixed Ed25519 points from
// precomputed tables, in variable time, for a signature verifier: R' =
// [k](−A) + [S]B with no doubling at all.
//
// Its field arithmetic is ref10's (ten limbs of 25.5 bits in int32, products
// in int64), which a wasm build runs with one i64.mul per limb product;
// 64-bit limbs (filippo.io/edwards25519's) need a 64×64→128-bit multiply that
// wasm lacks. Points enter and leave through filippo.io/edwards25519, which
// also keeps everything a verifier must decide beyond this sum (canonical
// encodings, low-order keys, scalar reduction).
//
// Its time depends on the scalars and points. That is fine for a verifier,
// whose inputs (key, message, signature) are all public, and wrong for
// anything that handles a secret.
package ed25519vt

import "filippo.io/edwards25519"

// A scalar is written in signed base 2^w: digits d in [−2^(w−1)+1, 2^(w−1)],
// so a table row needs only the positive multiples (a niels point is negated
// for free). Canonical scalars are below L < 2^253; rows(w) digits of w bits
// cover 253 bits with room for the last carry, which keeps the top digit
// within the row.
const (
	MinWindow = 4
	MaxWindow = 8
	maxRows   = (254 + MinWindow - 1) / MinWindow
)

func rows(w int) int { return (254 + w - 1) / w }

// Table holds d·2^(w·i)·P for every digit position i and every d in
// 1..2^(w−1), affine, ready for mixed additions: rows(w)·2^(w−1) points of
// 120 bytes (w = 6: 43 rows of 32, 161 KiB; w = 8: 32 rows of 128, 480 KiB).
// A wider window means fewer additions per scalar and a larger table.
type Table struct {
	window  int
	entries []niels // row i, digit d at i·2^(w−1) + d − 1
}

// NewTable precomputes the table of p for digits of window bits, MinWindow
// to MaxWindow: one addition per entry in extended coordinates, then one
// field inversion per batch of entries (Montgomery's trick) to make them
// affine. Batches bound the scratch memory, which a WASI instance with a
// few MiB notices.
func NewTable(p *edwards25519.Point, window int) *Table {
	if window < MinWindow || window > MaxWindow {
		panic("ed25519vt: window out of range")
	}
	half := 1 << (window - 1)
	t := &Table{window: window, entries: make([]niels, rows(window)*half)}
	batch := make([]extended, 0, batchSize)
	prefix := make([]fieldElement, batchSize)
	var b, cur extended // the row's base, and its multiple just added
	b.setPoint(p)
	var bc cached
	var c completed
	done := 0
	for i := range t.entries {
		switch d := i % half; {
		case d == 0 && i > 0:
			cur.double(&c) // 2·2^(window−1)·b: the next row's base
			c.toExtended(&b)
			fallthrough
		case d == 0:
			cur = b
			b.toCached(&bc)
		default:
			geAdd(&c, &cur, &bc)
			c.toExtended(&cur)
		}
		batch = append(batch, cur)
		if len(batch) == cap(batch) || i == len(t.entries)-1 {
			toNiels(t.entries[done:done+len(batch)], batch, prefix)
			done += len(batch)
			batch = batch[:0]
		}
	}
	return t
}

// batchSize is how many points NewTable makes affine with one inversion:
// 256 extended points are 40 KiB of scratch.
const batchSize = 256

// toNiels sets dst[i] to pts[i] in affine niels form, with one field
// inversion for all of them: prefix[i] = Z_0·…·Z_(i−1), the inverse of the
// product, then each 1/Z_i on the way back. prefix is scratch space, at
// least len(pts) long.
func toNiels(dst []niels, pts []extended, prefix []fieldElement) {
	var acc fieldElement
	feOne(&acc)
	for i := range pts {
		prefix[i] = acc
		feMul(&acc, &acc, &pts[i].Z)
	}
	var inv fieldElement
	feInvert(&inv, &acc)
	var zInv, x, y, xy fieldElement
	for i := len(pts) - 1; i >= 0; i-- {
		feMul(&zInv, &inv, &prefix[i])
		feMul(&inv, &inv, &pts[i].Z)
		feMul(&x, &pts[i].X, &zInv)
		feMul(&y, &pts[i].Y, &zInv)
		q := &dst[i]
		feAdd(&q.yPlusX, &y, &x)
		feCarry(&q.yPlusX, &q.yPlusX)
		feSub(&q.yMinusX, &y, &x)
		feCarry(&q.yMinusX, &q.yMinusX)
		feMul(&xy, &x, &y)
		feMul(&q.xy2d, &xy, &d2)
	}
}

// sumState is everything Sum works in, zeroed once (see encodeScratch).
type sumState struct {
	acc    extended
	c      completed
	digits [maxRows]int16
	enc    encodeScratch
}

// addMult sets st.acc = st.acc + [s]P, where t is P's table.
func (t *Table) addMult(st *sumState, s *edwards25519.Scalar) {
	n := signedDigits(&st.digits, s, t.window)
	half := 1 << (t.window - 1)
	for i, d := range st.digits[:n] {
		switch {
		case d > 0:
			st.acc.addNiels(&t.entries[i*half+int(d)-1], false, &st.c)
		case d < 0:
			st.acc.addNiels(&t.entries[i*half-int(d)-1], true, &st.c)
		}
	}
}

// Sum returns the encoding of [s]P + [u]Q, where tp and tq are the tables
// of P and Q.
func Sum(tp *Table, s *edwards25519.Scalar, tq *Table, u *edwards25519.Scalar) [32]byte {
	var st sumState
	st.acc.Y[0], st.acc.Z[0] = 1, 1 // the identity (0:1:1:0); the rest is zero
	tp.addMult(&st, s)
	tq.addMult(&st, u)
	st.acc.encode(&st.enc)
	return st.enc.s
}

// signedDigits writes s in signed base 2^w to d, least significant digit
// first, each in [−2^(w−1)+1, 2^(w−1)], and returns their number, rows(w).
func signedDigits(d *[maxRows]int16, s *edwards25519.Scalar, w int) int {
	var b [32]byte
	copy(b[:], s.Bytes()) // canonical: below L < 2^253
	half := 1 << (w - 1)
	carry := 0
	n := rows(w)
	for i := range n {
		bit := i * w
		j := bit / 8
		v := int(b[j])
		if j+1 < len(b) {
			v |= int(b[j+1]) << 8
		}
		v = (v>>(bit%8))&(1<<w-1) + carry
		carry = 0
		if v > half {
			v -= 1 << w
			carry = 1
		}
		d[i] = int16(v)
	}
	return n
}
