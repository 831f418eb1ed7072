// Copyright 2016 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is derived from golang.org/x/crypto/ed25519/internal/edwards25519
// (golang.org/x/crypto v0.0.0-20200622213623-75b288015ac9), Go's port of the
// public domain "ref10" implementation of Ed25519 from SUPERCOP. Only the
// group operations a table-based verifier needs are kept.

package ed25519vt

import "filippo.io/edwards25519"

// Points of the curve −x² + y² = 1 + d·x²·y², d = −121665/121666, in the
// representations ref10 uses:
//
//	extended:  (X:Y:Z:T) with x = X/Z, y = Y/Z, x·y = T/Z
//	completed: ((X:Z),(Y:T)) with x = X/Z, y = Y/T, what an addition yields
//	cached:    (Y+X, Y−X, Z, 2d·T), an extended point ready to be added
//	niels:     (y+x, y−x, 2d·x·y), an affine point ready to be added
type (
	extended struct {
		X, Y, Z, T fieldElement
	}
	completed struct {
		X, Y, Z, T fieldElement
	}
	cached struct {
		yPlusX, yMinusX, Z, T2d fieldElement
	}
	niels struct {
		yPlusX, yMinusX, xy2d fieldElement
	}
)

// d2 is 2·d (ref10's const.go).
var d2 = fieldElement{
	-21827239, -5839606, -30745221, 13898782, 229458, 15978800, -12551817, -6495438, 29715968, 9444199,
}

func (p *extended) setIdentity() {
	*p = extended{}
	feOne(&p.Y)
	feOne(&p.Z)
}

// setPoint sets p to the point v of filippo.io/edwards25519, whose
// coordinates are in the same extended form.
func (p *extended) setPoint(v *edwards25519.Point) {
	x, y, z, t := v.ExtendedCoordinates()
	feFromBytes(&p.X, (*[32]byte)(x.Bytes()))
	feFromBytes(&p.Y, (*[32]byte)(y.Bytes()))
	feFromBytes(&p.Z, (*[32]byte)(z.Bytes()))
	feFromBytes(&p.T, (*[32]byte)(t.Bytes()))
}

// bytes returns p's encoding (RFC 8032 section 5.1.2): y, canonical, and
// the sign of x in the top bit.
func (p *extended) bytes() [32]byte {
	var t encodeScratch
	p.encode(&t)
	return t.s
}

// encodeScratch is what encode works in: one value for a caller to keep
// with its other scratch space, zeroed once with it. Each local field
// element of its own would be zeroed apart, which a wasm build does with
// memory.fill, and wazero runs memory.fill as several calls to Go's memmove.
type encodeScratch struct {
	recip, x, y fieldElement
	s, sx       [32]byte // the encoding, and x's
}

// encode sets t.s to p's encoding, as bytes returns it.
func (p *extended) encode(t *encodeScratch) {
	feInvert(&t.recip, &p.Z)
	feMul(&t.x, &p.X, &t.recip)
	feMul(&t.y, &p.Y, &t.recip)
	feToBytes(&t.s, &t.y)
	feToBytes(&t.sx, &t.x)
	t.s[31] ^= (t.sx[0] & 1) << 7
}

func (p *extended) toCached(r *cached) {
	feAdd(&r.yPlusX, &p.Y, &p.X)
	feSub(&r.yMinusX, &p.Y, &p.X)
	r.Z = p.Z
	feMul(&r.T2d, &p.T, &d2)
}

// double sets r = 2·p (ref10's ge_p2_dbl; T is not read).
func (p *extended) double(r *completed) {
	var t0 fieldElement

	feSquare(&r.X, &p.X)
	feSquare(&r.Z, &p.Y)
	feSquare2(&r.T, &p.Z)
	feAdd(&r.Y, &p.X, &p.Y)
	feSquare(&t0, &r.Y)
	feAdd(&r.Y, &r.Z, &r.X)
	feSub(&r.Z, &r.Z, &r.X)
	feSub(&r.X, &t0, &r.Y)
	feSub(&r.T, &r.T, &r.Z)
}

func (p *completed) toExtended(r *extended) {
	feMul(&r.X, &p.X, &p.T)
	feMul(&r.Y, &p.Y, &p.Z)
	feMul(&r.Z, &p.Z, &p.T)
	feMul(&r.T, &p.X, &p.Y)
}

// geAdd sets r = p + q.
func geAdd(r *completed, p *extended, q *cached) {
	var t0 fieldElement

	feAdd(&r.X, &p.Y, &p.X)
	feSub(&r.Y, &p.Y, &p.X)
	feMul(&r.Z, &r.X, &q.yPlusX)
	feMul(&r.Y, &r.Y, &q.yMinusX)
	feMul(&r.T, &q.T2d, &p.T)
	feMul(&r.X, &p.Z, &q.Z)
	feAdd(&t0, &r.X, &r.X)
	feSub(&r.X, &r.Z, &r.Y)
	feAdd(&r.Y, &r.Z, &r.Y)
	feAdd(&r.Z, &t0, &r.T)
	feSub(&r.T, &t0, &r.T)
}

// addNiels sets p = p + q, or p − q if neg, with c as scratch space: ref10's
// mixed addition (ge_madd, or ge_msub) and the conversion of its completed
// result back to extended coordinates, in one step that keeps no temporary
// of its own. A local field element would be zeroed on every call, which a
// wasm build does with memory.fill, and wazero runs memory.fill as several
// calls to Go's memmove.
//
// −(x, y) = (−x, y) swaps y+x with y−x and negates 2d·x·y, so a niels point
// is negated for free: neg swaps which factor meets which sum, and which of
// 2Z ± C becomes Z and which T.
func (p *extended) addNiels(q *niels, neg bool, c *completed) {
	yPlusX, yMinusX := &q.yPlusX, &q.yMinusX
	z, t := &c.Z, &c.T
	if neg {
		yPlusX, yMinusX = yMinusX, yPlusX
		z, t = t, z
	}
	feSumDiff(&c.X, &c.Y, &p.Y, &p.X) // Y+X, Y−X
	feMul(&c.Z, &c.X, yPlusX)         // A = (Y+X)·(y+x)
	feMul(&c.Y, &c.Y, yMinusX)        // B = (Y−X)·(y−x)
	feMul(&c.T, &q.xy2d, &p.T)        // C = 2d·x·y·T
	feSumDiff(&c.Y, &c.X, &c.Z, &c.Y) // A+B, A−B
	feDoubleSumDiff(z, t, &p.Z, &c.T) // 2Z+C, 2Z−C
	c.toExtended(p)
}
