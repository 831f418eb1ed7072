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
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == s
}

// Credentials is the input of POST /authenticate.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Scope    string `json:"scope,omitempty"`
}

// Token is the answer of POST /authenticate.
type Token struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"` // always "Bearer"
	ExpiresIn int64  `json:"expires_in"` // seconds
}

// Principal is who a verified token says the caller is; the auth step puts it
// in the request context.
type Principal struct {
	Subject   string
	UserID    int64
	Scopes    []string
	JTI       string
	ExpiresAt time.Time
}

// AuthService issues and revokes tokens.
type AuthService interface {
	// Authenticate checks an email and password and issues a token.
	// EUNAUTHORIZED for a wrong email or password alike (same message, about
	// the same time: a dummy hash is compared when the email is unknown);
	// EINVALIDSCOPE when Scope asks for more than DefaultScope.
	Authenticate(ctx context.Context, c Credentials) (*Token, error)
	// Revoke ends one token (logout) until it would have expired anyway.
	Revoke(ctx context.Context, jti string, expiresAt time.Time) error
}

// Authorizer is the auth step: the wasm module through wasmhost, or the
// native edgeauth package in benchmarks. It must be safe for concurrent use.
type Authorizer interface {
	Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error)
}
