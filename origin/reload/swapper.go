// Package reload swaps the origin's auth step without a restart: a Swapper
// is the origin.Authorizer (and control-plane sink) in front of a wasmhost
// Host that can be replaced by a new one while requests are in flight, and
// a FileWatcher notices when the module or config file has changed.
//
// The package does not log and does not read signals; origin/cmd/origin
// wires it to SIGHUP, to the watcher and to its logger and metrics.
package reload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost"
)

// Host is what a Swapper runs: *wasmhost.Host satisfies it.
type Host interface {
	Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error)
	// Configure must return only once the config is in force, and must
	// leave the previous one in force when it fails.
	Configure(ctx context.Context, configJSON []byte) error
	// Update merges an edgeauth.ConfigUpdate document into the config in
	// force, on the same terms as Configure.
	Update(ctx context.Context, updateJSON []byte) error
	Stats() wasmhost.Stats
	// Close must wait for the calls already inside, and make later calls
	// fail with an error wrapping wasmhost.ErrClosed.
	Close(ctx context.Context) error
}

var _ Host = (*wasmhost.Host)(nil)

// Errors of Swap, for errors.Is.
var (
	// ErrSwapClosed: the Swapper was closed; the offered Host was closed.
	ErrSwapClosed = errors.New("reload: swapper closed")
	// ErrDrain: the new Host serves, but the old one did not drain before
	// the context of Swap ended, so its slowest calls were cut short.
	ErrDrain = errors.New("reload: the previous host did not drain in time")
)

// hostBox lets an interface value live in an atomic.Pointer.
type hostBox struct{ h Host }

// Swapper is an origin.Authorizer whose Host can be replaced atomically.
// It is safe for concurrent use.
//
// Every request is decided by exactly one Host: the current one when the
// request starts. After Swap returns, every new request is decided by the
// new Host; requests already inside the old Host finish there, and Swap
// closes it after them. A request that picked the old Host just as it began
// closing is retried on the new one (and on the next, should that one be
// swapped out too before it is reached), so a swap costs no request an
// error.
//
// The Swapper remembers the last config the control plane pushed
// (Configure) and the updates pushed since (Update), and gives them to a
// new Host before the Host serves, under the same lock as Configure and
// Update: a logout or a key rotation pushed during a swap reaches the new
// Host too. A new Host that cannot take updates (a module without
// edgeauth_update) gets them merged into one config instead.
type Swapper struct {
	cur atomic.Pointer[hostBox]

	mu      sync.Mutex // serialises Configure, Update, Swap and Close; guards config, updates and closed
	config  []byte     // the last config the current Host accepted; nil before the first
	updates [][]byte   // the updates it accepted since (the control plane compacts them)
	closed  bool

	statsMu  sync.Mutex
	retired  wasmhost.Stats // the counters of Hosts already closed
	draining map[*hostBox]bool
}

// NewSwapper returns a Swapper serving on h, which it now owns (Close
// closes it).
func NewSwapper(h Host) *Swapper {
	s := &Swapper{draining: map[*hostBox]bool{}}
	s.cur.Store(&hostBox{h})
	return s
}

// Authorize decides req on the current Host. See Swapper for what happens
// during a swap; any error still means "refuse the request".
func (s *Swapper) Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	b := s.cur.Load()
	for {
		d, err := b.h.Authorize(ctx, req)
		if err == nil || !errors.Is(err, wasmhost.ErrClosed) {
			return d, err
		}
		// The Host closed between our load and its admission: it was
		// swapped out, and the one after it may have been swapped out too
		// before we reached it, so follow the swaps until one admits us.
		// Each turn needs a newer Swap, so this ends; if the current Host
		// itself is closed, everything is shutting down and its error stands.
		next := s.cur.Load()
		if next == b {
			return d, err
		}
		b = next
	}
}

// Configure gives configJSON to the current Host; with Update it makes the
// Swapper a controlplane.Sink. It returns once the config is in force (or
// the Host's error), and remembers an accepted config for the next Host.
func (s *Swapper) Configure(ctx context.Context, configJSON []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSwapClosed
	}
	if err := s.cur.Load().h.Configure(ctx, configJSON); err != nil {
		return err
	}
	s.config = bytes.Clone(configJSON)
	s.updates = nil
	return nil
}

// Update gives updateJSON to the current Host and returns once it is in
// force (or the Host's error: nothing changed, and the control plane
// configures in full instead). It remembers an accepted update for the
// next Host.
func (s *Swapper) Update(ctx context.Context, updateJSON []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSwapClosed
	}
	if err := s.cur.Load().h.Update(ctx, updateJSON); err != nil {
		return err
	}
	s.updates = append(s.updates, bytes.Clone(updateJSON))
	return nil
}

// Swap makes next the current Host. It first gives next the config in
// force; if next refuses it, next is closed, the error returned and the
// current Host keeps serving. Otherwise next serves every request that
// starts from now on, and Swap closes the previous Host once its in-flight
// calls have finished, waiting at most until ctx ends (then it returns an
// error wrapping ErrDrain, though next is serving). Swap takes ownership of
// next in every case.
func (s *Swapper) Swap(ctx context.Context, next Host) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = next.Close(ctx)
		return ErrSwapClosed
	}
	if err := s.bringUp(ctx, next); err != nil {
		s.mu.Unlock()
		_ = next.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("reload: the new host refused the config in force: %w", err)
	}
	nb := &hostBox{next}
	s.statsMu.Lock()
	prev := s.cur.Swap(nb)
	s.draining[prev] = true // its counters stay in Stats while it drains
	s.statsMu.Unlock()
	s.mu.Unlock()

	err := prev.h.Close(ctx)
	s.retire(prev)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDrain, err)
	}
	return nil
}

// bringUp gives next the config in force: the last config and the updates
// since, or, if next refuses an update (a module without edgeauth_update),
// both merged into one config.
func (s *Swapper) bringUp(ctx context.Context, next Host) error {
	if s.config == nil {
		return nil
	}
	if err := next.Configure(ctx, s.config); err != nil {
		return err
	}
	for _, u := range s.updates {
		if next.Update(ctx, u) != nil {
			merged, err := mergeUpdates(s.config, s.updates)
			if err != nil {
				return err
			}
			return next.Configure(ctx, merged)
		}
	}
	return nil
}

// retire folds a closed Host's final counters into the running totals.
func (s *Swapper) retire(b *hostBox) {
	st := b.h.Stats()
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	delete(s.draining, b)
	s.retired.Calls += st.Calls
	s.retired.CacheHits += st.CacheHits
	s.retired.Replaced += st.Replaced
}

// Stats returns the current Host's pool size and busy instances (plus the
// busy ones of Hosts still draining), and calls, cache hits and replacements
// summed over every Host since NewSwapper, so that they never go down across
// swaps.
func (s *Swapper) Stats() wasmhost.Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := s.cur.Load().h.Stats()
	st.Calls += s.retired.Calls
	st.CacheHits += s.retired.CacheHits
	st.Replaced += s.retired.Replaced
	for b := range s.draining {
		d := b.h.Stats()
		st.Busy += d.Busy
		st.Calls += d.Calls
		st.CacheHits += d.CacheHits
		st.Replaced += d.Replaced
	}
	return st
}

// Close closes the current Host (waiting for its calls while ctx allows);
// later Swaps and Configures fail with ErrSwapClosed and Authorize with the
// Host's ErrClosed. It is safe to call more than once.
func (s *Swapper) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	return s.cur.Load().h.Close(ctx)
}
