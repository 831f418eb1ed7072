package origin

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

// Scopes a token may carry. A token gets all of them unless /authenticate
// asks for fewer.
const (
	ScopeUsersRead  = "users:read"
	ScopeUsersWrite = "users:write"
	ScopeTodosRead  = "todos:read"
	ScopeTodosWrite = "todos:write"
)

// DefaultScope is the scope of a token when /authenticate names none.
const DefaultScope = ScopeUsersRead + " " + ScopeUsersWrite + " " + ScopeTodosRead + " " + ScopeTodosWrite

// SubjectOf returns the token subject of user id: "users/<id>".
func SubjectOf(id int64) string { return "users/" + strconv.FormatInt(id, 10) }

// UserIDOf parses a subject made by SubjectOf.
func UserIDOf(sub string) (int64, bool) {
	s, ok := strings.CutPrefix(sub, "users/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	// Only the canonical spelling ("7", not "07" or "+7"). The auth step
	// parses a subject on every request: the round trip goes through a
	// stack buffer, not an allocated string.
	var buf [20]byte
	return id, err == nil && id > 0 && string(strconv.AppendInt(buf[:0], id, 10)) == s
}

// Credentials is the input of POST /authenticate.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Scope    string `json:"scope,omitempty"`
}

// Token is the answer of POST /authenticate and POST /authenticate/refresh:
// a short-lived access token and the refresh token that renews it.
type Token struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"` // always "Bearer"
	ExpiresIn int64  `json:"expires_in"` // seconds
	// RefreshToken is opaque (256 random bits, base64url) and works once:
	// a refresh answers a new one, and presenting a used one again ends the
	// session.
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"` // seconds until it lapses unused
}

// RefreshRequest is the input of POST /authenticate/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// Principal is who a verified token says the caller is; the auth step puts it
// in the request context.
type Principal struct {
	Subject string
	UserID  int64
	Scopes  []string
	JTI     string
	// SessionID is the token's sid: the session that issued it.
	SessionID string
	ExpiresAt time.Time
}

// AuthService signs users in, renews and ends their sessions.
type AuthService interface {
	// Authenticate checks an email and password, starts a session and
	// issues its first access and refresh tokens. EUNAUTHORIZED for a wrong
	// email or password alike (same message, about the same time: a dummy
	// hash is compared when the email is unknown); EINVALIDSCOPE when Scope
	// asks for more than DefaultScope.
	Authenticate(ctx context.Context, c Credentials) (*Token, error)
	// Refresh exchanges a refresh token for a new access token and a new
	// refresh token; the one presented stops working (rotation). A refresh
	// token that is unknown, malformed, expired or of an ended session is
	// EINVALIDGRANT; one that was already exchanged is reuse: the session
	// ends before Refresh returns, and the error is EINVALIDGRANT with
	// ErrRefreshTokenReused in its chain.
	Refresh(ctx context.Context, refreshToken string) (*Token, error)
	// Logout ends the session sid (DELETE /authenticate): its refresh tokens
	// stop working and its access tokens are refused before Logout returns.
	Logout(ctx context.Context, sid string) error
}

// Authorizer is the auth step: the wasm module through wasmhost, or the
// native edgeauth package in benchmarks. It must be safe for concurrent use,
// and must not keep req, its Headers map or slices, once Authorize returns:
// the caller reuses them for the next request.
type Authorizer interface {
	Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error)
}
