package origin

import (
	"context"
	"errors"
	"time"
)

// Session is one sign-in (POST /authenticate) and the refresh tokens that
// renew it. Its ID is the sid claim of every access token it issued, so
// ending it (logout, refresh-token reuse, "log out my other devices")
// refuses them all.
type Session struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is the sign-in or the latest refresh: when the session last
	// obtained an access token. Requests made with an access token do not
	// move it (the auth step does not write to the database).
	LastUsedAt time.Time `json:"last_used_at"`
	// Current marks the session of the token that asked.
	Current bool `json:"current"`
}

// SessionList is the answer of GET /users/{id}/sessions, newest first.
type SessionList struct {
	Sessions []*Session `json:"sessions"`
}

// SessionService lists and ends a user's sessions. A session of another
// user is ENOTFOUND, exactly like a missing one.
type SessionService interface {
	// ListSessions returns the user's live sessions (not ended, and either
	// still renewable or holding an access token that has not expired),
	// newest first. Current is left false.
	ListSessions(ctx context.Context, userID int64) ([]*Session, error)
	// EndSession ends one session of the user: its refresh tokens stop
	// working and its access tokens are refused before EndSession returns.
	// ENOTFOUND when the user has no such session or it already ended.
	EndSession(ctx context.Context, userID int64, sid string) error
}

// ErrRefreshTokenReused is in the chain of the error of a refresh that
// presented a refresh token already exchanged for a new one: the session
// was ended at once (RFC 9700 section 4.14.2). The client still sees only
// EINVALIDGRANT; the sentinel lets the server log and count it.
var ErrRefreshTokenReused = errors.New("refresh token reused: session ended")
