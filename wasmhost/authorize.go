package wasmhost

import (
	"context"
	"fmt"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

const (
	// maxRequestBytes bounds a Request document: net/http's default limit
	// on a request's headers. A larger one is refused before it reaches the
	// module, where parsing it would only cost time and memory.
	maxRequestBytes = 1 << 20
	// keptRequestBytes is the largest encoding buffer an instance keeps
	// between calls.
	keptRequestBytes = 64 << 10
)

// Authorize asks the module for the Decision on req. It waits for a free
// instance while ctx allows (returning ctx's error otherwise); once the call
// is in the module, only Options.CallTimeout bounds it, so that a client
// hanging up cannot kill a healthy instance.
//
// Any error means Authorize has no trustworthy Decision and the caller must
// refuse the request (500 or 503); the returned Decision is then the zero
// Decision, which denies. After a trap, a timeout or an answer outside the
// ABI the instance is replaced in the background. Authorize never panics.
func (h *Host) Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	if req == nil {
		return edgeauth.Decision{}, ErrNilRequest
	}
	if err := ctx.Err(); err != nil { // the client is gone: spend nothing
		return edgeauth.Decision{}, fmt.Errorf("wasmhost: authorize: %w", err)
	}
	if !h.enter() {
		return edgeauth.Decision{}, ErrClosed
	}
	defer h.leave()
	// A stack buffer for the cache key: a lookup allocates nothing.
	var keyBuf [512]byte
	var key []byte
	var now int64
	cache := h.decisions.Load()
	if cache != nil {
		var ok bool
		if key, ok = appendDecisionKey(keyBuf[:0], req); ok {
			now = time.Now().Unix()
			if d, hit := cache.get(key, now); hit {
				h.hits.Add(1)
				return d, nil
			}
		} else {
			key = nil
		}
	}
	inst, err := h.take(ctx)
	if err != nil {
		return edgeauth.Decision{}, fmt.Errorf("wasmhost: authorize: %w", err)
	}
	gen := inst.gen // the Config this call is decided under
	d, err := h.call(inst, req)
	// inst is back in the pool or discarded: from here on it may be serving
	// another call, and nothing may touch it.
	if err != nil {
		return edgeauth.Decision{}, fmt.Errorf("wasmhost: authorize: %w", err)
	}
	if key != nil {
		if err := h.remember(key, &d, gen, now); err != nil {
			return edgeauth.Decision{}, fmt.Errorf("wasmhost: authorize: %w", err)
		}
	}
	return d, nil
}

// call asks inst about req. It owns inst until it returns, and gives it up
// on every path: back to the pool after a trustworthy answer (or a request
// the module never saw), discarded after anything else.
func (h *Host) call(inst *instance, req *edgeauth.Request) (_ edgeauth.Decision, err error) {
	h.busy.Add(1)
	defer h.busy.Add(-1)
	h.calls.Add(1)
	// Belt and braces: wazero turns traps into errors, but a panic in the
	// host (say, a parser bug that module output triggers) must still fail
	// this one request closed, and cost only this instance. The recovery
	// covers only the span in which this call owns inst: every path below
	// gives inst up as its last step.
	defer func() {
		if r := recover(); r != nil {
			h.discard(inst, fmt.Errorf("host panic: %v", r))
			err = fmt.Errorf("%w: host panic: %v", ErrBadOutput, r)
		}
	}()

	// The encoding buffer lives with the instance, so the steady state
	// allocates nothing for it.
	inst.req = edgeauth.AppendRequestJSON(inst.req[:0], req)
	if n := len(inst.req); n > maxRequestBytes {
		inst.req = nil // do not pin a huge buffer
		h.pool <- inst // the module never saw the request: still healthy
		return edgeauth.Decision{}, fmt.Errorf("%w: request is %d bytes, limit %d", ErrInputTooLarge, n, maxRequestBytes)
	}
	out, err := inst.Authorize(inst.req)
	if cap(inst.req) > keptRequestBytes {
		inst.req = nil // rare large request: let its buffer go
	}
	var d edgeauth.Decision
	if err == nil {
		d, err = parseDecision(out)
	}
	if err != nil {
		h.discard(inst, err)
		return edgeauth.Decision{}, err
	}
	h.pool <- inst
	return d, nil
}

// remember caches d, decided under the generation gen, unless a Configure
// since then installed a newer, empty cache (which refuses an older
// generation); the entry keeps gen, so that an Update since can tell it is
// stale. It runs after the
// instance went back to the pool, so a panic here (a bug in the cache)
// must not cost an instance, which another call may be using: it fails
// this call closed and leaves every instance alone.
func (h *Host) remember(key []byte, d *edgeauth.Decision, gen uint64, now int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h.opts.Logger.Error("wasmhost: decision cache panic", "panic", r)
			err = fmt.Errorf("decision cache panic: %v", r)
		}
	}()
	if c := h.decisions.Load(); c != nil {
		c.put(key, d, now, gen)
	}
	return nil
}

// parseDecision decodes the module's answer (straight from guest memory:
// the parser copies every string out) and refuses one that contradicts
// itself or uses a status outside ABI v1, so that a confused module cannot
// allow by accident.
func parseDecision(out []byte) (edgeauth.Decision, error) {
	d, err := edgeauth.ParseDecisionJSON(out)
	if err != nil {
		return edgeauth.Decision{}, fmt.Errorf("%w: %w", ErrBadOutput, err)
	}
	switch {
	case d.Allow && d.Status == 200:
	case !d.Allow && (d.Status == 400 || d.Status == 401 || d.Status == 403 || d.Status == 404):
	default:
		return edgeauth.Decision{}, fmt.Errorf("%w: decision allow=%t with status %d", ErrBadOutput, d.Allow, d.Status)
	}
	return d, nil
}
