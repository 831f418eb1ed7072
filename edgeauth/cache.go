package edgeauth

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Bounds of the verified-token cache of one Config. A WASI instance's whole
// memory is a few MiB, so the cache stays well under that; 1024 distinct
// live tokens cover an edge's or an origin's working set of users.
const (
	cacheMaxEntries = 1024
	cacheMaxBytes   = 1 << 20
	// cacheEntryOverhead approximates the entry, its index slot, the
	// tokenInfo (with its inline scope array) and the string headers of an
	// entry, so that many tiny tokens are bounded as well.
	cacheEntryOverhead = 256
	// cacheArenaMin is the token arena's first size; it doubles as needed,
	// up to the cache's byte bound.
	cacheArenaMin = 16 << 10
)

// tokenCache remembers tokens whose signature and time-independent claims
// were verified under one policy, keyed by the whole token. It pays where
// signatures are expensive: a hit skips decoding and the signature, most of
// an EdDSA or ES256 check in wasm. It lives inside the module, so every host
// (wazero, Node, workerd) gains from it.
//
// An entry is never trusted beyond what it proved: a hit re-checks exp,
// nbf and iat against the request's clock, and jti, sid and sub against
// the revocations in force (an Update changes them under a live cache);
// the cache belongs to one policy, so a new Config (a removed key) starts
// from an empty cache; and only fully accepted tokens enter.
//
// Eviction is first in, first out: entries sit in a ring in insertion
// order. Tokens of one issuer share a lifetime, so the oldest entry is also
// the one that expires first; only verified tokens enter, so flushing the
// cache takes as many valid tokens as it holds, whatever the policy.
//
// A miss fills the cache, so in wasm its cost is part of every full check,
// and there Go maps and allocations are dear (map hashing has no hardware
// help; every allocation brings the collector, which stops the instance,
// nearer). So the cache holds no map and copies no token into a string of
// its own: tokens' bytes go to an arena, a circular buffer that FIFO
// eviction frees in the order it was filled; and an open-addressing index
// finds an entry by a keyed mix of the token's last 8 bytes (the
// signature's, so effectively random for the verified tokens that enter).
// A lookup compares the whole token, so two tokens that share those bytes
// are two entries, never a forgery.
type tokenCache struct {
	mu sync.Mutex
	// ents is the ring of entries, oldest at head; n are in use.
	ents    []cacheEntry
	head, n int
	// index maps a token's hash to its entry: each slot is an index into
	// ents plus one, or 0 for empty; linear probing, with at least half of
	// the slots empty, and deletion by shifting back (no tombstones).
	index []uint32
	seed  uint64
	// arena holds the entries' tokens in insertion order, circularly:
	// from the oldest entry's offset to tail, wrapping to 0 where a token
	// does not fit before the end.
	arena      []byte
	tail       int
	bytes      int
	maxEntries int
	maxBytes   int
	// recycle says whether free is used: recycleInfos (wasm only), or a
	// test's choice. free holds evicted entries' tokenInfos for reuse, at
	// most maxFree.
	recycle bool
	free    []*tokenInfo
}

// maxFree bounds tokenCache.free: a miss evicts about one entry and takes
// one back, so a few suffice.
const maxFree = 8

type cacheEntry struct {
	info     *tokenInfo
	hash     uint64
	off, len int32 // the token's bytes in the arena
}

func newTokenCache(maxEntries, maxBytes int) *tokenCache {
	c := &tokenCache{maxEntries: max(maxEntries, 0), maxBytes: maxBytes, seed: rand.Uint64(), recycle: recycleInfos}
	if c.maxEntries > 0 {
		c.ents = make([]cacheEntry, c.maxEntries)
		size := 2
		for size < 2*c.maxEntries {
			size *= 2
		}
		c.index = make([]uint32, size)
	}
	return c
}

// hash mixes the last 8 bytes of tok (all of a shorter token) and its
// length with the cache's random seed.
func (c *tokenCache) hash(tok []byte) uint64 {
	var w uint64
	if len(tok) >= 8 {
		w = binary.LittleEndian.Uint64(tok[len(tok)-8:])
	} else {
		for _, b := range tok {
			w = w<<8 | uint64(b)
		}
	}
	h := (w ^ c.seed) * 0x9e3779b97f4a7c15
	h = (h ^ h>>32 ^ uint64(len(tok))) * 0xd6e8feb86659fd93
	return h ^ h>>32
}

func (c *tokenCache) get(tok []byte) (*tokenInfo, bool) {
	if c.maxEntries == 0 {
		return nil, false
	}
	h := c.hash(tok)
	c.mu.Lock()
	defer c.mu.Unlock()
	// The arena may be rewritten once the lock is released, so the
	// comparison happens under it; the tokenInfo is immutable.
	if i := c.find(h, tok); i >= 0 {
		return c.ents[i].info, true
	}
	return nil, false
}

