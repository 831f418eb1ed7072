package origin

import (
	"context"
)

// EdgeDocument is what the control plane publishes to everyone: the JWKS
// (/.well-known/jwks.json) and the public subset of the ABI v1 Config
// (/.well-known/edgeauth.json without the edge config token), rendered once
// per key change. Neither holds revocations or subject cutoffs.
type EdgeDocument struct {
	Config     []byte // JSON: public keys and routes only
	ConfigETag string // strong ETag of Config, quoted
	JWKS       []byte // JSON: the public keys that still verify
	JWKSETag   string
}

// ControlPlane keeps the auth step and the published edge documents current.
// It picks up local changes at once (Refresh) and, by polling, changes made
// by other processes (e.g. `origin keys rotate`, another replica).
type ControlPlane interface {
	// Current returns the public documents; never nil after start.
	Current() *EdgeDocument
	// FullConfig returns the ABI v1 Config with the revocations and
	// subject cutoffs, for edges that present the edge config token, and
	// its strong ETag. It is rendered on demand, once per change.
	FullConfig() (config []byte, etag string, err error)
	// Refresh brings the auth step up to date with every change committed
	// before the call (a logout, a password change, ...) and returns only
	// once it is in force.
	Refresh(ctx context.Context) error
}
