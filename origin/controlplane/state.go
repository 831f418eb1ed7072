package controlplane

import (
	"maps"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// state is what the auth step decides from, as the control plane holds it:
// the keys and, kept current incrementally, the revocations.
type state struct {
	gen      uint64 // moves on every change; the full config is rendered once per gen
	keys     []origin.VerifyingKey
	legacy   []edgeauth.Revocation // jti revocations of earlier releases, sorted by jti
	sessions map[string]int64      // revoked sid -> exp
	cutoffs  map[string]int64      // subject -> valid_after
	// earliest is when the first entry stops refusing any token (zero:
	// there is none); until then prune has nothing to drop.
	earliest time.Time
}

// expiry says when an entry can no longer refuse a token still alive: a
// revoked session's tokens have all expired once its exp plus the leeway
// has passed; a cutoff refuses only tokens issued before it, which have
// expired once a whole lifetime plus the leeway has passed after it.
type expiry struct{ leeway, lifetime int64 }

func (e expiry) revoked(exp int64) int64 { return exp + e.leeway }
func (e expiry) cutoff(v int64) int64    { return v + e.lifetime + e.leeway }

// merge adds the entries that are new or later than those held, and returns
// them as an update (nil when nothing is new).
func (s *state) merge(sessions []edgeauth.SessionRevocation, cutoffs map[string]int64, e expiry) *edgeauth.ConfigUpdate {
	var upd edgeauth.ConfigUpdate
	for _, r := range sessions {
		if old, ok := s.sessions[r.SID]; ok && old >= r.Exp {
			continue
		}
		s.sessions[r.SID] = r.Exp
		upd.RevokedSessions = append(upd.RevokedSessions, r)
		s.noteExpiry(e.revoked(r.Exp))
	}
	for sub, v := range cutoffs {
		if old, ok := s.cutoffs[sub]; ok && old >= v {
			continue
		}
		s.cutoffs[sub] = v
		if upd.SubjectsValidAfter == nil {
			upd.SubjectsValidAfter = map[string]int64{}
		}
		upd.SubjectsValidAfter[sub] = v
		s.noteExpiry(e.cutoff(v))
	}
	if upd.RevokedSessions == nil && upd.SubjectsValidAfter == nil {
		return nil
	}
	s.gen++
	return &upd
}

// noteExpiry records an entry that refuses nothing after unix second t.
func (s *state) noteExpiry(t int64) {
	if at := time.Unix(t+1, 0); s.earliest.IsZero() || at.Before(s.earliest) {
		s.earliest = at
	}
}

// prune drops the entries that refuse nothing any more.
func (s *state) prune(now time.Time, e expiry) {
	if s.earliest.IsZero() || now.Before(s.earliest) {
		return
	}
	n, dropped := now.Unix(), false
	for sid, exp := range s.sessions {
		if e.revoked(exp) < n {
			delete(s.sessions, sid)
			dropped = true
		}
	}
	for sub, v := range s.cutoffs {
		if e.cutoff(v) < n {
			delete(s.cutoffs, sub)
			dropped = true
		}
	}
	kept := s.legacy[:0]
	for _, r := range s.legacy {
		if e.revoked(r.Exp) >= n {
			kept = append(kept, r)
		}
	}
	if len(kept) != len(s.legacy) {
		clear(s.legacy[len(kept):])
		s.legacy, dropped = kept, true
	}
	if dropped {
		s.gen++
	}
	s.earliest = s.computeEarliest(e)
}

// computeEarliest scans every entry for the earliest expiry.
func (s *state) computeEarliest(e expiry) time.Time {
	saved := s.earliest
	s.earliest = time.Time{}
	for _, exp := range s.sessions {
		s.noteExpiry(e.revoked(exp))
	}
	for _, v := range s.cutoffs {
		s.noteExpiry(e.cutoff(v))
	}
	for _, r := range s.legacy {
		s.noteExpiry(e.revoked(r.Exp))
	}
	at := s.earliest
	s.earliest = saved
	return at
}

// snapshot is a copy of the state to render a config from without holding
// the lock: keys (only the publishable ones when public is true, i.e.
// never an HS256 secret), and the revocations.
type snapshot struct {
	gen      uint64
	keys     []edgeauth.JWK
	legacy   []edgeauth.Revocation
	sessions []edgeauth.SessionRevocation
	cutoffs  map[string]int64
}

func (s *state) snapshot(public bool) snapshot {
	out := snapshot{
		gen:      s.gen,
		legacy:   append([]edgeauth.Revocation(nil), s.legacy...),
		sessions: make([]edgeauth.SessionRevocation, 0, len(s.sessions)),
		cutoffs:  maps.Clone(s.cutoffs),
	}
	for _, k := range s.keys {
		if !public || publishable(k.JWK) {
			out.keys = append(out.keys, k.JWK)
		}
	}
	for sid, exp := range s.sessions {
		out.sessions = append(out.sessions, edgeauth.SessionRevocation{SID: sid, Exp: exp})
	}
	return out
}
