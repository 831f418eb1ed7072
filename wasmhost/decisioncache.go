package wasmhost

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/craftingapis/todos/edgeauth"
)

// Why a second cache, in front of the module's own verified-token cache:
// the module's cache makes a repeated token cheap inside wasm, but every
// call still pays for entering the module: encoding the Request, copying it
// into guest memory, running the module's JSON parser and writer, parsing
// the Decision back, and — with the call deadline on — wazero's exit to Go
// at every loop back-edge, which costs the most on exactly such short
// calls. A hit here is a map lookup and a copy in Go, orders of magnitude
// cheaper ("Cache hit through wasmhost" in tests/bench/BENCHMARKS.md), so a
// repeated token skips wasm entirely and the deadline only costs on misses.
// The module's cache stays: it serves edge hosts (Node, workerd) and a
// token seen on a new route here.
//
// What makes a cached Decision safe to reuse:
//   - The key is everything the module reads: the method, the path and the
//     whole Authorization value (only requests with exactly one value and no
//     caller-supplied clock are cached), length-prefixed so that no two
//     requests share a key. The key is hashed once (seeded maphash), which
//     picks the shard and the map slot; a hit then compares the whole key
//     byte for byte, so the token is never matched by a hash alone.
//   - Only allowed decisions for a verified token enter (a Subject and an
//     ExpiresAt in the future). Denials depend on time (not yet valid) or
//     are cheap, and caching them would let junk tokens evict real ones.
//   - An entry is served only while now < exp: a token the module would
//     refuse as expired is never allowed from here (the module allows up to
//     exp + leeway, so this is the stricter of the two).
//   - Each cache belongs to one Config. Configure installs an empty cache
//     for the new Config's generation, and a Decision reaches the cache
//     only if it was made under that generation or a later one (the same
//     Config plus Updates), so a call decided under the old Config that
//     finishes after Configure cannot plant an entry the new Config (a
//     revocation, a subjects_valid_after change, a retired key) would
//     refuse.
//   - An Update keeps the cache (a logout must not flush every user's
//     entries) and records what it revokes — each jti, sid, and subject
//     whose cutoff it moves — with its generation. An entry decided under
//     an earlier generation that names one of them is stale: a hit drops
//     it and asks the module. Every entry records the generation it was
//     decided under, so a call in flight across an Update cannot plant a
//     revoked allow either. The record is bounded by the Updates a Host
//     keeps since the last Configure (maxReplayUpdates).
//   - It is bounded in entries and in bytes, per shard, and evicts expired
//     entries first, then arbitrary ones (map order is randomised, which an
//     attacker cannot steer).

// Defaults of the host-side decision cache.
const (
	// DefaultDecisionCacheEntries covers the working set of an origin's
	// active users several times over (each entry is one token on one route).
	DefaultDecisionCacheEntries = 8192
	// DefaultDecisionCacheBytes bounds the memory of the cache.
	DefaultDecisionCacheBytes = 8 << 20
	// maxCachedKeyBytes keeps an outsized Authorization header (up to
	// net/http's 1 MiB) from being cached at all.
	maxCachedKeyBytes = 4 << 10
	// decisionEntryOverhead approximates the map slot, the entry struct and
	// the string headers of one entry, so that tiny entries are bounded too.
	decisionEntryOverhead = 192
	// decisionEvictScan bounds how many entries an insertion into a full
	// shard inspects for expired ones, so that an insertion costs O(1).
	decisionEvictScan = 16
	// decisionShards spreads lock contention: with a single mutex, 32
	// concurrent requests on many cores would queue on it.
	decisionShards = 16
)

// decisionCache holds allowed Decisions made under one Config generation.
// It is safe for concurrent use.
type decisionCache struct {
	gen    uint64 // of the Config; Decisions of earlier generations are refused
	seed   maphash.Seed
	shards [decisionShards]decisionShard

	// revoked maps what the Updates since the Config revoked to the
	// generation of the Update; nRevoked is its size, read on every hit
	// without taking the lock.
	revokedMu sync.RWMutex
	revoked   map[revokedName]uint64
	nRevoked  atomic.Int64
}

// revokedName is a jti, a sid or a subject named by an Update.
type revokedName struct {
	kind uint8 // nameJTI, nameSID or nameSubject
	name string
}

const (
	nameJTI uint8 = iota
	nameSID
	nameSubject
)

// decisionEntry is a cached Decision, its key and the generation it was
// made under.
type decisionEntry struct {
	edgeauth.Decision
	key string
	gen uint64
}

type decisionShard struct {
	mu         sync.Mutex
	entries    map[uint64]*decisionEntry // by the key's hash; the entry holds the key
	bytes      int
	maxEntries int
	maxBytes   int
	_          [64]byte // keep shards' mutexes off each other's cache lines
}

// newDecisionCache returns an empty cache for generation gen, or nil when
// maxEntries or maxBytes is not positive (caching disabled).
func newDecisionCache(gen uint64, maxEntries, maxBytes int) *decisionCache {
	if maxEntries <= 0 || maxBytes <= 0 {
		return nil
	}
	c := &decisionCache{gen: gen, seed: maphash.MakeSeed()}
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = make(map[uint64]*decisionEntry)
		s.maxEntries = max(1, maxEntries/decisionShards)
		s.maxBytes = max(1, maxBytes/decisionShards)
	}
	return c
}

