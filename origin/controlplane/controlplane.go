// Package controlplane keeps the origin's auth step and the documents it
// publishes for edge hosts current. It builds the ABI v1 edge config
// (/.well-known/edgeauth.json) and the JWKS (/.well-known/jwks.json) from
// storage, pushes the config to the origin's own auth step, and keeps both
// current: at once after a local change (Refresh) and, by polling a cheap
// change counter, after a change made by another process such as
// `origin keys rotate`. It is not an edge host: edges only read what it
// publishes.
package controlplane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/craftingapis/todos/origin"
)

// DefaultPollInterval is how often Run checks the store for changes made by
// other processes.
const DefaultPollInterval = time.Second

// Sink receives every new config the auth step must decide from, e.g.
// (*wasmhost.Host).Configure. It must return only once the config is in
// force: Refresh relies on that to make a logout effective at once.
type Sink func(ctx context.Context, configJSON []byte) error

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
	// TokenLifetime is the issuer's token lifetime, published as
	// max_lifetime_seconds; cutoffs older than it (plus Leeway) are dropped.
	TokenLifetime time.Duration
	PollInterval  time.Duration    // DefaultPollInterval when 0
	Now           func() time.Time // time.Now when nil
	Logger        *slog.Logger     // discarded when nil
}

// ControlPlane implements origin.ControlPlane and origin.Notifier. It is
// safe for concurrent use.
type ControlPlane struct {
	opts Options
	cur  atomic.Pointer[origin.EdgeDocument]

	calls atomic.Uint64 // Refresh calls so far; see Refresh

	mu         sync.Mutex // serialises builds; guards the fields below
	covered    uint64     // every Refresh call numbered ≤ covered is satisfied
	version    int64      // store change version of the last good build
	nextChange time.Time  // when time alone changes the content
	pushed     []byte     // the config the sink last accepted
	stale      bool       // the last build or push failed: retry on the next poll
}

var (
	_ origin.ControlPlane = (*ControlPlane)(nil)
	_ origin.Notifier     = (*ControlPlane)(nil)
)

// New builds the first documents and pushes the config to the sink, so the
// auth step is configured before the origin serves anything.
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
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Audiences = append([]string(nil), opts.Audiences...)
	c := &ControlPlane{opts: opts}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Current returns the latest published documents (never nil after New).
func (c *ControlPlane) Current() *origin.EdgeDocument { return c.cur.Load() }

// Refresh rebuilds the documents from the store and, when the auth step's
// config changed, pushes it to the sink; it returns only once the sink has
// accepted it. A caller's change is committed before it calls, so any build
// that starts after the call began covers it: concurrent callers (a burst of
// logouts) share one build instead of queueing one each.
func (c *ControlPlane) Refresh(ctx context.Context) error {
	ticket := c.calls.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.covered >= ticket {
		return nil
	}
	covers := c.calls.Load()
	if err := c.rebuildLocked(ctx); err != nil {
		c.stale = true
		return err
	}
	c.stale = false
	c.covered = covers
	return nil
}

func (c *ControlPlane) rebuildLocked(ctx context.Context) error {
	s := snapshot{now: c.opts.Now()}
	var err error
	// The version is read first: a change committed while we read the rest
	// moves it again, and the next poll rebuilds.
	if s.version, err = c.opts.Store.ChangeVersion(ctx); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if s.keys, err = c.opts.Store.VerifyingKeys(ctx, s.now); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if s.revoked, err = c.opts.Store.Revocations(ctx, s.now.Add(-c.opts.Leeway)); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if s.cutoffs, err = c.opts.Store.SubjectsValidAfter(ctx, s.now.Add(-c.opts.TokenLifetime-c.opts.Leeway)); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	b, err := c.build(s)
	if err != nil {
		return err
	}
	if c.opts.Sink != nil && !bytes.Equal(b.sinkConfig, c.pushed) {
		if err := c.opts.Sink(ctx, b.sinkConfig); err != nil {
			return fmt.Errorf("controlplane: auth step refused the config: %w", err)
		}
		c.pushed = b.sinkConfig
	}
	prev := c.cur.Load()
	c.cur.Store(b.doc)
	c.version, c.nextChange = s.version, b.nextChange
	if prev == nil || prev.ConfigETag != b.doc.ConfigETag || prev.JWKSETag != b.doc.JWKSETag {
		c.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "edge config updated",
			slog.String("etag", b.doc.ConfigETag), slog.Int("keys", len(s.keys)),
			slog.Int("revoked", len(s.revoked)), slog.Int("subjects", len(s.cutoffs)),
			slog.Int64("version", s.version))
	}
	return nil
}

// Run polls the store every PollInterval until ctx is done, and rebuilds
// when another process changed it, when time alone changes the content (a
// retiring key's retire_at, a revocation's or cutoff's expiry), or when the
// last build failed. A poll is one single-row read. Run returns nil when ctx
// is done.
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

// Poll does one iteration of Run: it rebuilds only if something changed.
func (c *ControlPlane) Poll(ctx context.Context) error {
	v, err := c.opts.Store.ChangeVersion(ctx)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	c.mu.Lock()
	due := c.stale || v != c.version || (!c.nextChange.IsZero() && !c.opts.Now().Before(c.nextChange))
	c.mu.Unlock()
	if !due {
		return nil
	}
	return c.Refresh(ctx)
}
