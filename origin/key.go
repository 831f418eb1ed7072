package origin

import (
	"context"
	"time"
)

// Signing algorithms the origin can issue with.
const (
	AlgEdDSA = "EdDSA" // default: edges hold public keys only
	AlgES256 = "ES256"
	AlgHS256 = "HS256" // origin-only setups; its secret is never published
)

// Key states. A rotation makes the new key active and the old one retiring:
// it still verifies until every token it signed has expired (RetireAt), then
// it is retired and leaves the JWKS.
const (
	KeyActive   = "active"
	KeyRetiring = "retiring"
	KeyRetired  = "retired"
)

// How a key's private part is kept (SigningKey.Private).
const (
	KeySealed    = "sealed"    // encrypted under the master key
	KeyPlain     = "plain"     // stored unencrypted (no master key was set)
	KeyDestroyed = "destroyed" // erased: the key never signs again
)

// SigningKey describes a key without its private part.
type SigningKey struct {
	Kid       string     `json:"kid"`
	Alg       string     `json:"alg"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	RetireAt  *time.Time `json:"retire_at,omitempty"`
	// Private is KeySealed, KeyPlain or KeyDestroyed.
	Private string `json:"private"`
}

// KeyService manages signing keys.
type KeyService interface {
	// ListKeys returns every key, newest first.
	ListKeys(ctx context.Context) ([]*SigningKey, error)
	// RotateKey creates a new active key of alg and moves the old active key
	// to retiring. A running origin picks the change up without a restart.
	RotateKey(ctx context.Context, alg string) (*SigningKey, error)
	// RetireKey retires a key at once (its tokens stop verifying) and
	// destroys its private part.
	RetireKey(ctx context.Context, kid string) error
	// EnsureActiveKey creates an active key of alg unless one exists, and
	// returns the active key and whether it was created now. Processes
	// starting together end up with exactly one active key.
	EnsureActiveKey(ctx context.Context, alg string) (*SigningKey, bool, error)
	// SealKeys encrypts every private part still stored in plain (signing
	// keys and the origin's secrets) under the master key, and returns how
	// many it sealed. It fails when no master key is set.
	SealKeys(ctx context.Context) (int, error)
}
