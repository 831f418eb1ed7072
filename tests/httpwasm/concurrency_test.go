package httpwasm_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestMiddlewareConcurrent sends requests of several users at once through
// a loopback server (the host library keeps a pool of instances, one per
// concurrent call): each gets its own decision, and each forwarded request
// carries its own user's identity. Run under -race by make test-race.
func TestMiddlewareConcurrent(t *testing.T) {
	const users, perUser = 6, 15
	is := newIssuer(t)
	up := newUpstream()
	srv := httptest.NewServer(mustStack(t, traefikModuleConfig(), is.config(t, false), up).handler)
	defer srv.Close()

	var wg sync.WaitGroup
	errs := make(chan error, users*perUser)
	for u := 1; u <= users; u++ {
		token := is.token(t, fmt.Sprintf("users/%d", u), "todos:read", fmt.Sprintf("j-%d", u))
		wg.Go(func() {
			for i := range perUser {
				id := fmt.Sprintf("u%d-%d", u, i)
				path, auth, want := fmt.Sprintf("/users/%d/todos", u), "Bearer "+token, http.StatusNoContent
				switch i % 3 {
				case 1:
					path, want = fmt.Sprintf("/users/%d/todos", u+100), http.StatusNotFound // another user's
				case 2:
					auth, want = "", http.StatusUnauthorized
				}
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				req.Header.Set("X-Request-Id", id)
				req.Header.Set("X-Auth-Subject", "users/0") // forged
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				res, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				got, forwarded := up.got(id)
				switch {
				case res.StatusCode != want:
					errs <- fmt.Errorf("%s: %d, want %d", id, res.StatusCode, want)
				case forwarded != (want == http.StatusNoContent):
					errs <- fmt.Errorf("%s: forwarded = %v with status %d", id, forwarded, want)
				case forwarded && got.Get("X-Auth-Subject") != fmt.Sprintf("users/%d", u):
					errs <- fmt.Errorf("%s: forwarded as %q", id, got.Get("X-Auth-Subject"))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
