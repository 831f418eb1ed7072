package edgeauth

import "sync"

// Bounds of the verified-token cache of one Config. A WASI instance's whole
// memory is a few MiB, so the cache stays well under that; 1024 distinct
// live tokens cover an edge's or an origin's working set of users.
const (
	cacheMaxEntries = 1024
	cacheMaxBytes   = 1 << 20
	// cacheEntryOverhead approximates the map slot, the ring slot, the
	// tokenInfo (with its inline scope array) and the string headers of an
	// entry, so that many tiny tokens are bounded as well.
	cacheEntryOverhead = 256
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
// Eviction is first in, first out through a ring of the keys in insertion
// order: O(1) per insertion with no map iteration. (Evicting by iterating
// the map, as an earlier version did, cost more per insertion into a full
// cache in wasm than the HMAC of an HS256 check.) Tokens of one
// issuer share a lifetime, so the oldest entry is also the one that expires
// first; only verified tokens enter, so flushing the cache takes as many
// valid tokens as it holds, whatever the policy.
type tokenCache struct {
	mu sync.Mutex
	// entries is keyed by the token's last cacheKeyBytes characters (from
	// the signature, so effectively random) rather than the whole token:
	// hashing a whole token of a few hundred bytes is slow in wasm. The key
	// is a substring of the entry's token, so it costs no allocation. An entry
	// is only a hit if its whole token is equal, so a suffix collision is
	// just a miss, never a forgery.
	entries map[string]cacheEntry
	// ring holds the keys in insertion order, oldest at head; n slots are
	// in use. A slot whose entry was replaced since (same key) is stale:
	// its seq no longer matches, and popping it frees nothing.
	ring       []ringSlot
	head, n    int
	seq        uint64
	bytes      int
	maxEntries int
	maxBytes   int
}

// cacheKeyBytes is the length of the token suffix that keys the map.
const cacheKeyBytes = 22

type cacheEntry struct {
	tok  string
	info *tokenInfo
	seq  uint64
}

type ringSlot struct {
	key string
	seq uint64
}

func cacheKey[S ~string | ~[]byte](tok S) S {
	if len(tok) > cacheKeyBytes {
		return tok[len(tok)-cacheKeyBytes:]
	}
	return tok
}

func newTokenCache(maxEntries, maxBytes int) *tokenCache {
	return &tokenCache{
		entries:    map[string]cacheEntry{},
		ring:       make([]ringSlot, max(maxEntries, 0)),
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
	}
}

func (c *tokenCache) get(tok []byte) (*tokenInfo, bool) {
	c.mu.Lock()
	e, ok := c.entries[string(cacheKey(tok))] // no allocation for a lookup
	c.mu.Unlock()
	if !ok || e.tok != string(tok) {
		return nil, false
	}
	return e.info, true
}

// put adds a verified token, evicting the oldest entries while the cache is
// over either bound.
func (c *tokenCache) put(tok []byte, t *tokenInfo) {
	size := entrySize(tok, t)
	if c.maxEntries <= 0 || size > c.maxBytes {
		return
	}
	s := string(tok) // the one allocation: the entry's copy of the token
	key := cacheKey(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.drop(key, old) // the same token again, or a suffix collision: the newer wins
	}
	for c.n > 0 && (c.n >= c.maxEntries || c.bytes+size > c.maxBytes) {
		c.popOldest()
	}
	c.seq++
	c.entries[key] = cacheEntry{tok: s, info: t, seq: c.seq}
	c.ring[(c.head+c.n)%len(c.ring)] = ringSlot{key: key, seq: c.seq}
	c.n++
	c.bytes += size
}

// popOldest frees the oldest ring slot and, unless it is stale, its entry.
func (c *tokenCache) popOldest() {
	slot := c.ring[c.head]
	c.ring[c.head] = ringSlot{} // let the token's memory go
	c.head = (c.head + 1) % len(c.ring)
	c.n--
	if e, ok := c.entries[slot.key]; ok && e.seq == slot.seq {
		c.drop(slot.key, e)
	}
}

func (c *tokenCache) drop(key string, e cacheEntry) {
	delete(c.entries, key)
	c.bytes -= entrySize(e.tok, e.info)
}

func entrySize[S ~string | ~[]byte](tok S, t *tokenInfo) int {
	n := cacheEntryOverhead + len(tok) + len(t.sub) + len(t.jti) + len(t.sid) + 16*len(t.scopes)
	for _, s := range t.scopes {
		n += len(s)
	}
	return n
}

// len reports the number of entries (for tests).
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
