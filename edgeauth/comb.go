package edgeauth

import (
	"sync"

	"filippo.io/edwards25519"

	"github.com/craftingapis/todos/edgeauth/internal/ed25519vt"
)

// A signature check multiplies the signer's public key by a scalar taken
// from the token: [k](−A) for EdDSA, [u2]Q for ES256. The key is the same for
// thousands of tokens, so precomputing its multiples once turns that
// multiplication from ~253 doublings plus ~50 additions into at most 64
// additions. Doublings are what a Go wasm build does worst (no 64×64→128-bit
// multiply), and that multiplication is most of an EdDSA or ES256 check's
// time in wasm; the table speeds native checks about as much ("Signature
// verification" in tests/bench/BENCHMARKS.md).
//
// The group arithmetic of these tables is the well-kept libraries'
// (filippo.io/edwards25519 and filippo.io/nistec, the upstreams of Go's own
// crypto internals): a table is built and summed with their public, complete
// addition only. The one exception is Ed25519 in wasm, whose tables come from
// internal/ed25519vt (see tableCache.ref10); decoding and validating keys and
// scalars stays with filippo.io/edwards25519 there too.

// groupElement is a point type of those libraries, used through its pointer.
type groupElement[T any] interface {
	*T
	Add(a, b *T) *T
	Set(a *T) *T
}

// combTable holds d·16^i·P for every digit position i of a 256-bit scalar
// written in base 16 and every digit d in 1..15.
type combTable[T any, P groupElement[T]] struct {
	rows [64][15]T
}

// newCombTable precomputes the table of base: 960 additions, paid once per
// key and Authorizer (see tableCache).
func newCombTable[T any, P groupElement[T]](base P) *combTable[T, P] {
	t := new(combTable[T, P])
	var b T
	P(&b).Set(base)
	for i := range t.rows {
		row := &t.rows[i]
		P(&row[0]).Set(&b)
		for d := 1; d < len(row); d++ {
			P(&row[d]).Add(&row[d-1], &b)
		}
		P(&b).Add(&row[len(row)-1], &b) // 16·b, the next row's base
	}
	return t
}

// addMult sets acc to acc + s·P, where digits holds s in base 16, least
// significant digit first.
//
// Its time depends on the scalar. That is fine here and only here: a
// verifier's inputs (key, token, signature) are all public.
func (t *combTable[T, P]) addMult(acc P, digits *[64]byte) P {
	for i, d := range digits {
		if d != 0 {
			acc.Add(acc, &t.rows[i][d-1])
		}
	}
	return acc
}

// digitsLE returns the base-16 digits of a 32-byte little-endian scalar,
// least significant first.
func digitsLE(s []byte) *[64]byte {
	var d [64]byte
	for i, b := range s[:32] {
		d[2*i], d[2*i+1] = b&15, b>>4
	}
	return &d
}

// digitsBE returns the base-16 digits of a 32-byte big-endian scalar, least
// significant first.
func digitsBE(s []byte) *[64]byte {
	var d [64]byte
	for i, b := range s[:32] {
		j := 2 * (31 - i)
		d[j], d[j+1] = b&15, b>>4
	}
	return &d
}

// Bounds on precomputed tables. A table holds 960 points (1,376 affine ones
// in ed25519vt's), and a WASI instance has a few MiB, so besides B's
// (ed25519Base) only the first maxTablesPerConfig EdDSA/ES256 keys of a
// Config get one (a JWKS holds one to three keys in practice; the rest are
// checked the ordinary way), and an Authorizer keeps at most maxCachedTables
// of them across its Configs, so that a new Config (every revocation brings
// one) does not rebuild them.
const (
	maxTablesPerConfig = 4
	maxCachedTables    = 8
)

// The digit widths of ed25519vt's tables: a key's, of which an Authorizer
// keeps up to maxCachedTables, and B's, one per Authorizer. 6 bits make a
// table about as large as filippo.io/edwards25519's (161 vs 150 KiB). A
// wider table of B saves a few additions per check but costs memory an
// instance does not have to spare: at 7 bits (277 KiB) the http-wasm build
// ran out of its 8 MiB on a request at its read bound (tests/httpwasm).
const (
	ed25519KeyWindow  = 6
	ed25519BaseWindow = 6
)

// keyTable is one key's table: built on first use, through the cache of
// the Authorizer that compiled the key, and only if the Config allowed the
// key one (a non-nil cache).
type keyTable[T any, P groupElement[T]] struct {
	cache *tableCache
	once  sync.Once
	table *combTable[T, P]
}

// get returns the table of base, or nil if the key has none. id prefixes
// the key's encoding enc to name it in the cache; it is built once, off the
// hot path.
func (kt *keyTable[T, P]) get(id string, enc []byte, base P) *combTable[T, P] {
	if kt.cache == nil {
		return nil
	}
	kt.once.Do(func() {
		kt.table = cachedTable(kt.cache, id+string(enc), func() *combTable[T, P] { return newCombTable(base) })
	})
	return kt.table
}

// tableCache keeps an Authorizer's most recently built tables, oldest
// first, at most maxCachedTables. It belongs to one Authorizer and is
// shared by the Configs it compiles; it is safe for concurrent use.
type tableCache struct {
	mu    sync.Mutex
	keys  []string
	table map[string]any

	// base is the ed25519vt table of Ed25519's base point B, built on
	// the first check of a key that has a table where ref10 says so (see
	// ed25519Base); forceRef10 takes that path on any architecture (tests).
	baseOnce   sync.Once
	base       *ed25519vt.Table
	forceRef10 bool
}

// ref10 reports whether Ed25519 keys with a table get ed25519vt's (ref10's
// 32-bit-limb field, affine points, signed digits, a table of B too) rather
// than filippo.io/edwards25519 points summed with ScalarBaseMult for [S]B.
// In wasm, which has no 64×64→128-bit multiply, ed25519vt's field and
// additions measured faster; natively filippo.io/edwards25519's assembly
// field is, hence ref10Tables ("Signature verification" in
// tests/bench/BENCHMARKS.md). A nil cache (a key without a table) says no.
func (c *tableCache) ref10() bool {
	return c != nil && (ref10Tables || c.forceRef10)
}

// ed25519Base returns the ed25519vt table of B: one per Authorizer, not
// per key, so that [S]B too is a sum of table entries.
func (c *tableCache) ed25519Base() *ed25519vt.Table {
	c.baseOnce.Do(func() { c.base = ed25519vt.NewTable(edwards25519.NewGeneratorPoint(), ed25519BaseWindow) })
	return c.base
}

// cachedTable returns c's table for id (an algorithm-prefixed public key
// encoding), building and caching it with build if it is missing.
func cachedTable[V any](c *tableCache, id string, build func() V) V {
	c.mu.Lock()
	if v, ok := c.table[id]; ok {
		c.mu.Unlock()
		return v.(V)
	}
	c.mu.Unlock()

	v := build() // outside the lock: concurrent first uses of two keys do not wait for each other

	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.table[id]; ok {
		return old.(V) // another goroutine built it meanwhile
	}
	if c.table == nil {
		c.table = map[string]any{}
	}
	if len(c.keys) >= maxCachedTables {
		delete(c.table, c.keys[0])
		c.keys = append(c.keys[:0], c.keys[1:]...)
	}
	c.keys = append(c.keys, id)
	c.table[id] = v
	return v
}

// len reports the number of cached tables (for tests).
func (c *tableCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.table)
}
