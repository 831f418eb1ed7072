package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/ratelimit"
)

// limitedHarness is a secured API with a small real limiter: per
// (account, client) 3 attempts, then one per 20 s.
func limitedHarness(t *testing.T) *harness {
	t.Helper()
	return limitedHarnessWith(t, nil)
}

// limitedHarnessWith wraps the fake auth service with wrap, when not nil.
func limitedHarnessWith(t *testing.T, wrap func(origin.AuthService) origin.AuthService) *harness {
	t.Helper()
	hs := newHarness(t, true)
	var auth origin.AuthService = hs.auth
	if wrap != nil {
		auth = wrap(auth)
	}
	l, err := ratelimit.New(ratelimit.Config{
		ClientPerMinute: 60, ClientBurst: 5,
		AccountClientPerMinute: 3, AccountClientBurst: 3,
		AccountPerMinute: 600, AccountBurst: 50,
		MaxKeys: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.h = mustNew(t, Options{
		Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: auth, Control: hs.control,
		EnableSecurity: true, Authorizer: hs.authz, Realm: "test",
		Limiter: l, ClientAddr: ratelimit.ClientAddr(nil),
	})
	return hs
}

func (hs *harness) from(addr, method, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return rec
}

func TestAuthenticateRateLimited(t *testing.T) {
	for _, c := range []struct {
		name, email string
	}{
		{"known-email", "a@example.com"},
		{"unknown-email", "nobody@example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			hs := limitedHarness(t)
			body := `{"email":"` + c.email + `","password":"wrong password"}`
			for i := range 3 {
				if rec := hs.from("198.51.100.1:1000", "POST", "/authenticate", body); rec.Code != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d, want 401", i, rec.Code)
				}
			}
			rec := hs.from("198.51.100.1:1000", "POST", "/authenticate", body)
			p := mustProblem(t, rec, http.StatusTooManyRequests, "rate_limited")
			secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || secs < 1 || secs > 20 {
				t.Errorf("Retry-After = %q, want 1..20 seconds", rec.Header().Get("Retry-After"))
			}
			if strings.Contains(p.Detail, c.email) {
				t.Errorf("the 429 names the account: %q", p.Detail)
			}
			// Forged X-Forwarded-For from an untrusted peer changes nothing.
			if rec := hs.from("198.51.100.1:1001", "POST", "/authenticate", body, "X-Forwarded-For", "203.0.113.9"); rec.Code != http.StatusTooManyRequests {
				t.Errorf("a forged X-Forwarded-For escaped the limit: %d", rec.Code)
			}
			// The account's owner, from another address, is not locked out.
			good := `{"email":"a@example.com","password":"correct horse"}`
			if c.email == "a@example.com" {
				if rec := hs.from("192.0.2.50:1000", "POST", "/authenticate", good); rec.Code != http.StatusOK {
					t.Errorf("the victim is locked out: %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

func TestCreateUserRateLimited(t *testing.T) {
	hs := limitedHarness(t)
	for i := range 5 {
		body := `{"email":"new` + strconv.Itoa(i) + `@example.com","password":"long enough pw","name":"N"}`
		if rec := hs.from("198.51.100.2:1000", "POST", "/users", body); rec.Code != http.StatusCreated {
			t.Fatalf("sign-up %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := hs.from("198.51.100.2:1000", "POST", "/users", `{"email":"probe@example.com","password":"long enough pw","name":"N"}`)
	mustProblem(t, rec, http.StatusTooManyRequests, "rate_limited")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if rec := hs.from("198.51.100.3:1000", "POST", "/users", `{"email":"other@example.com","password":"long enough pw","name":"N"}`); rec.Code != http.StatusCreated {
		t.Errorf("another address is limited too: %d", rec.Code)
	}
}

// Refused attempts never reach the auth service (no bcrypt work).
func TestRefusedAttemptCostsNothing(t *testing.T) {
	calls := 0
	hs := limitedHarnessWith(t, func(a origin.AuthService) origin.AuthService { return &countingAuth{a, &calls} })
	body := `{"email":"a@example.com","password":"x"}`
	for range 10 {
		hs.from("198.51.100.4:1", "POST", "/authenticate", body)
	}
	if calls != 3 {
		t.Errorf("the auth service ran %d times, want the 3 admitted", calls)
	}
}

// countingAuth counts Authenticate calls.
type countingAuth struct {
	origin.AuthService
	n *int
}

func (c *countingAuth) Authenticate(ctx context.Context, cr origin.Credentials) (*origin.Token, error) {
	*c.n++
	return c.AuthService.Authenticate(ctx, cr)
}

// A refresh draws from the client address's bucket like a sign-in (its body
// names no account), and a refused one reaches no service.
func TestRefreshRateLimited(t *testing.T) {
	hs := limitedHarness(t)
	for range 5 { // ClientBurst
		rec := hs.from("198.51.100.5:1000", "POST", "/authenticate/refresh", `{"refresh_token":"rt-unknown"}`)
		mustProblem(t, rec, http.StatusBadRequest, "invalid_grant")
	}
	hs.auth.refresh["rt-late"] = true
	rec := hs.from("198.51.100.5:1000", "POST", "/authenticate/refresh", `{"refresh_token":"rt-late"}`)
	mustProblem(t, rec, http.StatusTooManyRequests, "rate_limited")
	if !hs.auth.refresh["rt-late"] {
		t.Error("a refused refresh reached the auth service")
	}
}
