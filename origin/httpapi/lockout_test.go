package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin/devicecookie"
	"github.com/craftingapis/todos/origin/ratelimit"
)

// lockoutHarness is a secured API with the production limits, device
// cookies and a simulated clock.
type lockoutHarness struct {
	*harness
	now time.Time
}

func newLockoutHarness(t *testing.T, c ratelimit.Config) *lockoutHarness {
	t.Helper()
	lh := &lockoutHarness{harness: newHarness(t, true), now: t0}
	l, err := ratelimit.New(c)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return lh.now }
	cookies, err := devicecookie.New(bytes.Repeat([]byte{9}, 32), devicecookie.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	lh.h = mustNew(t, Options{
		Users: lh.users, Todos: lh.todos, Sessions: lh.sess, Auth: lh.auth, Control: lh.control,
		EnableSecurity: true, Authorizer: lh.authz, Realm: "test", Now: clock,
		Limiter: l, ClientAddr: ratelimit.ClientAddr(nil), DeviceCookies: cookies,
	})
	return lh
}

// login posts credentials from addr with the cookies given, and returns the
// answer.
func (lh *lockoutHarness) login(addr, password string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/authenticate", strings.NewReader(`{"email":"a@example.com","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	lh.h.ServeHTTP(rec, req)
	return rec
}

func retryAfter(t *testing.T, rec *httptest.ResponseRecorder) time.Duration {
	t.Helper()
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("429 with Retry-After %q", rec.Header().Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// newDeviceBound is the longest an owner on a new device waits while n
// senders attack the account (see package ratelimit), plus the whole second
// of Retry-After's rounding; -1 when there is no bound.
func newDeviceBound(c ratelimit.Config, n int) time.Duration {
	spare := c.AccountPerMinute - float64(n)*c.AccountClientPerMinute // per minute
	if spare <= 0 {
		return -1
	}
	minutes := float64(n*c.AccountClientBurst) / spare
	return time.Duration(minutes*float64(time.Minute)) + time.Second
}

// The attack that locked an owner out: twelve addresses send wrong
// passwords for one account as fast as the limiter lets them. The owner,
// from a device that logged in before, gets in every time; from a new
// device, within the bound of package ratelimit.
//
// With more senders than the account-wide limit can outlast (here forty, or
// twelve against the limits that let them lock the owner out: 6 a minute
// per address, 60 a minute per account), a new device has no bound, and the
// known device still gets in every time.
func TestTwelveAddressAttack(t *testing.T) {
	const (
		tick    = 100 * time.Millisecond
		attack  = 3 * time.Minute
		ownerAt = 15 * time.Second // the owner's known device logs in this often
		newAt   = time.Minute      // when the owner tries from a new device
		warmUp  = time.Minute      // when the known device starts
	)
	old := ratelimit.DefaultConfig()
	old.AccountClientPerMinute, old.AccountClientBurst, old.AccountPerMinute, old.AccountBurst = 6, 10, 60, 60
	cases := []struct {
		name    string
		senders int
		c       ratelimit.Config
		bounded bool
	}{
		{"twelve senders", 12, ratelimit.DefaultConfig(), true},
		{"twelve senders, old limits", 12, old, false},
		{"forty senders", 40, ratelimit.DefaultConfig(), false},
	}
	for _, tc := range cases {
		for _, strategy := range []string{"honours Retry-After", "polls every tick"} {
			t.Run(tc.name+"/"+strategy, func(t *testing.T) {
				twelveAddressAttack(t, tc.c, tc.senders, tc.bounded, strategy, tick, attack, ownerAt, newAt, warmUp)
			})
		}
	}
}

func twelveAddressAttack(t *testing.T, c ratelimit.Config, senders int, bounded bool, strategy string, tick, attack, ownerAt, newAt, warmUp time.Duration) {
	bound := newDeviceBound(c, senders)
	{
		{
			lh := newLockoutHarness(t, c)
			lh.seed()
			home := "192.0.2.10:1000"
			first := lh.login(home, "correct horse", nil)
			mustJSON(t, first, 200, nil)
			device := first.Result().Cookies()
			if len(device) != 1 {
				t.Fatalf("a login set %d cookies, want one device cookie", len(device))
			}

			next := make([]time.Time, senders)
			var known, knownOK, guesses int
			newNext, newDone := t0.Add(newAt), time.Duration(-1)
			for lh.now = t0; lh.now.Before(t0.Add(attack)); lh.now = lh.now.Add(tick) {
				for i := range senders {
					if lh.now.Before(next[i]) {
						continue
					}
					rec := lh.login(fmt.Sprintf("203.0.%d.%d:4000", 113+i/200, i%200+1), "wrong guess", nil)
					switch rec.Code {
					case http.StatusUnauthorized:
						guesses++
					case http.StatusTooManyRequests:
						if strategy == "honours Retry-After" {
							next[i] = lh.now.Add(retryAfter(t, rec))
						}
					default:
						t.Fatalf("attacker got %d", rec.Code)
					}
				}
				// The owner's known device, once the attack has drained
				// the shared bucket.
				if lh.now.Sub(t0) >= warmUp && lh.now.Sub(t0)%ownerAt == 0 {
					known++
					if rec := lh.login(home, "correct horse", device); rec.Code == http.StatusOK {
						knownOK++
						device = rec.Result().Cookies()
					} else {
						t.Errorf("at %v the owner's known device got %d", lh.now.Sub(t0), rec.Code)
					}
				}
				if newDone < 0 && !lh.now.Before(newNext) {
					rec := lh.login("198.51.100.99:5000", "correct horse", nil)
					switch rec.Code {
					case http.StatusOK:
						newDone = lh.now.Sub(t0.Add(newAt))
					case http.StatusTooManyRequests:
						newNext = lh.now.Add(retryAfter(t, rec))
					default:
						t.Fatalf("the owner's new device got %d", rec.Code)
					}
				}
			}
			t.Logf("%d senders, %s: %d guesses admitted in %v; known device %d/%d; new device in after %v (bound %v; -1: never, none)",
				senders, strategy, guesses, attack, knownOK, known, newDone, bound)
			if knownOK != known {
				t.Fatalf("the known device got in %d of %d times", knownOK, known)
			}
			if bounded && (newDone < 0 || newDone > bound) {
				t.Fatalf("the new device got in after %v, want within %v", newDone, bound)
			}
		}
	}
}

// Only a successful login sets a device cookie, HttpOnly and SameSite, sent
// back to /authenticate only.
func TestDeviceCookieOnlyOnSuccess(t *testing.T) {
	lh := newLockoutHarness(t, ratelimit.DefaultConfig())
	lh.seed()
	if rec := lh.login("192.0.2.1:1", "wrong horse", nil); rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("a failed login answered %d with cookies %v", rec.Code, rec.Result().Cookies())
	}
	rec := lh.login("192.0.2.1:1", "correct horse", nil)
	cks := rec.Result().Cookies()
	if rec.Code != http.StatusOK || len(cks) != 1 {
		t.Fatalf("login answered %d with cookies %v", rec.Code, cks)
	}
	set := rec.Header().Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/authenticate", "Max-Age="} {
		if !strings.Contains(set, attr) {
			t.Errorf("Set-Cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Set-Cookie %q is Secure on a plain-HTTP harness", set)
	}
}
