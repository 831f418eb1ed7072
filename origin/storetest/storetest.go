// Package storetest is the behaviour every store backend must have, as one
// suite of subtests. A backend's tests call Run with a function that creates
// an empty database and returns its Opener; the same cases then run on
// SQLite and on PostgreSQL, so the two cannot drift apart.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// RetireAfter and BcryptCost are the options every opener must use, so the
// cases can predict retire_at and stay fast.
const (
	RetireAfter = time.Hour + 30*time.Second
	BcryptCost  = bcrypt.MinCost
)

// UserStore is a backend's user service.
type UserStore interface {
	origin.UserService
	tokens.CredentialStore
}

// KeyStore is a backend's key service.
type KeyStore interface {
	origin.KeyService
	tokens.KeyStore
}

// EdgeStore is a backend's database handle as the control plane and the
// issuer use it.
type EdgeStore interface {
	origin.EdgeStore
	// SubjectValidAfter is the subject's cutoff in unix seconds, 0 if none.
	SubjectValidAfter(ctx context.Context, subject string) (int64, error)
	// Secret returns the origin's secret called name, made on first use.
	Secret(ctx context.Context, name string) ([]byte, error)
	// Revoke records a jti revocation, as earlier releases did at logout.
	Revoke(ctx context.Context, jti string, exp time.Time) error
}

// SessionStore is a backend's session service.
type SessionStore interface {
	origin.SessionService
	tokens.SessionStore
}

// RawKey is a signing key's row as stored.
type RawKey struct {
	Private   []byte  // sealed or plain private key
	Enc       string  // tokens.EncNone or tokens.EncAES256GCM
	PublicJWK *string // nil for HS256
}

// Store is one open handle on a database, as a process would hold it.
type Store struct {
	// Users, Todos and Keys are the services of Services(nil), set by the
	// suite.
	Users UserStore
	Todos origin.TodoService
	Keys  KeyStore
	// Sessions is the session service of NewSessions(nil), set by the
	// suite.
	Sessions SessionStore
	// Services builds the handle's services; the user and key services
	// refresh n (when not nil) after every change the auth step must see.
	Services func(n origin.Notifier) (UserStore, origin.TodoService, KeyStore)
	// NewSessions builds the handle's session service, which refreshes n
	// (when not nil) after every session it ends.
	NewSessions func(n origin.Notifier) SessionStore
	Edge        EdgeStore
	// Clock is the clock the store was opened with (Options.Now =
	// Clock.Now), set by the suite.
	Clock *Clock
	// Reopen opens another handle on the same database, as another process
	// would: same clock, RetireAfter and BcryptCost, the given sealer (nil:
	// keys in plain). It closes the handle when t ends. Set by the suite.
	Reopen func(t *testing.T, sealer *tokens.Sealer) Store
	// RawKey reads a key's row directly, for what no API shows (encryption
	// at rest; HS256 keys have no public JWK).
	RawKey func(t *testing.T, kid string) RawKey
	// Count returns the number of rows of table (todos, signing_keys or
	// schema_migrations).
	Count func(t *testing.T, table string) int
}

// Opener opens a handle on one database as a process does at start: it
// runs the pending migrations and returns the handle with Services,
// NewSessions, Edge, RawKey and Count set, opened with Now = clk.Now, RetireAfter, BcryptCost
// and sealer (nil: keys stored in plain), and closed when t ends. Several
// goroutines may call it at once, so it reports failure by its error, never
// through t.
type Opener func(t *testing.T, clk *Clock, sealer *tokens.Sealer) (Store, error)

// open opens a handle and completes it (services, clock, Reopen); it fails
// t on error.
func (o Opener) open(t *testing.T, clk *Clock, sealer *tokens.Sealer) Store {
	t.Helper()
	s, err := o(t, clk, sealer)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	s.Users, s.Todos, s.Keys = s.Services(nil)
	s.Sessions = s.NewSessions(nil)
	s.Clock = clk
	s.Reopen = func(t *testing.T, sealer *tokens.Sealer) Store { return o.open(t, clk, sealer) }
	return s
}

