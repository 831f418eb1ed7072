// Package controlplane keeps the origin's auth step and the documents it
// publishes for edge hosts current: it configures the auth step from
// storage, and publishes the ABI v1 edge config
// (/.well-known/edgeauth.json) and the JWKS (/.well-known/jwks.json). It is
// not an edge host: edges only read what it publishes.
//
// It holds the revocation state (revoked sessions, subject cutoffs) in
// memory and keeps it current incrementally: the store numbers every change
// to it in commit order (origin.EdgeStore.RevocationSeq), and each sync
// reads only the entries numbered after the last it saw and hands them to
// the auth step as an update (edgeauth_update). So the cost of a logout,
// here and on every other replica, does not grow with the number of live
// revocations. A full configure (compaction) replaces the accumulated
// updates off the request path, on the poll, once MaxUpdates of them piled
// up, and whenever keys change; between two, the module forgets expired
// entries on its own, and the control plane drops them from its state on
// the poll. The published documents are rendered on demand, at most once
// per change.
package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/craftingapis/todos/origin"
)

// Defaults of Options.
const (
	// DefaultPollInterval is how often Run checks the store for changes
	// made by other processes.
	DefaultPollInterval = time.Second
	// DefaultPruneInterval is how often, at most, the poll drops expired
	// entries from the state (and so from the published config).
	DefaultPruneInterval = time.Minute
	// DefaultMaxUpdates is how many updates may pile up on the auth step
	// before the next poll replaces them with one full configure. A full
	// configure costs time in proportion to the whole state (seconds at
	// 100,000 entries) and holds updates back meanwhile, so it is kept
	// rare; the bound stays under wasmhost's own replay bound (4096), past
	// which an update would fall back to a full configure on the request
	// path.
	DefaultMaxUpdates = 3072
)

// Sink is the auth step the control plane keeps configured, e.g. a
// *wasmhost.Host. Both methods return only once their change is in force
// (every decision that starts afterwards sees it): a logout relies on that.
type Sink interface {
	// Configure makes an ABI v1 Config document the one in force. On
	// error the previous one stays in force.
	Configure(ctx context.Context, configJSON []byte) error
	// Update merges an edgeauth.ConfigUpdate document into the Config in
	// force. On any error nothing changed; the control plane then
	// configures in full (so a module without edgeauth_update still works,
	// at the cost of a full configure per change).
	Update(ctx context.Context, updateJSON []byte) error
}

// Options configures a ControlPlane. Store, Issuer, Audiences and
// TokenLifetime are required.
type Options struct {
	Store origin.EdgeStore
	// Sink may be nil (security off: there is no auth step to configure).
	Sink      Sink
	Issuer    string
	Audiences []string
	Realm     string
	// Leeway is the clock skew the auth step allows, in whole seconds; 0
	// means none (it is published explicitly, never defaulted).
	Leeway time.Duration
	// TokenLifetime is the issuer's access-token lifetime, published as
	// max_lifetime_seconds; cutoffs older than it (plus Leeway) are dropped.
	TokenLifetime time.Duration
	PollInterval  time.Duration // DefaultPollInterval when 0
	// PruneInterval is how often, at most, expired entries are dropped
	// from the state (DefaultPruneInterval when 0). MaxUpdates bounds the
	// updates the auth step holds between two full configures
	// (DefaultMaxUpdates when 0).
	PruneInterval time.Duration
	MaxUpdates    int
	Now           func() time.Time // time.Now when nil
	Logger        *slog.Logger     // discarded when nil
}

// ControlPlane implements origin.ControlPlane and origin.Notifier. It is
// safe for concurrent use.
type ControlPlane struct {
	opts Options

	calls atomic.Uint64 // Refresh calls so far; see Refresh

	mu       sync.Mutex // serialises syncs and pushes to the sink; guards the fields below
	covered  uint64     // every Refresh call numbered ≤ covered is satisfied
	loaded   bool       // a full load succeeded
	version  int64      // the store's ChangeVersion at the last full load
	seq      int64      // the store's RevocationSeq read up to
	keysNext time.Time  // when a retiring key retires (zero: none)
	updates  int        // updates pushed since the last full configure
	prunedAt time.Time  // the last time expired entries were dropped
	pushed   [sha256.Size]byte
	stale    bool // the sink may lack part of the state: configure in full at the next sync

	stateMu sync.RWMutex // guards st
	st      state

	public   atomic.Pointer[origin.EdgeDocument] // JWKS and public config; replaced on full loads
	renderMu sync.Mutex                          // one render of the full config at a time
	full     atomic.Pointer[rendered]
}

// rendered is the full edge config of one generation of the state.
type rendered struct {
	gen  uint64
	body []byte
	etag string
}

var (
	_ origin.ControlPlane = (*ControlPlane)(nil)
	_ origin.Notifier     = (*ControlPlane)(nil)
)

