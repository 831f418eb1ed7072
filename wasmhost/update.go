package wasmhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/craftingapis/todos/edgeauth"
)

// Bounds of the Updates a Host keeps since the last Configure. A new
// instance (a replacement after a trap) replays every one of them after
// the Config, and the decision cache remembers what each revoked, so both
// grow with the Updates until a Configure resets them. Past either bound
// Update refuses with ErrUpdateUnsupported, and the caller's fallback,
// Configure with the whole Config, compacts them.
const (
	maxReplayUpdates = 4096
	maxReplayBytes   = 4 << 20
)

// Update merges updateJSON, an ABI v1 Update document (an
// edgeauth.ConfigUpdate: revocations to add, cutoffs to move later), into
// the Config in force, without sending the Config again. It gives the same
// guarantee as Configure: every Authorize call that starts after Update
// returns is decided under it, the host-side decision cache included (a
// cached allow of a token the Update revokes is not served).
//
// The module checks it on one instance first; if it refuses, Update
// returns an error wrapping ErrConfigRejected and nothing changes (so too
// before any Config was accepted). Then the idle instances take it at
// once and busy ones on their next use, each paying for the Update alone,
// so an Update costs O(instances × its size), not a re-parse of the
// Config. Instances started later get the Config and then every Update
// since, in order; Configure resets that list.
//
// An error wrapping ErrUpdateUnsupported means the change must go through
// Configure with the whole Config: the module does not export
// edgeauth_update, or the Updates since the last Configure have reached
// the Host's bound (4096 Updates or 4 MiB; Stats reports how far along
// they are), which a Configure resets. A control plane that sends an
// Update per logout therefore also sends the whole Config from time to
// time, or at the latest when told to.
//
// Update runs one at a time with Configure; ctx bounds the wait for them
// and for an instance. updateJSON is copied; the caller may reuse it.
func (h *Host) Update(ctx context.Context, updateJSON []byte) error {
	if !h.enter() {
		return ErrClosed
	}
	defer h.leave()
	if !h.canUpdate {
		return fmt.Errorf("%w: the module does not export edgeauth_update", ErrUpdateUnsupported)
	}
	select {
	case h.configure <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wasmhost: update: %w", ctx.Err())
	}
	defer func() { <-h.configure }()

	cur := h.config.Load()
	switch {
	case cur == nil:
		return fmt.Errorf("wasmhost: %w: no Config to update", ErrConfigRejected)
	case len(cur.updates) >= h.maxReplayUpdates || cur.updateBytes+len(updateJSON) > h.maxReplayBytes:
		return fmt.Errorf("%w: %d Updates (%d bytes) since the last Configure reach the bound; Configure to compact them",
			ErrUpdateUnsupported, len(cur.updates), cur.updateBytes)
	}
	inst, err := h.take(ctx)
	if err != nil {
		return fmt.Errorf("wasmhost: update: %w", err)
	}
	doc := bytes.Clone(updateJSON)
	ok, reason, err := inst.Update(doc)
	if err != nil {
		h.discard(inst, err)
		return fmt.Errorf("wasmhost: update: %w", err)
	}
	if !ok {
		// ABI v1: a rejected Update changes nothing, so the instance keeps
		// serving as it is (unlike a rejected Config, re-applying the
		// Config in force here would cost a full Configure).
		h.pool <- inst
		return fmt.Errorf("wasmhost: %w: %s", ErrConfigRejected, reason)
	}
	next := &config{gen: cur.gen + 1, base: cur.base, doc: cur.doc,
		updates: append(cur.updates, doc), updateBytes: cur.updateBytes + len(doc)}
	inst.gen = next.gen
	// What the Update revokes becomes stale in the decision cache before
	// the new generation is visible, so no later hit can serve it.
	h.invalidate(next.gen, doc)
	h.config.Store(next)
	h.pool <- inst
	h.refreshIdle(next)
	h.opts.Logger.Debug("wasmhost: update accepted", "generation", next.gen, "bytes", len(doc), "replay", len(next.updates))
	return nil
}

// invalidate makes the decision cache treat what an accepted Update
// revokes as stale. If the host cannot read the Update (the module's
// reading is stricter than encoding/json's, so this is a module that
// accepts what ABI v1 does not), it empties the cache instead.
func (h *Host) invalidate(gen uint64, doc []byte) {
	c := h.decisions.Load()
	if c == nil {
		return
	}
	var u edgeauth.ConfigUpdate
	if err := json.Unmarshal(doc, &u); err != nil {
		h.decisions.Store(newDecisionCache(gen, h.opts.DecisionCacheEntries, h.opts.DecisionCacheBytes))
		return
	}
	c.revoke(gen, &u)
}
