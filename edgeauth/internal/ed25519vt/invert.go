package ed25519vt

import "math/bits"

// Inversion by Bernstein and Yang's "divsteps" ("Fast constant-time gcd
// computation and modular inversion", 2019), in the variable-time form
// that libsecp256k1 documents in doc/safegcd_implementation.md: batches of
// 30 divsteps, each batch found on the bottom 32 bits of f and g alone as a
// 2×2 matrix, then applied to the full numbers in base 2^30. Runs of even g
// are skipped with one count of trailing zeros, and a multiple of f cancels
// several low bits of g at once, so a typical inversion takes a few hundred
// cheap steps instead of Fermat's 254 squarings and 11 multiplications.
//
// It is here because every value this package inverts is public (a
// verifier's R', a public key's multiples): its time may depend on them.

// signed30 is the integer Σ v[i]·2^(30·i). Limbs may be negative while a
// value is worked on; a normalized value has v[i] in [0, 2^30).
type signed30 [9]int32

const mask30 = 1<<30 - 1

// p30 is p = 2^255 − 19 as a signed30, and p30Inv is 1/p mod 2^30 (a test
// checks both).
var p30 = signed30{mask30 - 18, mask30, mask30, mask30, mask30, mask30, mask30, mask30, 1<<15 - 1}

const p30Inv = 395589093

// divMatrix is the transition of a batch of 30 divsteps: after it,
// (f, g) = (u·f + v·g, q·f + r·g) / 2^30.
type divMatrix struct{ u, v, q, r int32 }

// divsteps30 runs 30 divsteps on the bottom 32 bits of f and g (f odd),
// which decide them all, and returns the new eta (= −delta) and the batch's
// matrix. Arithmetic is mod 2^32: the matrix's entries are below 2^30 in
// absolute value, so they come out exact.
func divsteps30(eta int32, f, g uint32) (int32, divMatrix) {
	u, v, q, r := uint32(1), uint32(0), uint32(0), uint32(1)
	left := 30
	for {
		// An even g only halves: take every such step at once. The
		// sentinel bits stop the count at the steps left.
		zeros := bits.TrailingZeros32(g | ^uint32(0)<<left)
		g >>= zeros
		u <<= zeros
		v <<= zeros
		eta -= int32(zeros)
		left -= zeros
		if left == 0 {
			break
		}
		// g is odd. With eta < 0 the step swaps: (f, g) = (g, −f).
		if eta < 0 {
			eta = -eta
			f, g = g, -f
			u, q = q, -u
			v, r = r, -v
		}
		// Now each of the next min(eta+1, left) steps adds f to g when g is
		// odd: together they add w·f, with w < 2^n the multiple that clears
		// g's low n bits. 1/f mod 2^12 by two Newton steps from f, which is
		// its own inverse mod 8.
		n := min(int(eta)+1, left, 12)
		inv := f * (2 - f*f)
		inv *= 2 - f*inv
		w := -g * inv & (1<<n - 1)
		g += f * w
		q += u * w
		r += v * w
	}
	return eta, divMatrix{int32(u), int32(v), int32(q), int32(r)}
}

// updateFG sets (f, g) = (u·f + v·g, q·f + r·g) / 2^30, which is exact.
func (m *divMatrix) updateFG(f, g *signed30) {
	u, v, q, r := int64(m.u), int64(m.v), int64(m.q), int64(m.r)
	cf := u*int64(f[0]) + v*int64(g[0])
	cg := q*int64(f[0]) + r*int64(g[0])
	cf >>= 30
	cg >>= 30
	for i := 1; i < len(f); i++ {
		cf += u*int64(f[i]) + v*int64(g[i])
		cg += q*int64(f[i]) + r*int64(g[i])
		f[i-1] = int32(cf) & mask30
		g[i-1] = int32(cg) & mask30
		cf >>= 30
		cg >>= 30
	}
	f[8], g[8] = int32(cf), int32(cg)
}

