package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/craftingapis/todos/origin"
)

func TestPasswordChangeNeedsCurrentPassword(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"missing", `{"password":"a new password"}`, 400, origin.EINVALID},
		{"wrong", `{"password":"a new password","current_password":"wrong horse"}`, 403, origin.ECURRENTPASSWORD},
		{"null", `{"password":"a new password","current_password":null}`, 400, origin.EINVALID},
		{"right", `{"password":"a new password","current_password":"correct horse"}`, 200, ""},
		{"name alone needs none", `{"name":"Al"}`, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, true)
			hs.seed()
			rec := hs.do("PATCH", "/users/1", tc.body, "Authorization", "Bearer alice")
			if tc.status == 200 {
				mustJSON(t, rec, 200, nil)
				return
			}
			p := mustProblem(t, rec, tc.status, tc.code)
			if !strings.Contains(p.Detail, "current_password") {
				t.Errorf("detail %q does not name current_password", p.Detail)
			}
		})
	}
}

// A stolen token buys no unlimited guessing of the current password and no
// unlimited bcrypt work: password changes draw from the account's attempt
// buckets like logins, and wrong ones count against later logins too.
func TestPasswordChangeRateLimited(t *testing.T) {
	hs := limitedHarness(t)
	hs.seed()
	const concurrent = 16
	codes := make([]int, concurrent)
	var wg sync.WaitGroup
	for i := range concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"password":"attacker pw ` + strconv.Itoa(i) + `","current_password":"guess ` + strconv.Itoa(i) + `"}`
			codes[i] = hs.from("198.51.100.7:1", "PATCH", "/users/1", body, "Authorization", "Bearer alice").Code
		}()
	}
	wg.Wait()
	admitted := 0
	for _, c := range codes {
		switch c {
		case http.StatusForbidden:
			admitted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("status %d, want 403 or 429", c)
		}
	}
	// The harness allows 3 attempts per account and address at once.
	if admitted != 3 {
		t.Fatalf("%d of %d concurrent password changes were admitted, want 3", admitted, concurrent)
	}
	// The refused changes counted against the account: a login from the
	// same address is refused too.
	rec := hs.from("198.51.100.7:1", "POST", "/authenticate", `{"email":"a@example.com","password":"correct horse"}`)
	mustProblem(t, rec, http.StatusTooManyRequests, origin.ERATELIMIT)
}
