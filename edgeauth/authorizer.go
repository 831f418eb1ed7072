package edgeauth

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures an Authorizer.
type Options struct {
	// Now is the clock used when a Request carries no now; nil means
	// time.Now. Inside the WASI module time.Now reads the host's
	// clock_time_get, which the host must back with the real wall clock.
	Now func() time.Time
}

// Authorizer decides Requests under the latest accepted Config. It is safe
// for concurrent use: a Config is compiled into an immutable policy and
// swapped in atomically, so a check sees either the old or the new Config,
// never a mix, and reconfiguring never blocks checks.
type Authorizer struct {
	now     func() time.Time
	policy  atomic.Pointer[policy]
	scratch sync.Pool
	// tables holds the keys' precomputed tables across Configs (comb.go):
	// state of this Authorizer, not of the process, so that two Authorizers
	// never share memory or bounds.
	tables tableCache
	// mu orders Configure and Update, so that an Update applies to the
	// policy in force and is never lost to a Configure swapping it.
	mu sync.Mutex
}

// NewAuthorizer returns an Authorizer with no Config: until Configure
// succeeds, every request is denied with 401.
func NewAuthorizer(opts Options) *Authorizer {
	a := &Authorizer{now: opts.Now}
	if a.now == nil {
		a.now = time.Now
	}
	a.scratch.New = func() any { return new(scratch) }
	return a
}

// Configure validates and installs a Config document (ABI.md). On error the
// previous Config stays in force; the error wraps ErrInvalidConfig and names
// the broken rule without echoing key material.
func (a *Authorizer) Configure(configJSON []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, err := parseConfig(configJSON, &a.tables)
	if err != nil {
		return err
	}
	a.policy.Store(p)
	return nil
}

// Update merges an Update document (ABI.md, a ConfigUpdate) into the Config
// in force: its revocations are added, its cutoffs move later, and entries
// that can no longer refuse any token are forgotten a few at a time. It
// costs time in proportion to the Update, not to the Config, and the
// verified-token cache is kept (its hits re-check revocations). On error
// nothing changes; the error wraps ErrInvalidConfig, also when no Config
// has been accepted yet.
func (a *Authorizer) Update(updateJSON []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.policy.Load()
	if p == nil {
		return configErr("update: no config is loaded")
	}
	entries, err := parseUpdate(updateJSON, p.rev)
	if err != nil {
		return err
	}
	p.rev.apply(entries, a.now().Unix(), p.leeway, p.maxLifetime)
	return nil
}

// Authorize decides one Request. A nil Request is malformed (400).
func (a *Authorizer) Authorize(req *Request) Decision {
	p := a.policy.Load()
	if req == nil {
		return *p.denial(denyBadRequest)
	}
	s := a.scratch.Get().(*scratch)
	defer a.scratch.Put(s)
	auth := req.Headers["authorization"]
	if len(auth) > 0 {
		v := auth[0]
		if n := p.credentialBound(); int64(len(v)) > n {
			v = v[:n]
		}
		s.cred = append(s.cred[:0], v...)
	}
	d := *decide(p, req.Method, req.Path, len(auth), s.cred, a.clock(req.Now), s)
	// The scopes may be shared with the token cache; the caller gets its own.
	d.Scopes = slices.Clone(d.Scopes)
	return d
}

// AuthorizeJSON is the ABI path: it strictly decodes a Request document,
// decides it, and appends the Decision document to dst. A malformed Request
// is denied with 400 invalid_request (401 while no Config is loaded): the
// check fails closed, it never fails open.
func (a *Authorizer) AuthorizeJSON(dst, requestJSON []byte) []byte {
	p := a.policy.Load()
	s := a.scratch.Get().(*scratch)
	defer a.scratch.Put(s)
	var r leanRequest
	if err := r.parse(requestJSON, s); err != nil {
		return AppendDecisionJSON(dst, p.denial(denyBadRequest))
	}
	var now int64
	if r.hasNow {
		now = r.now
	} else {
		now = a.now().Unix()
	}
	return AppendDecisionJSON(dst, decide(p, s.method, s.path, r.nAuth, s.cred, now, s))
}

func (a *Authorizer) clock(now *int64) int64 {
	if now != nil {
		return *now
	}
	return a.now().Unix()
}

// denial returns the Decision of d under p, or under no Config at all. It
// is shared and must not be written.
func (p *policy) denial(d denial) *Decision {
	if p == nil {
		if d != denyNoToken {
			d = denyNotConfigured
		}
		return &unconfigured[d]
	}
	return &p.deny[d]
}