// appendDecisionKey appends the cache key of req to dst and reports whether
// req may be cached at all: exactly one Authorization value, no caller
// clock, and a key of at most maxCachedKeyBytes. Method and path are
// length-prefixed, so the encoding is injective.
func appendDecisionKey(dst []byte, req *edgeauth.Request) ([]byte, bool) {
	auth := req.Headers["authorization"]
	if req.Now != nil || len(auth) != 1 || auth[0] == "" {
		return dst, false
	}
	if len(req.Method)+len(req.Path)+len(auth[0])+2*binary.MaxVarintLen64 > maxCachedKeyBytes {
		return dst, false
	}
	dst = binary.AppendUvarint(dst, uint64(len(req.Method)))
	dst = append(dst, req.Method...)
	dst = binary.AppendUvarint(dst, uint64(len(req.Path)))
	dst = append(dst, req.Path...)
	return append(dst, auth[0]...), true
}

// shard returns key's hash and the shard it belongs to. One hash serves
// both: the shard's map is keyed by it, so the key's bytes are hashed once
// per lookup, not a second time by the map.
func (c *decisionCache) shard(key []byte) (uint64, *decisionShard) {
	h := maphash.Bytes(c.seed, key)
	return h, &c.shards[h%decisionShards]
}

// get returns a copy of the Decision cached under key if it is still valid
// at now (unix seconds). The copy has its own Scopes, so the caller may
// keep or change it.
func (c *decisionCache) get(key []byte, now int64) (edgeauth.Decision, bool) {
	h, s := c.shard(key)
	s.mu.Lock()
	e := s.entries[h]
	// Another key with the same hash (a 2^-64 chance) is a miss.
	ok := e != nil && e.key == string(key)
	if ok && (now >= e.ExpiresAt || c.stale(e)) {
		s.remove(h, e)
		ok = false
	}
	var d edgeauth.Decision
	if ok {
		d = e.Decision
	}
	s.mu.Unlock()
	if !ok {
		return edgeauth.Decision{}, false
	}
	d.Scopes = slices.Clone(d.Scopes)
	return d, true
}

// put caches d, decided under generation gen, under key if d is an allowed
// Decision for a verified token that is still valid at now, and gen is not
// older than the cache's Config. The cache keeps its own copy of d.
func (c *decisionCache) put(key []byte, d *edgeauth.Decision, now int64, gen uint64) {
	if !d.Allow || d.Subject == "" || d.ExpiresAt <= now || gen < c.gen {
		return
	}
	e := &decisionEntry{Decision: *d, key: string(key), gen: gen}
	e.Scopes = slices.Clone(d.Scopes)
	size := decisionSize(e)
	h, s := c.shard(key)
	if size > s.maxBytes {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.entries[h]; ok { // the same key, or one with its hash
		s.remove(h, old)
	}
	if len(s.entries) >= s.maxEntries || s.bytes+size > s.maxBytes {
		scanned := 0
		for k, old := range s.entries {
			if scanned++; scanned > decisionEvictScan {
				break
			}
			if now >= old.ExpiresAt {
				s.remove(k, old)
			}
		}
		for k, old := range s.entries {
			if len(s.entries) < s.maxEntries && s.bytes+size <= s.maxBytes {
				break
			}
			s.remove(k, old)
		}
	}
	s.entries[h] = e
	s.bytes += size
}

func (s *decisionShard) remove(h uint64, e *decisionEntry) {
	delete(s.entries, h)
	s.bytes -= decisionSize(e)
}

// revoke records, for generation gen, what an Update revoked: entries
// decided under an earlier generation that name one of these are stale.
func (c *decisionCache) revoke(gen uint64, u *edgeauth.ConfigUpdate) {
	c.revokedMu.Lock()
	defer c.revokedMu.Unlock()
	if c.revoked == nil {
		c.revoked = make(map[revokedName]uint64)
	}
	for _, r := range u.Revoked {
		c.revoked[revokedName{nameJTI, r.JTI}] = gen
	}
	for _, r := range u.RevokedSessions {
		c.revoked[revokedName{nameSID, r.SID}] = gen
	}
	for sub := range u.SubjectsValidAfter {
		c.revoked[revokedName{nameSubject, sub}] = gen
	}
	c.nRevoked.Store(int64(len(c.revoked)))
}

// stale reports whether an Update since e was decided revoked its jti, its
// sid or its subject's earlier tokens.
func (c *decisionCache) stale(e *decisionEntry) bool {
	if c.nRevoked.Load() == 0 {
		return false
	}
	c.revokedMu.RLock()
	defer c.revokedMu.RUnlock()
	for _, n := range [...]revokedName{{nameJTI, e.JTI}, {nameSID, e.SID}, {nameSubject, e.Subject}} {
		if g, ok := c.revoked[n]; ok && n.name != "" && g > e.gen {
			return true
		}
	}
	return false
}

// decisionSize approximates the bytes an entry holds.
func decisionSize(d *decisionEntry) int {
	n := decisionEntryOverhead + len(d.key) + len(d.Subject) + len(d.JTI) + len(d.SID) + len(d.Reason) + 16*len(d.Scopes)
	for _, s := range d.Scopes {
		n += len(s)
	}
	return n
}

// len reports the number of entries (for tests and benchmarks).
func (c *decisionCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}
