package httpapi

import (
	"net"
	"net/http"
	"time"

	"github.com/craftingapis/todos/origin"
)

// AttemptLimiter admits or refuses one credential attempt (a login, a
// sign-up or a password change) on an account from a client;
// origin/ratelimit.Limiter is the implementation. account is a normalised
// email, or "" when the request names no valid one; device is the id of a
// valid device cookie of the account the client sent, or "". A refusal says
// how long until the attempt would be admitted.
type AttemptLimiter interface {
	Allow(account, client, device string, now time.Time) (ok bool, retryAfter time.Duration)
}

// DeviceCookies issues and checks the device cookies of POST /authenticate;
// origin/devicecookie.Cookies is the implementation.
type DeviceCookies interface {
	// Issue returns a new cookie for account, set on a successful login.
	Issue(account string) (*http.Cookie, error)
	// Device returns the id of r's valid cookie for account, or "".
	Device(r *http.Request, account string) string
}

// attemptLimits is the server's Limiter, how it names clients, and the
// device cookies that exempt an owner's devices from the account-wide limit.
type attemptLimits struct {
	limiter    AttemptLimiter
	clientAddr func(*http.Request) string
	devices    DeviceCookies
}

// admitAttempt applies the limiter to a credential request whose body
// named email, from a client that sent the device cookie device ("" when
// none; see deviceOf). It answers 429 (with Retry-After) and returns false
// when the attempt is refused. It runs after the body is decoded and before
// any password is hashed or compared, so a refused attempt costs no bcrypt,
// and it treats known and unknown emails alike, so a 429 reveals nothing
// about which accounts exist.
func (s *server) admitAttempt(w http.ResponseWriter, r *http.Request, email, device string) bool {
	l := s.limits
	if l.limiter == nil {
		return true
	}
	account := accountOf(email)
	client := ""
	if l.clientAddr != nil {
		client = l.clientAddr(r)
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		client = host
	} else {
		client = r.RemoteAddr
	}
	ok, wait := l.limiter.Allow(account, client, device, s.now())
	if ok {
		return true
	}
	s.writeError(w, r, &limitedError{
		err:  origin.Errorf(origin.ERATELIMIT, "too many attempts; retry later"),
		wait: wait,
	})
	return false
}

// accountOf is the limiter's name for the account of email: its normal
// form, or "" when it is no valid email (the client's buckets still apply).
func accountOf(email string) string {
	account, err := origin.NormalizeEmail(email)
	if err != nil {
		return ""
	}
	return account
}

// deviceOf returns the id of the valid device cookie for email's account
// that r carries, or "".
func (s *server) deviceOf(r *http.Request, email string) string {
	account := accountOf(email)
	if s.limits.devices == nil || account == "" {
		return ""
	}
	return s.limits.devices.Device(r, account)
}

// setDeviceCookie gives the client of a successful login a device cookie
// for email's account. Failing to make one costs the client only its
// exemption, so it is logged, not answered.
func (s *server) setDeviceCookie(w http.ResponseWriter, r *http.Request, email string) {
	account := accountOf(email)
	if s.limits.devices == nil || account == "" {
		return
	}
	ck, err := s.limits.devices.Issue(account)
	if err != nil {
		s.log.WarnContext(r.Context(), "device cookie not issued", "err", err, "request_id", RequestIDFromContext(r.Context()))
		return
	}
	http.SetCookie(w, ck)
}

// limitedError is a 429 carrying its Retry-After (see writeError).
type limitedError struct {
	err  *origin.Error
	wait time.Duration
}

func (e *limitedError) Error() string             { return e.err.Error() }
func (e *limitedError) Unwrap() error             { return e.err }
func (e *limitedError) RetryAfter() time.Duration { return e.wait }
