package wasmhost

import (
	"bytes"
	"context"
	"fmt"
)

// Configure makes configJSON (an ABI v1 Config document) the Config in force,
// replacing it and every Update accepted since.
//
// The module validates it on one instance first. If the module refuses it,
// Configure returns an error wrapping ErrConfigRejected with the module's
// reason, and nothing changes. If it accepts it, every Authorize call that
// starts after Configure returns is decided under it. Configure applies it to
// the instances that are idle; an instance busy in a call takes it on its
// next use (that call pays for parsing it), so no request is dropped and none
// waits for the whole pool. Instances started later, to replace failed ones,
// get it too.
//
// ctx bounds the wait for an instance and for other Configure calls, which
// run one at a time. configJSON is copied; the caller may reuse it.
func (h *Host) Configure(ctx context.Context, configJSON []byte) error {
	if !h.enter() {
		return ErrClosed
	}
	defer h.leave()
	select {
	case h.configure <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wasmhost: configure: %w", ctx.Err())
	}
	defer func() { <-h.configure }()

	inst, err := h.take(ctx)
	if err != nil {
		return fmt.Errorf("wasmhost: configure: %w", err)
	}
	cur := h.config.Load()
	next := &config{gen: 1, doc: bytes.Clone(configJSON)}
	if cur != nil {
		next.gen = cur.gen + 1
	}
	next.base = next.gen // and no Updates: a Config replaces every one before it
	ok, reason, err := inst.Configure(next.doc)
	if err != nil {
		h.discard(inst, err)
		return fmt.Errorf("wasmhost: configure: %w", err)
	}
	if !ok {
		// ABI v1 says the previous Config stays in force; do not rely on it:
		// re-apply the current one on this instance's next use.
		if cur != nil {
			inst.gen = staleGen
		}
		h.pool <- inst
		return fmt.Errorf("wasmhost: %w: %s", ErrConfigRejected, reason)
	}
	inst.gen = next.gen
	h.config.Store(next)
	// Decisions of the previous Config must not outlive it: a fresh cache
	// for the new generation, which refuses entries decided under older ones.
	h.decisions.Store(newDecisionCache(next.gen, h.opts.DecisionCacheEntries, h.opts.DecisionCacheBytes))
	h.pool <- inst
	h.refreshIdle(next)
	h.opts.Logger.Info("wasmhost: config accepted", "generation", next.gen, "bytes", len(next.doc))
	return nil
}

// refreshIdle applies cur to the instances idle right now, so that requests
// do not pay for parsing it (a Config is far larger than a Request). It never
// waits: an instance in a call is brought up to date on its next take. The
// pool is FIFO, so PoolSize receives visit each idle instance once.
func (h *Host) refreshIdle(cur *config) {
	for range h.opts.PoolSize {
		var inst *instance
		select {
		case inst = <-h.pool:
		default:
			return
		}
		if inst != nil && inst.gen != cur.gen && h.config.Load() == cur {
			if err := inst.apply(cur); err != nil {
				h.discard(inst, err)
				continue
			}
		}
		h.pool <- inst
	}
}
