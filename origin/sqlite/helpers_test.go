package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// openTest opens a fresh database file with a test clock and the cheapest
// bcrypt cost.
func openTest(t *testing.T, opts Options) (*DB, *clock, string) {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.MinCost
	}
	path := filepath.Join(t.TempDir(), "sub", "dir", "origin.db")
	db, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c, path
}

func mustCreateUser(t *testing.T, us *UserService, email string) *origin.User {
	t.Helper()
	u, err := us.CreateUser(context.Background(), origin.NewUser{Email: email, Password: "correct horse", Name: "Test"})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := origin.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// countingNotifier records Refresh calls.
type countingNotifier struct {
	mu  sync.Mutex
	n   int
	err error
}

func (c *countingNotifier) Refresh(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.err
}

func (c *countingNotifier) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }
