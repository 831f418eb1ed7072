// Package hmac256 computes HMAC-SHA-256 (RFC 2104, FIPS 180-4) under one
// key many times. A Key holds the SHA-256 states after the key's inner and
// outer pads, taken once, so a MAC costs the message's blocks and one
// more, never the pads; and SHA-256's rounds are written out (block.go), so
// that in wasm they run without a loop per round. Natively crypto/hmac is
// faster (assembly); this package is for the WASI module, and its tests hold
// it to crypto/sha256 and crypto/hmac. As in crypto/sha256, no branch or
// memory access depends on the key or the message bytes (only on lengths),
// so the secret does not leak through timing.
package hmac256

import "encoding/binary"

//go:generate go run gen_block.go

// Size is the length of a MAC in bytes.
const Size = 32

const blockSize = 64

// iv is SHA-256's initial hash value (FIPS 180-4 section 5.3.3).
var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// Key is an HMAC-SHA-256 key ready to use. It is immutable, so one Key may
// be used by any number of goroutines at once.
type Key struct {
	inner, outer [8]uint32 // the states after H's first block, K⊕ipad and K⊕opad
}

// New returns the Key for secret, of any length (RFC 2104 section 2: a
// secret longer than a block is hashed first).
func New(secret []byte) *Key {
	var k0 [blockSize]byte
	if len(secret) > blockSize {
		d := Sum256(secret)
		copy(k0[:], d[:])
	} else {
		copy(k0[:], secret)
	}
	var pad [blockSize]byte
	k := &Key{inner: iv, outer: iv}
	for i := range pad {
		pad[i] = k0[i] ^ 0x36
	}
	block(&k.inner, pad[:])
	for i := range pad {
		pad[i] = k0[i] ^ 0x5c
	}
	block(&k.outer, pad[:])
	return k
}

// Sum writes HMAC-SHA-256(key, msg) to out.
func (k *Key) Sum(out *[Size]byte, msg []byte) {
	h := k.inner
	finish(&h, msg, blockSize)
	var in [Size]byte
	put(&in, &h)
	h = k.outer
	finish(&h, in[:], blockSize)
	put(out, &h)
}

// Sum256 returns the SHA-256 digest of msg.
func Sum256(msg []byte) [Size]byte {
	h := iv
	finish(&h, msg, 0)
	var out [Size]byte
	put(&out, &h)
	return out
}

// finish absorbs msg and SHA-256's final padding into h, a state that has
// already absorbed prior bytes.
func finish(h *[8]uint32, msg []byte, prior int) {
	n := len(msg) &^ (blockSize - 1)
	block(h, msg[:n])
	// The padding (FIPS 180-4 section 5.1.1): 0x80, zeros, and the length
	// in bits as 64 bits, in one block or, if the tail leaves no room for
	// them, two.
	var tail [2 * blockSize]byte
	t := copy(tail[:], msg[n:])
	tail[t] = 0x80
	end := blockSize
	if t >= blockSize-8 {
		end = 2 * blockSize
	}
	binary.BigEndian.PutUint64(tail[end-8:], uint64(prior+len(msg))*8)
	block(h, tail[:end])
}

func put(out *[Size]byte, h *[8]uint32) {
	for i, v := range h {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
}
