package origin

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status, in httpapi (and nowhere
// else), so the domain never speaks HTTP.
const (
	EINVALID      = "invalid"       // 400: the input breaks a rule
	EINVALIDSCOPE = "invalid_scope" // 400: /authenticate asked for more scope than allowed
	EINVALIDGRANT = "invalid_grant" // 400: a refresh token that is unknown, expired, revoked or reused (RFC 6749 section 5.2)
	EUNAUTHORIZED = "unauthorized"  // 401: wrong credentials
	ENOTFOUND     = "not_found"     // 404: missing, or not the caller's (no BOLA oracle)
	ECONFLICT     = "conflict"      // 409: e.g. an email already registered
	ETOOLARGE     = "too_large"     // 413: a body over the limit
	ERATELIMIT    = "rate_limited"  // 429
	EINTERNAL     = "internal"      // 500: never shown in detail to a client
)

// ECURRENTPASSWORD (403): a password change named a wrong current password,
// or one that changed meanwhile.
const ECURRENTPASSWORD = "invalid_current_password"

// Error is the one application error type. Message is safe to show a client:
// it never holds a password, a token or a key.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("origin: code=%s message=%s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted, client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, and a generic text for anything else (internal details stay in logs).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
