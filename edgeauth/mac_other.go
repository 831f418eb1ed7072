//go:build !wasm

package edgeauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// hmacKey natively uses crypto/hmac, whose SHA-256 is assembly. Its states
// are keyed with the secret once and reused through a pool: hmac.New on
// every check would allocate and hash the pads again.
type hmacKey struct{ macs sync.Pool }

func newHMACKey(secret []byte) *hmacKey {
	k := &hmacKey{}
	k.macs.New = func() any { return hmac.New(sha256.New, secret) }
	return k
}

// Sum writes HMAC-SHA-256 of msg under the key to out.
func (k *hmacKey) Sum(out *[sha256.Size]byte, msg []byte) {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	h.Sum(out[:0])
	k.macs.Put(h)
}
