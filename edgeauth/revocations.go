package edgeauth

import (
	"hash/maphash"
	"sync"
)

// revocations is what a policy refuses by name: revoked jtis, revoked
// sessions (sid) and subjects' cutoffs. Unlike the rest of a policy it
// changes after Configure: Update merges entries into it in place, under
// mu, so that an update costs time in proportion to its own size instead
// of a copy of every entry.
//
// Entries are keyed by a 128-bit keyed hash of the name, not the name:
// a map of fixed-size keys and int64 values holds no pointers, so a
// Config with 100,000 entries costs one allocation per table instead of
// one per entry, and the garbage collector (which stops a wasm instance
// to run) never scans it. The seeds are random per policy, so nobody can
// aim a name at another's slot; two names sharing a digest by chance
// (probability about entries/2^128) would refuse a good token, never pass
// a revoked one.
type revocations struct {
	mu       sync.RWMutex
	seed     [2]maphash.Seed
	jtis     entrySet // digest of a jti -> exp
	sids     entrySet // digest of a sid -> exp
	subjects entrySet // digest of a sub -> cutoff (tokens issued earlier are refused)
}

// digest identifies a name in an entrySet.
type digest [2]uint64

// entrySet maps digests to a time (an exp or a cutoff). ring holds every
// key once, oldest first: it is the cursor of the sweep that forgets dead
// entries a few at a time (see sweep).
type entrySet struct {
	m       map[digest]int64
	ring    []digest // circular: ring[(head+i)%len(ring)] for i < n
	head, n int
}

func newRevocations() *revocations {
	return &revocations{seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

func (r *revocations) digest(name []byte) digest {
	return digest{maphash.Bytes(r.seed[0], name), maphash.Bytes(r.seed[1], name)}
}

func (r *revocations) digestString(name string) digest {
	return digest{maphash.String(r.seed[0], name), maphash.String(r.seed[1], name)}
}

// refuses applies the revocation rules of the token profile to a verified
// token: its jti or its sid revoked, or its iat before its subject's
// cutoff. t's digests were taken with r's seeds (checkClaims).
func (r *revocations) refuses(t *tokenInfo) denial {
	r.mu.RLock()
	_, revoked := r.jtis.m[t.jtiDigest]
	if !revoked && t.sid != "" {
		_, revoked = r.sids.m[t.sidDigest]
	}
	after, cut := r.subjects.m[t.subDigest]
	r.mu.RUnlock()
	switch {
	case revoked:
		return denyRevoked
	case cut && t.iat < after:
		return denySuperseded
	}
	return denyNone
}

// init sizes an empty set for n entries.
func (s *entrySet) init(n int) {
	s.m = make(map[digest]int64, n)
	s.ring = make([]digest, n)
}

// put adds d with value v; an entry already there keeps the later value
// (a later exp, a later cutoff).
func (s *entrySet) put(d digest, v int64) {
	if old, ok := s.m[d]; ok {
		s.m[d] = max(old, v)
		return
	}
	s.m[d] = v
	s.push(d)
}

func (s *entrySet) push(d digest) {
	if s.n == len(s.ring) {
		grown := make([]digest, max(2*len(s.ring), 8))
		for i := range s.n {
			grown[i] = s.ring[(s.head+i)%len(s.ring)]
		}
		s.ring, s.head = grown, 0
	}
	s.ring[(s.head+s.n)%len(s.ring)] = d
	s.n++
}

// sweep looks at up to budget of the oldest keys: a dead one is forgotten,
// a live one goes back to the end of the ring. So every key is looked at
// once per pass over the ring, and an entry is forgotten at most one pass
// after it died. With a budget of at least twice the entries added per
// update, a pass adds at most half as many entries as the ring holds, so
// the set stays within about twice its live entries.
func (s *entrySet) sweep(budget int, dead func(v int64) bool) {
	for ; budget > 0 && s.n > 0; budget-- {
		d := s.ring[s.head]
		s.ring[s.head] = digest{}
		s.head = (s.head + 1) % len(s.ring)
		s.n--
		if v, ok := s.m[d]; ok && dead(v) {
			delete(s.m, d)
			continue
		}
		s.push(d)
	}
}

func (s *entrySet) len() int { return len(s.m) }

// pending is one validated entry of an update, applied only once the
// whole update has been validated.
type pending struct {
	set *entrySet
	d   digest
	v   int64
}

// apply merges validated entries and then forgets a bounded number of
// entries that can no longer refuse any token at now: a jti or sid entry
// once exp + leeway has passed (a token it names has exp <= that, so the
// time checks refuse it anyway), a cutoff once cutoff + maxLifetime +
// leeway has passed (a token issued before it has exp < cutoff +
// maxLifetime, or its lifetime is refused).
func (r *revocations) apply(entries []pending, now, leeway, maxLifetime int64) {
	budget := 2*len(entries) + sweepMinimum
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		e.set.put(e.d, e.v)
	}
	expired := func(exp int64) bool { return satAdd(exp, leeway) < now }
	r.jtis.sweep(budget, expired)
	r.sids.sweep(budget, expired)
	r.subjects.sweep(budget, func(cutoff int64) bool { return satAdd(satAdd(cutoff, maxLifetime), leeway) < now })
}

// sweepMinimum is the sweep budget of an update that adds nothing to a set,
// so that every set keeps shrinking while updates arrive.
const sweepMinimum = 8
