package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
)

type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string             { return "slow down" }
func (e rateLimited) RetryAfter() time.Duration { return e.after }
func (e rateLimited) Unwrap() error {
	return origin.Errorf(origin.ERATELIMIT, "too many attempts; retry later")
}

// TestErrorMapping sends every origin error code through a handler (the
// fake auth service returns it) and checks status, body and headers.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		detail     string // substring; "" skips
		challenge  bool
		retryAfter string
		logged     bool
	}{
		{"invalid", origin.Errorf(origin.EINVALID, "email is bad"), 400, origin.EINVALID, "email is bad", false, "", false},
		{"invalid scope", origin.Errorf(origin.EINVALIDSCOPE, "too much scope"), 400, "invalid_scope", "too much scope", false, "", false},
		{"unauthorized", origin.Errorf(origin.EUNAUTHORIZED, "wrong email or password"), 401, origin.EUNAUTHORIZED, "wrong email or password", true, "", false},
		{"not found", origin.Errorf(origin.ENOTFOUND, "todo nope"), 404, origin.ENOTFOUND, NotFoundDetail, false, "", false},
		{"conflict", origin.Errorf(origin.ECONFLICT, "taken"), 409, origin.ECONFLICT, "taken", false, "", false},
		{"too large", origin.Errorf(origin.ETOOLARGE, "big"), 413, origin.ETOOLARGE, "big", false, "", false},
		{"rate limited", rateLimited{1500 * time.Millisecond}, 429, origin.ERATELIMIT, "retry later", false, "2", false},
		{"wrapped code", fmt.Errorf("ctx: %w", origin.Errorf(origin.ECONFLICT, "taken")), 409, origin.ECONFLICT, "taken", false, "", false},
		{"internal code", origin.Errorf(origin.EINTERNAL, "disk on fire at /var/x"), 500, origin.EINTERNAL, "internal error", false, "", true},
		{"unknown code", origin.Errorf("weird", "secret detail"), 500, origin.EINTERNAL, "internal error", false, "", true},
		{"plain error", errors.New("sql: connection refused at 10.0.0.1"), 500, origin.EINTERNAL, "internal error", false, "", true},
		{"context error", context.DeadlineExceeded, 500, origin.EINTERNAL, "internal error", false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, false)
			hs.auth.err = tc.err
			rec := hs.do("POST", "/authenticate", `{"email":"a@example.com","password":"correct horse"}`)
			p := mustProblem(t, rec, tc.status, tc.code)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.detail)
			}
			if tc.status == 500 && (strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "10.0.0.1") || strings.Contains(rec.Body.String(), "disk")) {
				t.Errorf("500 body leaks the cause: %s", rec.Body)
			}
			wa := rec.Header().Get("WWW-Authenticate")
			if tc.challenge != (wa != "") {
				t.Errorf("WWW-Authenticate = %q, want present=%v", wa, tc.challenge)
			}
			if tc.challenge && wa != `Bearer realm="test"` {
				t.Errorf("WWW-Authenticate = %q", wa)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if logged := strings.Contains(hs.logs.String(), `"msg":"internal error"`); logged != tc.logged {
				t.Errorf("logged = %v, want %v; logs:\n%s", logged, tc.logged, hs.logs)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestStatusOfCoversEveryCode(t *testing.T) {
	want := map[string]int{
		origin.EINVALID: 400, origin.EINVALIDSCOPE: 400, origin.EUNAUTHORIZED: 401, origin.ENOTFOUND: 404,
		origin.ECONFLICT: 409, origin.ETOOLARGE: 413, origin.ERATELIMIT: 429, origin.EINTERNAL: 500, "": 500, "other": 500,
	}
	for code, status := range want {
		if got := statusOf(code); got != status {
			t.Errorf("statusOf(%q) = %d, want %d", code, got, status)
		}
	}
	if http.StatusText(statusOf(origin.ERATELIMIT)) != "Too Many Requests" {
		t.Error("ERATELIMIT is not 429")
	}
}

func TestStatusTitle(t *testing.T) {
	for status, want := range map[int]string{
		413: "Content Too Large",
		416: "Range Not Satisfiable",
		422: "Unprocessable Content",
		404: "Not Found",
		429: "Too Many Requests",
	} {
		if got := StatusTitle(status); got != want {
			t.Errorf("StatusTitle(%d) = %q, want %q", status, got, want)
		}
	}
}
