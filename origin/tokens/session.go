package tokens

import (
	"context"
	"crypto/sha256"
	"time"
)

// Defaults of the session limits (IssuerOptions).
const (
	// DefaultRefreshIdle is how long a refresh token works unused: a client
	// that does not come back within it must sign in again.
	DefaultRefreshIdle = 14 * 24 * time.Hour
	// DefaultRefreshAbsolute is how long a session lasts however often it
	// is refreshed.
	DefaultRefreshAbsolute = 30 * 24 * time.Hour
)

// Sizes of the random values of a session, in bytes: the sid (128 bits)
// and the refresh token (256 bits), both base64url without padding.
const (
	sidLen     = 16
	refreshLen = 32
)

// refreshTokenChars is the length of an encoded refresh token; anything
// else is malformed and refused without a database lookup.
var refreshTokenChars = b64.EncodedLen(refreshLen)

// SessionStore keeps sessions and their refresh tokens. Refresh tokens are
// stored only as HashRefreshToken of the token. Ending a session records a
// revocation of its sid, which the store makes effective at the auth step
// before it returns (as origin.SessionService.EndSession does).
type SessionStore interface {
	// CreateSession stores a new session with its first refresh token, if
	// the user's credential version is still s.CredentialVersion, checked
	// under the lock every password change and deletion of the user takes;
	// otherwise it returns ErrCredentialChanged. So a session started with
	// a password that a change has just replaced is never stored, and one
	// stored before the change is ended by it.
	CreateSession(ctx context.Context, s NewSession) error
	// RotateRefreshToken exchanges the refresh token whose hash is
	// r.OldHash for r.NewHash in one transaction: the old one is marked
	// rotated only if it was the session's current token, so of two
	// exchanges of one token exactly one succeeds. The session records
	// r.AccessExp as an exp it issued.
	//
	// An unknown token, or one of a session that ended or lapsed, is
	// ErrInvalidRefreshToken. A token already rotated is reuse: the
	// session is ended, its revocation in force, and the error wraps
	// origin.ErrRefreshTokenReused (and ErrInvalidRefreshToken).
	RotateRefreshToken(ctx context.Context, r Rotation) (*SessionGrant, error)
	// EndSessionByID ends the session sid (a logout) if it has not ended
	// yet; ending an ended or unknown session is not an error.
	EndSessionByID(ctx context.Context, sid string) error
}

// NewSession is a session as the issuer starts it.
type NewSession struct {
	ID     string
	UserID int64
	// CredentialVersion is the version of the credential the sign-in
	// checked the password against.
	CredentialVersion int64
	Scope             string
	RefreshHash       []byte
	Now               time.Time // created_at and last_used_at
	// IdleExpiresAt is when the first refresh token lapses unused;
	// ExpiresAt the session's absolute limit (IdleExpiresAt ≤ ExpiresAt).
	IdleExpiresAt, ExpiresAt time.Time
	// AccessExp is the exp of the first access token, unix seconds.
	AccessExp int64
}

// Rotation is one refresh: the token presented and its successor.
type Rotation struct {
	OldHash, NewHash []byte
	Now              time.Time
	// Idle is the refresh tokens' idle limit: the new token lapses at
	// Now + Idle, or at the session's absolute limit if that is earlier.
	Idle time.Duration
	// AccessExp is the exp of the access token the refresh will answer,
	// unix seconds.
	AccessExp int64
}

// SessionGrant is the session a refresh renewed.
type SessionGrant struct {
	ID            string
	UserID        int64
	Scope         string
	IdleExpiresAt time.Time // when the new refresh token lapses unused
}

// HashRefreshToken is how a refresh token is stored: its SHA-256. The token
// holds 256 random bits, so a fast hash leaves nothing to guess.
func HashRefreshToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