// updateDE sets (d, e) = (u·d + v·e, q·d + r·e) / 2^30 mod p, keeping both
// in (−2p, p): before dividing, it adds the multiples of p that make the
// low 30 bits zero, and first p once more for each input that is negative.
func (m *divMatrix) updateDE(d, e *signed30) {
	u, v, q, r := int64(m.u), int64(m.v), int64(m.q), int64(m.r)
	sd, se := d[8]>>31, e[8]>>31
	md := m.u&sd + m.v&se
	me := m.q&sd + m.r&se
	cd := u*int64(d[0]) + v*int64(e[0])
	ce := q*int64(d[0]) + r*int64(e[0])
	md -= int32((p30Inv*uint32(cd) + uint32(md)) & mask30)
	me -= int32((p30Inv*uint32(ce) + uint32(me)) & mask30)
	cd += int64(p30[0]) * int64(md)
	ce += int64(p30[0]) * int64(me)
	cd >>= 30
	ce >>= 30
	for i := 1; i < len(d); i++ {
		cd += u*int64(d[i]) + v*int64(e[i]) + int64(p30[i])*int64(md)
		ce += q*int64(d[i]) + r*int64(e[i]) + int64(p30[i])*int64(me)
		d[i-1] = int32(cd) & mask30
		e[i-1] = int32(ce) & mask30
		cd >>= 30
		ce >>= 30
	}
	d[8], e[8] = int32(cd), int32(ce)
}

// normalize brings x, in (−2p, p) with limbs in (−2^30, 2^30), to [0, p)
// with limbs in [0, 2^30), negated first if sign < 0.
func (x *signed30) normalize(sign int32) {
	x.addPIfNegative()
	neg := sign >> 31
	for i := range x {
		x[i] = x[i] ^ neg - neg
	}
	x.carry()
	x.addPIfNegative()
	x.carry()
}

func (x *signed30) addPIfNegative() {
	neg := x[8] >> 31
	for i := range x {
		x[i] += p30[i] & neg
	}
}

// carry brings every limb but the top one into [0, 2^30).
func (x *signed30) carry() {
	for i := range len(x) - 1 {
		x[i+1] += x[i] >> 30
		x[i] &= mask30
	}
}

// maxBatches bounds the loop in feInvert: 724 divsteps bring g to zero
// from f = p and any 0 ≤ g < p (Bernstein and Yang's bound for 256 bits),
// and the batches take exactly the divsteps the plain algorithm would.
const maxBatches = 25

// feInvert sets out = 1/z (0 for z = 0), in time that depends on z.
func feInvert(out, z *fieldElement) {
	var b [32]byte
	feToBytes(&b, z)
	var g signed30
	for i := range g {
		g[i] = int32(bitsAt(&b, 30*i) & mask30)
	}
	f := p30
	var d, e signed30
	e[0] = 1
	eta := int32(-1)
	for batch := 0; g != (signed30{}); batch++ {
		if batch == maxBatches {
			// Cannot happen (see maxBatches); a wrong inverse would make
			// valid signatures fail without a word, so stop loudly.
			panic("ed25519vt: divsteps did not bring g to zero")
		}
		var m divMatrix
		eta, m = divsteps30(eta, uint32(f[0]), uint32(g[0]))
		m.updateDE(&d, &e)
		m.updateFG(&f, &g)
	}
	// g is zero and f is ±gcd(p, z) = ±1, so d is ±1/z (0 for z = 0).
	d.normalize(f[8])
	b = [32]byte{}
	for i, limb := range d {
		setBitsAt(&b, 30*i, uint32(limb))
	}
	feFromBytes(out, &b)
}

// bitsAt returns the 32 bits of the little-endian b from bit n on (zeros
// past its end).
func bitsAt(b *[32]byte, n int) uint32 {
	var w uint64
	for k := 4; k >= 0; k-- {
		if j := n/8 + k; j < len(b) {
			w = w<<8 | uint64(b[j])
		} else {
			w <<= 8
		}
	}
	return uint32(w >> (n % 8))
}

// setBitsAt ors the 30-bit v into the little-endian b at bit n.
func setBitsAt(b *[32]byte, n int, v uint32) {
	w := uint64(v) << (n % 8)
	for j := n / 8; j < len(b) && w != 0; j++ {
		b[j] |= byte(w)
		w >>= 8
	}
}
