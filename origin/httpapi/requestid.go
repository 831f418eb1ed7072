package httpapi

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"sync"
)

// requestIDs makes the ids of requests that come without a sane one.
//
// An id only names a request in the log and in a problem body, so that a
// client's report can be matched with the log: it must be unique, and it is
// best if it says nothing (not how many requests the server has answered)
// and cannot be predicted. 128 bits from a ChaCha8 generator seeded from
// crypto/rand are all three, at a fraction of crypto/rand's cost per call;
// one generator per P (a sync.Pool) keeps concurrent requests off a shared
// lock.
type requestIDs struct{ pool sync.Pool }

func newRequestIDs() *requestIDs {
	g := &requestIDs{}
	g.pool.New = func() any {
		var seed [32]byte
		_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails (Go 1.24+)
		return rand.NewChaCha8(seed)
	}
	return g
}

// next returns a new id: 32 lowercase hex digits.
func (g *requestIDs) next() string {
	r := g.pool.Get().(*rand.ChaCha8)
	var b [16]byte
	_, _ = r.Read(b[:]) // never fails
	g.pool.Put(r)
	var s [32]byte
	hex.Encode(s[:], b[:])
	return string(s[:])
}