// find returns the index in ents of tok's entry, or -1.
func (c *tokenCache) find(h uint64, tok []byte) int {
	mask := uint64(len(c.index) - 1)
	for s := h & mask; c.index[s] != 0; s = (s + 1) & mask {
		e := &c.ents[c.index[s]-1]
		if e.hash == h && string(c.arena[e.off:e.off+e.len]) == string(tok) {
			return int(c.index[s] - 1)
		}
	}
	return -1
}

// put adds a verified token, evicting the oldest entries while the cache is
// over either bound. A token already cached stays where it is.
func (c *tokenCache) put(tok []byte, t *tokenInfo) {
	size := entrySize(tok, t)
	if c.maxEntries == 0 || size > c.maxBytes {
		return
	}
	h := c.hash(tok)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.find(h, tok) >= 0 {
		return // another check of the same token put it first
	}
	for c.n > 0 && (c.n >= c.maxEntries || c.bytes+size > c.maxBytes) {
		c.popOldest()
	}
	off := c.reserve(len(tok))
	copy(c.arena[off:], tok)
	i := (c.head + c.n) % len(c.ents)
	c.ents[i] = cacheEntry{info: t, hash: h, off: int32(off), len: int32(len(tok))}
	mask := uint64(len(c.index) - 1)
	s := h & mask
	for c.index[s] != 0 {
		s = (s + 1) & mask
	}
	c.index[s] = uint32(i + 1)
	c.n++
	c.bytes += size
}

// reserve returns the arena offset where a token of n bytes goes, making
// room by growing the arena or, at its largest, by evicting the oldest
// entries. The caller has made sure that n fits the byte bound.
func (c *tokenCache) reserve(n int) int {
	if n == 0 {
		return c.tail
	}
	for {
		if c.n == 0 {
			c.tail = 0
		}
		if c.n > 0 {
			start := int(c.ents[c.head].off)
			switch {
			case c.tail > start && n <= len(c.arena)-c.tail:
				return c.grab(c.tail, n)
			case c.tail > start && n < start:
				return c.grab(0, n) // wrap; the end of the arena stays unused
			case c.tail < start && n < start-c.tail:
				return c.grab(c.tail, n)
			}
		} else if n <= len(c.arena) {
			return c.grab(0, n)
		}
		if len(c.arena) < c.maxBytes {
			c.grow(n)
			continue
		}
		c.popOldest()
	}
}

func (c *tokenCache) grab(off, n int) int {
	c.tail = off + n
	return off
}

// grow moves the live tokens, oldest first, into an arena at least twice
// as large and with room for n more bytes.
func (c *tokenCache) grow(n int) {
	size := max(len(c.arena), cacheArenaMin)
	for size < 2*len(c.arena) || size < c.used()+n {
		size *= 2
	}
	arena := make([]byte, min(size, c.maxBytes))
	off := 0
	for k := range c.n {
		e := &c.ents[(c.head+k)%len(c.ents)]
		copy(arena[off:], c.arena[e.off:e.off+e.len])
		e.off = int32(off)
		off += int(e.len)
	}
	c.arena, c.tail = arena, off
}

// used is the number of token bytes live in the arena.
func (c *tokenCache) used() int {
	n := 0
	for k := range c.n {
		n += int(c.ents[(c.head+k)%len(c.ents)].len)
	}
	return n
}

// popOldest frees the oldest entry.
func (c *tokenCache) popOldest() {
	i := c.head
	e := &c.ents[i]
	mask := uint64(len(c.index) - 1)
	s := e.hash & mask
	for c.index[s] != uint32(i+1) {
		s = (s + 1) & mask
	}
	// Shift back the entries after s in its probe run whose home slot
	// lies at or before the hole, so that every entry stays reachable
	// from its home without tombstones.
	for next := (s + 1) & mask; c.index[next] != 0; next = (next + 1) & mask {
		home := c.ents[c.index[next]-1].hash & mask
		if (next-home)&mask >= (next-s)&mask {
			c.index[s] = c.index[next]
			s = next
		}
	}
	c.index[s] = 0
	c.bytes -= cacheEntryOverhead + int(e.len) + infoSize(e.info)
	if c.recycle && len(c.free) < maxFree {
		c.free = append(c.free, e.info)
	}
	*e = cacheEntry{} // let the tokenInfo go, unless it is kept for reuse
	c.head = (c.head + 1) % len(c.ents)
	c.n--
}

func entrySize[S ~string | ~[]byte](tok S, t *tokenInfo) int {
	return cacheEntryOverhead + len(tok) + infoSize(t)
}

func infoSize(t *tokenInfo) int {
	n := len(t.sub) + len(t.jti) + len(t.sid) + 16*len(t.scopes)
	for _, s := range t.scopes {
		n += len(s)
	}
	return n
}

// recycled returns a zeroed tokenInfo of an evicted entry, or nil (always
// nil where recycleInfos is off). A miss in wasm allocated one otherwise,
// a block of them with pointers for the collector to scan at a time.
func (c *tokenCache) recycled() *tokenInfo {
	if !c.recycle {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.free)
	if n == 0 {
		return nil
	}
	t := c.free[n-1]
	c.free[n-1] = nil
	c.free = c.free[:n-1]
	*t = tokenInfo{}
	return t
}

// len reports the number of entries (for tests).
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
