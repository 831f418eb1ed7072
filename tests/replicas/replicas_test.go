package replicas

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/craftingapis/todos/origin/postgres/pgtest"
)

// count runs a COUNT(*) query on the cluster's database directly.
func (c *cluster) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReplicas starts three origins together on an empty database and
// drives one user's state across them.
func TestReplicas(t *testing.T) {
	c := startCluster(t, pgtest.NewDatabase(t), 3)
	a, b, cc := c.replicas[0], c.replicas[1], c.replicas[2]

	// Three replicas started at once: exactly one created the first key,
	// and all publish it.
	if n := c.count(t, `SELECT COUNT(*) FROM signing_keys`); n != 1 {
		t.Fatalf("%d signing keys after a simultaneous start, want 1", n)
	}
	first := a.jwksKids(t)
	for _, r := range c.replicas {
		if kids := r.jwksKids(t); len(kids) != 1 || !slices.Equal(kids, first) {
			t.Fatalf("%s publishes %v, %s publishes %v", r.name, kids, a.name, first)
		}
	}

	ada := a.register(t, "Ada")
	tokenB := b.login(t, ada)

	t.Run("a token issued by one is accepted by all", func(t *testing.T) {
		for i, r := range c.replicas {
			r.must(t, http.StatusOK, "GET", ada.path(""), tokenB, "", nil)
			r.must(t, http.StatusCreated, "POST", ada.path("/todos"), tokenB, fmt.Sprintf(`{"title":"from %d"}`, i), nil)
		}
		var page struct {
			Todos []struct{ Title string } `json:"todos"`
		}
		a.must(t, http.StatusOK, "GET", ada.path("/todos"), tokenB, "", &page)
		if len(page.Todos) != 3 {
			t.Fatalf("%s lists %d todos, want the 3 made across replicas", a.name, len(page.Todos))
		}
	})

	t.Run("a logout on one is honoured by all within the bound", func(t *testing.T) {
		tok := cc.login(t, ada)
		a.must(t, http.StatusOK, "GET", ada.path(""), tok, "", nil)
		start := time.Now()
		b.must(t, http.StatusNoContent, "DELETE", "/authenticate", tok, "", nil)
		took := c.waitAll(t, "logout", propagationBound, start, func(r *replica) bool {
			status, _, err := r.do("GET", ada.path(""), tok, "")
			return err == nil && status == http.StatusUnauthorized
		})
		t.Logf("logout on %s refused by every replica after %v (bound %v)", b.name, took.Round(time.Millisecond), propagationBound)
		// Other tokens of the user are untouched.
		cc.must(t, http.StatusOK, "GET", ada.path(""), tokenB, "", nil)
	})

	t.Run("a refresh-token reuse on one ends the session on all", func(t *testing.T) {
		first := a.signIn(t, ada)
		var second tokens
		a.must(t, http.StatusOK, "POST", "/authenticate/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, first.Refresh), &second)
		for _, r := range c.replicas {
			r.must(t, http.StatusOK, "GET", ada.path(""), second.Access, "", nil)
		}
		// The rotated token presented on another replica: reuse. That
		// replica refuses the session's tokens before it answers.
		start := time.Now()
		b.must(t, http.StatusBadRequest, "POST", "/authenticate/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, first.Refresh), nil)
		b.must(t, http.StatusUnauthorized, "GET", ada.path(""), second.Access, "", nil)
		took := c.waitAll(t, "reuse", propagationBound, start, func(r *replica) bool {
			status, _, err := r.do("GET", ada.path(""), second.Access, "")
			return err == nil && status == http.StatusUnauthorized
		})
		t.Logf("reuse on %s refused the session's access token on every replica after %v", b.name, took.Round(time.Millisecond))
		a.must(t, http.StatusBadRequest, "POST", "/authenticate/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, second.Refresh), nil)
	})

	t.Run("two replicas refreshing one token at once: exactly one wins", func(t *testing.T) {
		for round := range 3 {
			s := cc.signIn(t, ada)
			var wg sync.WaitGroup
			statuses := make([]int, len(c.replicas))
			for i, r := range c.replicas {
				wg.Go(func() {
					statuses[i], _, _ = r.do("POST", "/authenticate/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, s.Refresh))
				})
			}
			wg.Wait()
			won := 0
			for _, st := range statuses {
				switch st {
				case http.StatusOK:
					won++
				case http.StatusBadRequest:
				default:
					t.Fatalf("round %d: statuses %v", round, statuses)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d refreshes of one token succeeded (%v), want exactly 1", round, won, statuses)
			}
		}
	})

	t.Run("a password change on one ends the other sessions on all", func(t *testing.T) {
		old := a.login(t, ada)
		start := time.Now()
		current := ada.password
		ada.password = "a-new-password-for-ada"
		cc.must(t, http.StatusOK, "PATCH", ada.path(""), old, fmt.Sprintf(`{"password":%q,"current_password":%q}`, ada.password, current), nil)
		took := c.waitAll(t, "password change", propagationBound, start, func(r *replica) bool {
			s2, _, e2 := r.do("GET", ada.path(""), tokenB, "")
			return e2 == nil && s2 == http.StatusUnauthorized
		})
		t.Logf("password change on %s ended the other sessions on every replica after %v", cc.name, took.Round(time.Millisecond))
		for _, r := range c.replicas { // the session that made the change goes on
			r.must(t, http.StatusOK, "GET", ada.path(""), old, "", nil)
		}
		fresh := b.login(t, ada)
		for _, r := range c.replicas {
			r.must(t, http.StatusOK, "GET", ada.path(""), fresh, "", nil)
		}
	})

	t.Run("a key rotation by another process reaches all", func(t *testing.T) {
		before := a.login(t, ada)
		start := time.Now()
		c.cli(t, "keys", "rotate")
		var newKid string
		took := c.waitAll(t, "rotation", propagationBound, start, func(r *replica) bool {
			kids := r.jwksKids(t)
			if len(kids) != 2 {
				return false
			}
			for _, k := range kids {
				if k != first[0] {
					newKid = k
				}
			}
			return true
		})
		t.Logf("rotation by `origin keys rotate` published by every replica after %v", took.Round(time.Millisecond))
		after := b.login(t, ada)
		if kidOf(t, after) != newKid || kidOf(t, before) != first[0] {
			t.Fatalf("token kids %s (before) and %s (after), want %s and %s", kidOf(t, before), kidOf(t, after), first[0], newKid)
		}
		for _, r := range c.replicas {
			r.must(t, http.StatusOK, "GET", ada.path(""), after, "", nil)
			r.must(t, http.StatusOK, "GET", ada.path(""), before, "", nil) // the old key keeps verifying
		}
		// Retiring the old key at once stops its tokens everywhere.
		start = time.Now()
		c.cli(t, "keys", "retire", first[0])
		c.waitAll(t, "retirement", propagationBound, start, func(r *replica) bool {
			status, _, err := r.do("GET", ada.path(""), before, "")
			return err == nil && status == http.StatusUnauthorized
		})
	})

	t.Run("a deletion on one is honoured by all", func(t *testing.T) {
		bob := b.register(t, "Bob")
		tok := a.login(t, bob)
		start := time.Now()
		cc.must(t, http.StatusNoContent, "DELETE", bob.path(""), tok, "", nil)
		c.waitAll(t, "deletion", propagationBound, start, func(r *replica) bool {
			status, _, err := r.do("GET", bob.path(""), tok, "")
			return err == nil && status == http.StatusUnauthorized
		})
	})
}

// TestNoWriteLost: many clients create todos across the replicas at once;
// every acknowledged write must be stored exactly once, and every replica
// must list all of them.
func TestNoWriteLost(t *testing.T) {
	c := startCluster(t, pgtest.NewDatabase(t), 3)
	const clients, each = 12, 25
	type owner struct {
		u     user
		token string
	}
	owners := make([]owner, 3)
	for i := range owners {
		r := c.replicas[i]
		u := r.register(t, fmt.Sprintf("Writer%d", i))
		owners[i] = owner{u, c.replicas[(i+1)%3].login(t, u)}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	acked := make([]int, len(owners))
	for w := range clients {
		wg.Go(func() {
			o := owners[w%len(owners)]
			for i := range each {
				r := c.replicas[(w+i)%len(c.replicas)] // round robin, like a load balancer
				status, body, err := r.do("POST", o.u.path("/todos"), o.token, fmt.Sprintf(`{"title":"w%d-%d"}`, w, i))
				mu.Lock()
				if err != nil || status != http.StatusCreated {
					failures = append(failures, fmt.Sprintf("%s: %d %s %v", r.name, status, body, err))
				} else {
					acked[w%len(owners)]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d writes failed, first: %s", len(failures), failures[0])
	}
	if n := c.count(t, `SELECT COUNT(*) FROM todos`); n != clients*each {
		t.Fatalf("%d todos stored, want %d", n, clients*each)
	}
	for i, o := range owners {
		if n := c.count(t, `SELECT COUNT(DISTINCT title) FROM todos WHERE user_id = $1`, o.u.id); n != acked[i] {
			t.Fatalf("user %d: %d distinct todos stored, %d acknowledged", o.u.id, n, acked[i])
		}
		for _, r := range c.replicas {
			if got := listAll(t, r, o.u, o.token); got != acked[i] {
				t.Fatalf("%s lists %d todos of user %d, want %d", r.name, got, o.u.id, acked[i])
			}
		}
	}
}

// listAll pages through a user's todos and returns how many it saw.
func listAll(t testing.TB, r *replica, u user, token string) int {
	t.Helper()
	n, after := 0, ""
	for {
		var page struct {
			Todos []struct{ ID int64 } `json:"todos"`
			Next  *string              `json:"next"`
		}
		path := u.path("/todos?limit=100")
		if after != "" {
			path += "&after=" + after
		}
		r.must(t, http.StatusOK, "GET", path, token, "", &page)
		n += len(page.Todos)
		if page.Next == nil {
			return n
		}
		after = *page.Next
	}
}