// publicDecision is the Decision of a public route. It is shared and never
// written.
var publicDecision = Decision{Allow: true, Status: 200, Reason: ReasonPublic}

// decide applies the outcomes of ABI.md in order. nAuth is the number of
// Authorization values and auth the first one. The Decision it returns is
// shared (a policy's denials) or s's own, and is read, never written, by
// the caller: a Decision is 160 bytes, and in wasm every copy of one is a
// call to memmove and every zeroed one a loop of such calls, so it is
// built once where it stays and handed on by pointer.
func decide[S ~string | ~[]byte](p *policy, method, path S, nAuth int, auth []byte, now int64, s *scratch) *Decision {
	if p == nil {
		// Before any Config: every request is denied with 401.
		if nAuth == 0 {
			return &unconfigured[denyNoToken]
		}
		return &unconfigured[denyNotConfigured]
	}
	// 1. Public routes, then the route rule (or the default).
	for i := range p.public {
		if _, ok := match(&p.public[i], method, path, -1); ok {
			return &publicDecision
		}
	}
	var rt *route
	var ownerValue S
	for i := range p.routes {
		if v, ok := match(&p.routes[i].pattern, method, path, p.routes[i].owner); ok {
			rt, ownerValue = &p.routes[i], v
			break // the first listed rule that matches wins
		}
	}
	if rt == nil && p.denyDefault {
		return &p.deny[denyNotFound]
	}
	// 2. No credential at all.
	if nAuth == 0 {
		return &p.deny[denyNoToken]
	}
	// 3. The Authorization header's shape.
	if nAuth > 1 {
		return &p.deny[denyManyAuth]
	}
	scheme, cred, hasSpace := cutSpace(auth)
	if !isBearer(scheme) {
		return &p.deny[denyScheme]
	}
	if !hasSpace || len(cred) == 0 {
		return &p.deny[denyNoCredential]
	}
	// 4. The token.
	t, d := p.verifyToken(cred, now, s)
	if d != denyNone {
		return &p.deny[d]
	}
	if rt != nil {
		// 5. Owner before scopes, so that a stranger learns nothing.
		if rt.owner >= 0 && !isSubjectOf(t.sub, ownerValue) {
			return &p.deny[denyNotFound]
		}
		// 6. Every scope of the route must be in the token.
		for _, want := range rt.scopes {
			if !slices.Contains(t.scopes, want) {
				s.dec = p.deny[denyScope]
				s.dec.WWWAuthenticate = rt.challenge403
				return &s.dec
			}
		}
	}
	// Every member is written, so none needs zeroing first.
	dec := &s.dec
	dec.Allow, dec.Status, dec.Reason = true, 200, ReasonValidToken
	dec.Subject, dec.Scopes, dec.JTI, dec.ExpiresAt, dec.SID = t.sub, t.scopes, t.jti, t.exp, t.sid
	dec.Error, dec.ErrorDescription, dec.WWWAuthenticate = "", "", ""
	return dec
}

// credentialBound is how much of an Authorization value decide can need:
// a scheme as long as "Bearer", its space and one byte more than the
// longest token accepted. A longer value is refused the same whether it is
// read whole or cut there (for its scheme, or as too large), so Authorize
// copies no more of it: a request at a host's header bound must not cost a
// second copy of that size inside a small WASI memory. It is an int64, as
// max_token_bytes is: as an int it would overflow on a 32-bit platform for
// a max_token_bytes near the largest int32, and capped there it would cut
// a value that the bound does not refuse.
func (p *policy) credentialBound() int64 {
	if p == nil {
		return 0 // nothing of the value is read before a Config
	}
	return int64(len("Bearer ")) + min(p.maxTokenBytes, math.MaxInt64-int64(len("Bearer "))-1) + 1
}

// cutSpace splits an Authorization value at its first space.
func cutSpace(v []byte) (scheme, cred []byte, found bool) {
	for i, c := range v {
		if c == ' ' {
			return v[:i], v[i+1:], true
		}
	}
	return v, nil, false
}

// isBearer reports whether scheme is "Bearer" in any case (RFC 9110 section 11.1).
func isBearer(scheme []byte) bool { return asciiEqualUpper(scheme, "BEARER") }

// isSubjectOf reports whether sub is "users/" + id.
func isSubjectOf[S ~string | ~[]byte](sub string, id S) bool {
	const prefix = "users/"
	return len(sub) == len(prefix)+len(id) && sub[:len(prefix)] == prefix && sub[len(prefix):] == string(id)
}
