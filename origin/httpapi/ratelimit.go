package httpapi

import (
	"net"
	"net/http"
	"time"

	"github.com/craftingapis/todos/origin"
)

// AttemptLimiter admits or refuses one credential attempt (a login or a
// sign-up) on an account from a client; origin/ratelimit.Limiter is the
// implementation. account is a normalised email, or "" when the request
// names no valid one. A refusal says how long until the attempt would be
// admitted.
type AttemptLimiter interface {
	Allow(account, client string, now time.Time) (ok bool, retryAfter time.Duration)
}

// attemptLimits is the server's Limiter and how it names clients.
type attemptLimits struct {
	limiter    AttemptLimiter
	clientAddr func(*http.Request) string
}

// admitAttempt applies the limiter to a credential request whose body
// named email. It answers 429 (with Retry-After) and returns false when the
// attempt is refused. It runs after the body is decoded and before any
// password is hashed or compared, so a refused attempt costs no bcrypt, and
// it treats known and unknown emails alike, so a 429 reveals nothing about
// which accounts exist.
func (s *server) admitAttempt(w http.ResponseWriter, r *http.Request, email string) bool {
	l := s.limits
	if l.limiter == nil {
		return true
	}
	account, err := origin.NormalizeEmail(email)
	if err != nil {
		account = "" // not an account at all: the client's bucket still applies
	}
	client := ""
	if l.clientAddr != nil {
		client = l.clientAddr(r)
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		client = host
	} else {
		client = r.RemoteAddr
	}
	ok, wait := l.limiter.Allow(account, client, s.now())
	if ok {
		return true
	}
	s.writeError(w, r, &limitedError{
		err:  origin.Errorf(origin.ERATELIMIT, "too many attempts; retry later"),
		wait: wait,
	})
	return false
}

// limitedError is a 429 carrying its Retry-After (see writeError).
type limitedError struct {
	err  *origin.Error
	wait time.Duration
}

func (e *limitedError) Error() string             { return e.err.Error() }
func (e *limitedError) Unwrap() error             { return e.err }
func (e *limitedError) RetryAfter() time.Duration { return e.wait }