// New loads the state and configures the sink, so the auth step is
// configured before the origin serves anything.
func New(ctx context.Context, opts Options) (*ControlPlane, error) {
	if opts.Store == nil || opts.Issuer == "" || len(opts.Audiences) == 0 {
		return nil, errors.New("controlplane: store, issuer and at least one audience are required")
	}
	if opts.TokenLifetime < time.Second {
		return nil, errors.New("controlplane: token lifetime must be at least 1s")
	}
	if opts.Leeway < 0 {
		return nil, errors.New("controlplane: leeway must not be negative")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.PruneInterval <= 0 {
		opts.PruneInterval = DefaultPruneInterval
	}
	if opts.MaxUpdates <= 0 {
		opts.MaxUpdates = DefaultMaxUpdates
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Audiences = append([]string(nil), opts.Audiences...)
	c := &ControlPlane{opts: opts, st: state{sessions: map[string]int64{}, cutoffs: map[string]int64{}}}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Current returns the published documents that hold no revocations: the
// JWKS and the public subset of the edge config (never nil after New).
func (c *ControlPlane) Current() *origin.EdgeDocument { return c.public.Load() }

// FullConfig returns the edge config with every revocation and cutoff in
// the state, and its ETag. It is rendered here, on demand, at most once per
// change of the state: a burst of logouts costs one render, at the next
// fetch.
func (c *ControlPlane) FullConfig() ([]byte, string, error) {
	c.stateMu.RLock()
	gen := c.st.gen
	c.stateMu.RUnlock()
	if r := c.full.Load(); r != nil && r.gen == gen {
		return r.body, r.etag, nil
	}
	c.renderMu.Lock()
	defer c.renderMu.Unlock()
	c.stateMu.RLock()
	snap := c.st.snapshot(true)
	c.stateMu.RUnlock()
	if r := c.full.Load(); r != nil && r.gen == snap.gen {
		return r.body, r.etag, nil
	}
	body, err := c.config(snap)
	if err != nil {
		return nil, "", err
	}
	r := &rendered{gen: snap.gen, body: body, etag: etag(body)}
	c.full.Store(r)
	return r.body, r.etag, nil
}

// Refresh brings the auth step up to date with the store and returns only
// once it is in force. A caller's change is committed before it calls, so
// any sync that starts after the call began covers it: concurrent callers
// (a burst of logouts) share one sync instead of queueing one each. A sync
// with only new revocations reads just those and pushes them as one update.
func (c *ControlPlane) Refresh(ctx context.Context) error {
	ticket := c.calls.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.covered >= ticket {
		return nil
	}
	covers := c.calls.Load()
	if err := c.syncLocked(ctx); err != nil {
		return err
	}
	c.covered = covers
	return nil
}

// Run polls the store every PollInterval until ctx is done (see Poll). Run
// returns nil when ctx is done.
func (c *ControlPlane) Run(ctx context.Context) error {
	t := time.NewTicker(c.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := c.Poll(ctx); err != nil && ctx.Err() == nil {
			c.opts.Logger.LogAttrs(ctx, slog.LevelError, "edge config refresh failed", slog.String("error", err.Error()))
		}
	}
}

// Poll does one iteration of Run: it picks up changes made by other
// processes (two single-row reads when there are none), reloads in full
// when the keys changed, a retiring key's time came or the last push
// failed, replaces the updates the auth step holds with one full configure
// once MaxUpdates piled up, and drops expired entries from the state at
// most every PruneInterval.
func (c *ControlPlane) Poll(ctx context.Context) error {
	if err := c.Refresh(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	if c.opts.Sink != nil && c.updates >= c.opts.MaxUpdates {
		return c.configureLocked(ctx, now)
	}
	if now.Sub(c.prunedAt) >= c.opts.PruneInterval {
		c.stateMu.Lock()
		c.st.prune(now, c.expiry())
		c.stateMu.Unlock()
		c.prunedAt = now
	}
	return nil
}

func (c *ControlPlane) syncLocked(ctx context.Context) error {
	now := c.opts.Now()
	// The counters are read first: a change committed while we read the
	// rest moves them again, and the next sync picks it up.
	v, err := c.opts.Store.ChangeVersion(ctx)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	seq, err := c.opts.Store.RevocationSeq(ctx)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if !c.loaded || c.stale || v != c.version || (!c.keysNext.IsZero() && !now.Before(c.keysNext)) {
		return c.loadLocked(ctx, now, v, seq)
	}
	if seq == c.seq {
		return nil
	}
	return c.catchUpLocked(ctx, now, seq)
}

// loadLocked reads the whole state, publishes the documents and configures
// the sink in full.
func (c *ControlPlane) loadLocked(ctx context.Context, now time.Time, version, seq int64) error {
	keys, err := c.opts.Store.VerifyingKeys(ctx, now)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	legacy, err := c.opts.Store.Revocations(ctx, now.Add(-c.opts.Leeway))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	sessions, err := c.opts.Store.RevokedSessions(ctx, 0, seq, now.Add(-c.opts.Leeway))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	cutoffs, err := c.opts.Store.SubjectsValidAfter(ctx, 0, seq, c.cutoffHorizon(now))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	st := state{keys: keys, legacy: legacy, sessions: make(map[string]int64, len(sessions)), cutoffs: cutoffs}
	for _, r := range sessions {
		st.sessions[r.SID] = r.Exp
	}
	pub, next, err := c.publicDocument(keys)
	if err != nil {
		return err
	}
	c.stateMu.Lock()
	st.gen = c.st.gen + 1
	c.st = st
	c.st.earliest = c.st.computeEarliest(c.expiry())
	c.stateMu.Unlock()

	prev := c.public.Swap(pub)
	c.loaded, c.version, c.seq, c.keysNext = true, version, seq, next
	if prev == nil || prev.ConfigETag != pub.ConfigETag || prev.JWKSETag != pub.JWKSETag {
		c.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "edge config updated",
			slog.String("etag", pub.ConfigETag), slog.Int("keys", len(keys)),
			slog.Int("revoked_sessions", len(sessions)), slog.Int("subjects", len(cutoffs)),
			slog.Int("revoked", len(legacy)), slog.Int64("version", version), slog.Int64("seq", seq))
	}
	return c.configureLocked(ctx, now)
}

// catchUpLocked reads the revocation entries numbered in (c.seq, seq],
// merges them into the state and pushes what is new to the sink as one
// update; if the sink refuses it, it configures in full instead.
func (c *ControlPlane) catchUpLocked(ctx context.Context, now time.Time, seq int64) error {
	sessions, err := c.opts.Store.RevokedSessions(ctx, c.seq, seq, now.Add(-c.opts.Leeway))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	cutoffs, err := c.opts.Store.SubjectsValidAfter(ctx, c.seq, seq, c.cutoffHorizon(now))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	c.stateMu.Lock()
	upd := c.st.merge(sessions, cutoffs, c.expiry())
	c.stateMu.Unlock()
	c.seq = seq
	if c.opts.Sink == nil || upd == nil {
		return nil
	}
	body, err := json.Marshal(upd)
	if err != nil {
		return fmt.Errorf("controlplane: update: %w", err)
	}
	if err := c.opts.Sink.Update(ctx, body); err != nil {
		if ctx.Err() != nil {
			c.stale = true
			return fmt.Errorf("controlplane: auth step update: %w", err)
		}
		c.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "the auth step did not take an update; configuring it in full",
			slog.String("error", err.Error()), slog.Int("revoked_sessions", len(upd.RevokedSessions)),
			slog.Int("subjects", len(upd.SubjectsValidAfter)))
		return c.configureLocked(ctx, now)
	}
	c.updates++
	c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "edge config update pushed",
		slog.Int("revoked_sessions", len(upd.RevokedSessions)), slog.Int("subjects", len(upd.SubjectsValidAfter)),
		slog.Int64("seq", seq))
	return nil
}

// configureLocked drops the expired entries from the state and gives the
// sink the whole of it (with any HS256 secret, which only the origin's own
// auth step sees), unless it already has exactly that. On failure the
// previous config keeps serving, and the next sync tries again in full.
func (c *ControlPlane) configureLocked(ctx context.Context, now time.Time) error {
	c.stateMu.Lock()
	c.st.prune(now, c.expiry())
	snap := c.st.snapshot(false)
	c.stateMu.Unlock()
	c.prunedAt = now
	if c.opts.Sink == nil {
		c.updates, c.stale = 0, false
		return nil
	}
	body, err := c.config(snap)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if sum != c.pushed || c.updates > 0 || c.stale {
		start := time.Now()
		if err := c.opts.Sink.Configure(ctx, body); err != nil {
			c.stale = true
			return fmt.Errorf("controlplane: auth step refused the config: %w", err)
		}
		c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "edge config configured in full",
			slog.Int("bytes", len(body)), slog.Int("updates_replaced", c.updates),
			slog.Duration("took", time.Since(start)))
		c.pushed = sum
	}
	c.updates, c.stale = 0, false
	return nil
}

// cutoffHorizon: a cutoff at or before it refuses no token still alive.
func (c *ControlPlane) cutoffHorizon(now time.Time) time.Time {
	return now.Add(-c.opts.TokenLifetime - c.opts.Leeway)
}

// expiry is how long past its time an entry can still refuse a token.
func (c *ControlPlane) expiry() expiry {
	return expiry{leeway: int64(c.opts.Leeway / time.Second), lifetime: int64(c.opts.TokenLifetime / time.Second)}
}

// Stats describes the state the control plane holds.
type Stats struct {
	RevokedSessions int // entries of revoked sessions
	Subjects        int // subject cutoffs
	Revoked         int // jti revocations (of earlier releases)
	// Updates is how many updates the auth step holds on top of its last
	// full configure.
	Updates int
}

// Stats returns the current Stats; cheap enough for every metrics scrape.
func (c *ControlPlane) Stats() Stats {
	c.stateMu.RLock()
	s := Stats{RevokedSessions: len(c.st.sessions), Subjects: len(c.st.cutoffs), Revoked: len(c.st.legacy)}
	c.stateMu.RUnlock()
	c.mu.Lock()
	s.Updates = c.updates
	c.mu.Unlock()
	return s
}
