// Package storetest is the behaviour every store backend must have, as one
// suite of subtests. A backend's tests call Run with a function that opens a
// fresh, empty store; the same cases then run on SQLite and on PostgreSQL,
// so the two cannot drift apart.
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
	EnsureActiveKey(ctx context.Context, alg string) (*origin.SigningKey, bool, error)
}

// EdgeStore is a backend's database handle as the control plane and the
// issuer use it.
type EdgeStore interface {
	origin.EdgeStore
	tokens.SubjectStore
	SetNotifier(n origin.Notifier)
	// SubjectValidAfter is the subject's cutoff in unix seconds, 0 if none.
	SubjectValidAfter(ctx context.Context, subject string) (int64, error)
	// Secret returns the origin's secret called name, made on first use.
	Secret(ctx context.Context, name string) ([]byte, error)
}

// RawKey is a signing key's row as stored.
type RawKey struct {
	Private   []byte  // sealed or plain private key
	Enc       string  // tokens.EncNone or tokens.EncAES256GCM
	PublicJWK *string // nil for HS256
}

// Store is one open handle on a database, as a process would hold it.
type Store struct {
	Users UserStore
	Todos origin.TodoService
	Keys  KeyStore
	Edge  EdgeStore
	// Clock is the clock the store was opened with (Options.Now = Clock.Now).
	Clock *Clock
	// Reopen opens another handle on the same database, as another process
	// would: same clock, RetireAfter and BcryptCost, the given sealer (nil:
	// keys in plain). It closes the handle when t ends.
	Reopen func(t *testing.T, sealer *tokens.Sealer) Store
	// RawKey reads a key's row directly, for what no API shows (encryption
	// at rest; HS256 keys have no public JWK).
	RawKey func(t *testing.T, kid string) RawKey
	// Count returns the number of rows of table (todos or signing_keys).
	Count func(t *testing.T, table string) int
}

// Run runs every case as a subtest. open must return a fresh, empty store
// opened with Now = a new Clock's Now (NewClock), RetireAfter, BcryptCost
// and no sealer, closed when t ends. Subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) Store)
	}{
		{"CreateUser", testCreateUser},
		{"FindUserNotFound", testFindUserNotFound},
		{"UpdateUser", testUpdateUser},
		{"UpdateUserCutoffNeverMovesBack", testUpdateUserCutoffNeverMovesBack},
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open)
		})
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