// withNotifier returns s with user, key and session services that refresh n.
func (s Store) withNotifier(n origin.Notifier) Store {
	s.Users, s.Todos, s.Keys = s.Services(n)
	s.Sessions = s.NewSessions(n)
	return s
}

// Run runs every case as a subtest. newDatabase must create an empty
// database, which no handle has opened yet, dropped when t ends, and
// return its Opener. Subtests run in parallel.
func Run(t *testing.T, newDatabase func(t *testing.T) Opener) {
	open := func(t *testing.T) Store { return newDatabase(t).open(t, NewClock(), nil) }
	cases := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) Store)
	}{
		{"CreateUser", testCreateUser},
		{"FindUserNotFound", testFindUserNotFound},
		{"UpdateUser", testUpdateUser},
		{"UpdateUserNotifierError", testUpdateUserNotifierError},
		{"UpdateUserNotFound", testUpdateUserNotFound},
		{"DeleteUser", testDeleteUser},
		{"LoginRacesCredentialChange", testLoginRacesCredentialChange},
		{"TodoCRUDAndOwnership", testTodoCRUDAndOwnership},
		{"TodoTitleRules", testTodoTitleRules},
		{"ListTodosPaging", testListTodosPaging},
		{"ListTodosBadInput", testListTodosBadInput},
		{"ConcurrentWritesFromTwoProcesses", testConcurrentWrites},
		{"KeyLifecycle", testKeyLifecycle},
		{"VerifyingKeysHS256", testVerifyingKeysHS256},
		{"KeyEncryptionAtRest", testKeyEncryptionAtRest},
		{"PlainKeyReadableWithMasterKey", testPlainKeyReadableWithMasterKey},
		{"PrivatePartDestroyed", testPrivatePartDestroyed},
		{"SealExistingKeys", testSealExistingKeys},
		{"ConcurrentFirstKey", testConcurrentFirstKey},
		{"ConcurrentRotations", testConcurrentRotations},
		{"Revocations", testRevocations},
		{"SubjectsValidAfter", testSubjectsValidAfter},
		{"ChangeVersion", testChangeVersion},
		{"SecretsShared", testSecretsShared},
		{"SessionLifecycle", testSessionLifecycle},
		{"RefreshLimits", testRefreshLimits},
		{"RefreshReuseEndsSession", testRefreshReuseEndsSession},
		{"RefreshRace", testRefreshRace},
		{"ConcurrentRefreshesOfManySessions", testConcurrentRefreshesOfManySessions},
		{"PasswordChangeEndsOtherSessions", testPasswordChangeEndsOtherSessions},
		{"DeleteUserEndsSessions", testDeleteUserEndsSessions},
		{"SessionCapAndPruning", testSessionCapAndPruning},
		{"RevocationSeq", testRevocationSeq},
		{"ConcurrentOpenMigratesOnce", func(t *testing.T, _ func(t *testing.T) Store) {
			testConcurrentOpenMigratesOnce(t, newDatabase)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open)
		})
	}
}

// testConcurrentOpenMigratesOnce: processes starting together on an empty
// database apply each migration exactly once: every open succeeds, and the
// database records as many migrations as one open alone records.
func testConcurrentOpenMigratesOnce(t *testing.T, newDatabase func(t *testing.T) Opener) {
	clk := NewClock()
	o := newDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = o(t, clk, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	want := newDatabase(t).open(t, clk, nil).Count(t, "schema_migrations")
	if got := o.open(t, clk, nil).Count(t, "schema_migrations"); got != want || want == 0 {
		t.Fatalf("%d schema_migrations rows, want %d (as after one open)", got, want)
	}
}

// Clock is a settable test clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at 2026-03-01 12:00:00.5 UTC (half a second in, so that
// rounding to seconds is visible).
func NewClock() *Clock { return &Clock{t: time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock by d (backwards when negative).
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func mustCreateUser(t *testing.T, us UserStore, email string) *origin.User {
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
