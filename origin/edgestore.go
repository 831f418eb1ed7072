package origin

import (
	"context"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

// VerifyingKey is a key the auth step verifies tokens with: the active key
// and the retiring ones.
type VerifyingKey struct {
	// JWK is the public key; for HS256 it is the secret "oct" key, which only
	// the origin's own auth step may ever see (never published).
	JWK      edgeauth.JWK
	State    string     // KeyActive or KeyRetiring
	RetireAt *time.Time // set for a retiring key
}

// EdgeStore is the storage a ControlPlane builds its documents from. Every
// store backend implements it.
//
// It keeps two counters. ChangeVersion moves with the signing keys (and the
// jti revocations of earlier releases): a change there means a full
// rebuild. RevocationSeq numbers the changes to the revocation state
// (revoked sessions, subject cutoffs) in commit order, so that a control
// plane reads just the entries numbered after the last it saw: the cost of
// picking up a logout does not grow with the number of live revocations.
type EdgeStore interface {
	// ChangeVersion is a counter that changes on every committed change to
	// signing keys or jti revocations, by any process sharing the
	// database. Reading it must be cheap: it is polled.
	ChangeVersion(ctx context.Context) (int64, error)
	// VerifyingKeys returns the active and retiring keys at now, sorted by
	// kid, after retiring the keys whose RetireAt has passed.
	VerifyingKeys(ctx context.Context, now time.Time) ([]VerifyingKey, error)
	// Revocations returns the revoked jtis whose exp is after since,
	// sorted by jti (entries of earlier releases, until they expire).
	Revocations(ctx context.Context, since time.Time) ([]edgeauth.Revocation, error)
	// RevocationSeq is the number of the latest committed change to the
	// revocation state. Once it reads c, every change numbered up to c is
	// committed and visible. Reading it must be cheap: it is polled.
	RevocationSeq(ctx context.Context) (int64, error)
	// RevokedSessions returns the revoked sessions whose change is
	// numbered in (after, upTo] and whose exp is after since, sorted by sid.
	RevokedSessions(ctx context.Context, after, upTo int64, since time.Time) ([]edgeauth.SessionRevocation, error)
	// SubjectsValidAfter returns the subject cutoffs (unix seconds) whose
	// change is numbered in (after, upTo] and that are later than since.
	SubjectsValidAfter(ctx context.Context, after, upTo int64, since time.Time) (map[string]int64, error)
}

// Notifier is told after a committed change the auth step must see at once
// (a logout, a password change, a deletion, a key rotation). The
// ControlPlane implements it; stores take it so they need not import the
// control plane.
type Notifier interface {
	Refresh(ctx context.Context) error
}
