package edgeauth

import "sync"

// Bounds of the verified-token cache of one Config. A WASI instance gets
// about 8 MiB in all, so the cache stays well under that; 1024 distinct live
// tokens cover an edge's or an origin's working set of users.
const (
	cacheMaxEntries = 1024
	cacheMaxBytes   = 1 << 20
	// cacheEntryOverhead approximates the map slot, the tokenInfo and string
	// headers of an entry, so that many tiny tokens are bounded as well.
	cacheEntryOverhead = 160
	// cacheEvictScan bounds the entries a full cache inspects for expired
	// ones per insertion, so that an insertion costs O(1).
	cacheEvictScan = 32
)

// tokenCache remembers tokens whose signature and time-independent claims
// were verified under one policy, keyed by the whole token. It pays where
// signatures are expensive: an EdDSA or ES256 check costs about a
// millisecond in wasm, a hit a few microseconds. It lives inside the
// module, so every host (wazero, Node, workerd) gains from it.
//
// An entry is never trusted beyond what it proved: a hit re-checks exp,
// nbf and iat against the request's clock; the cache belongs to one policy,
// so a new Config (a revocation, a subjects_valid_after change, a removed
// key) starts from an empty cache; and only fully accepted tokens enter.
type tokenCache struct {
	mu sync.Mutex
	// entries is keyed by the token's last cacheKeyBytes characters (from
	// the signature, so effectively random) rather than the whole token:
	// hashing a 300-byte key is several microseconds in wasm. An entry is
	// only a hit if its whole token is equal, so a suffix collision is just
	// a miss, never a forgery.
	entries    map[string]*cacheEntry
	bytes      int
	maxEntries int
	maxBytes   int
}

// cacheKeyBytes is the length of the token suffix that keys the map.
const cacheKeyBytes = 22

type cacheEntry struct {
	tok  string
	info *tokenInfo
}

func cacheKey(tok []byte) []byte {
	if len(tok) > cacheKeyBytes {
		return tok[len(tok)-cacheKeyBytes:]
	}
	return tok
}

func newTokenCache(maxEntries, maxBytes int) *tokenCache {
	return &tokenCache{entries: map[string]*cacheEntry{}, maxEntries: maxEntries, maxBytes: maxBytes}
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

// put adds a verified token. expiredAt is now − leeway: entries whose exp is
// not after it can never be accepted again at this clock and go first when
// the cache is full; after them, arbitrary entries go (Go's map iteration
// order is randomised), which an attacker cannot steer.
func (c *tokenCache) put(tok []byte, t *tokenInfo, expiredAt int64) {
	size := entrySize(string(tok), t)
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := string(cacheKey(tok))
	if old, ok := c.entries[key]; ok {
		c.remove(key, old) // a suffix collision: the newer token wins
	}
	if len(c.entries) >= c.maxEntries || c.bytes+size > c.maxBytes {
		scanned := 0
		for k, e := range c.entries {
			if scanned++; scanned > cacheEvictScan {
				break
			}
			if e.info.exp <= expiredAt {
				c.remove(k, e)
			}
		}
		for k, e := range c.entries {
			if len(c.entries) < c.maxEntries && c.bytes+size <= c.maxBytes {
				break
			}
			c.remove(k, e)
		}
	}
	c.entries[key] = &cacheEntry{tok: string(tok), info: t}
	c.bytes += size
}

func (c *tokenCache) remove(k string, e *cacheEntry) {
	delete(c.entries, k)
	c.bytes -= entrySize(e.tok, e.info)
}

func entrySize(tok string, t *tokenInfo) int {
	n := cacheEntryOverhead + len(tok) + len(t.sub) + len(t.jti) + 16*len(t.scopes)
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
