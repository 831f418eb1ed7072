// Package nativeauth is the auth step run natively: an origin.Authorizer
// built on edgeauth.Authorizer, the same Go code the WASI module is compiled
// from, called in-process with no wasm runtime in between.
//
// It exists for two reasons. Benchmarks need it as the baseline that shows
// what running the check inside wasm costs (tests/bench). And an operator
// who does not need the sandbox — the module is this repository's own code —
// can choose it with auth.engine = native (env AUTH_ENGINE) for the lowest
// latency. It decides exactly as the module does, since both run package
// edgeauth; what it gives up is wasmhost's isolation (memory limit, call
// deadline, instance replacement after a fault) and the ability to load a
// module built elsewhere.
package nativeauth

import (
	"context"
	"fmt"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// Authorizer decides requests with package edgeauth in-process. It is safe
// for concurrent use; until Configure succeeds every request is denied
// (401), as the module does.
type Authorizer struct {
	a *edgeauth.Authorizer
}

var _ origin.Authorizer = (*Authorizer)(nil)

// New returns an Authorizer with no Config. It reads the wall clock, like
// the module under wasmhost.
func New() *Authorizer {
	return &Authorizer{a: edgeauth.NewAuthorizer(edgeauth.Options{})}
}

// Configure installs an ABI v1 Config document (see edgeauth/ABI.md); it
// is half of controlplane.Sink, so the control plane can push to it. On
// error the previous Config stays in force and the error wraps
// edgeauth.ErrInvalidConfig. A new Config starts with an empty
// verified-token cache, so a revocation, a subjects_valid_after change or a
// retired key takes effect on the next request.
func (n *Authorizer) Configure(ctx context.Context, configJSON []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("nativeauth: configure: %w", err)
	}
	if err := n.a.Configure(configJSON); err != nil {
		return fmt.Errorf("nativeauth: %w", err)
	}
	return nil
}

// Update merges an edgeauth.ConfigUpdate document into the Config in force
// (revocations added, cutoffs moved later), at a cost in proportion to the
// update; with Configure it makes the Authorizer a controlplane.Sink. On
// error nothing changes and the error wraps edgeauth.ErrInvalidConfig.
func (n *Authorizer) Update(ctx context.Context, updateJSON []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("nativeauth: update: %w", err)
	}
	if err := n.a.Update(updateJSON); err != nil {
		return fmt.Errorf("nativeauth: %w", err)
	}
	return nil
}

// Authorize decides req. It returns an error only when ctx is already done
// (the client is gone, so nothing is spent on it); the Decision is then the
// zero Decision, which denies.
func (n *Authorizer) Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	if err := ctx.Err(); err != nil {
		return edgeauth.Decision{}, fmt.Errorf("nativeauth: authorize: %w", err)
	}
	return n.a.Authorize(req), nil
}
