package origin

import (
	"context"
)

// EdgeDocument is the published ABI v1 Config (/.well-known/edgeauth.json)
// and the JWKS (/.well-known/jwks.json), rendered once per change.
type EdgeDocument struct {
	Config     []byte // JSON: public keys only
	ConfigETag string // strong ETag of Config, quoted
	JWKS       []byte // JSON: the public keys that still verify
	JWKSETag   string
}

// ControlPlane keeps the auth step and the published edge documents current.
// It rebuilds them from storage on every local change and, by polling, on
// changes made by other processes (e.g. `origin keys rotate`).
type ControlPlane interface {
	// Current returns the latest documents; never nil after start.
	Current() *EdgeDocument
	// Refresh rebuilds now (called after a logout, a password change, ...)
	// and pushes a changed config to the auth step before returning.
	Refresh(ctx context.Context) error
}
