// Package sqlstore is the origin's storage written once for every SQL
// backend: users, todos, signing keys, revocations and subject cutoffs on
// database/sql. Packages sqlite and postgres open the database their way
// (files and pragmas, or a connection URL), run the migrations with Migrate
// and build a Store with New and their Dialect: the few things that differ
// between the databases (placeholders, advisory locks, how a constraint
// violation is recognised, ...). Everything else, statement for statement,
// lives here, so the backends cannot drift apart; origin/storetest checks
// the behaviour on both.
//
// Semantics shared by every backend: times of users and todos are stored in
// unix microseconds, those of keys, revocations and cutoffs in unix seconds;
// a subject's cutoff is T+1 for a change at second T and never moves back;
// a key rotated out keeps verifying for RetireAfter and is retired lazily;
// every committed change the auth step must see returns only after the
// Notifier its service was built with (if any) has been refreshed.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// DefaultRetireAfter is the default access-token lifetime
// (tokens.DefaultLifetime) plus the default leeway (30 s).
const DefaultRetireAfter = tokens.DefaultLifetime + 30*time.Second

// Options configures a Store. The zero value is usable: real clock,
// crypto/rand, private keys stored in plain, bcrypt cost 12.
type Options struct {
	Now  func() time.Time // time.Now when nil
	Rand io.Reader        // crypto/rand when nil; key generation
	// Sealer encrypts private keys at rest; nil stores them in plain (and
	// refuses to read encrypted ones with tokens.ErrMasterKeyRequired).
	Sealer *tokens.Sealer
	// BcryptCost hashes passwords (tokens.DefaultBcryptCost when 0).
	BcryptCost int
	// RetireAfter is how long a key rotated out keeps verifying: the longest
	// token lifetime plus the leeway. DefaultRetireAfter when 0.
	RetireAfter time.Duration
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Sealer == nil {
		s, err := tokens.NewSealer(nil, nil)
		if err != nil {
			return o, err
		}
		o.Sealer = s
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = tokens.DefaultBcryptCost
	}
	if o.RetireAfter == 0 {
		o.RetireAfter = DefaultRetireAfter
	}
	return o, nil
}

// Store is an open database. It is safe for concurrent use. Build the
// services on it with NewUserService, NewTodoService and NewKeyService; the
// Store itself implements origin.EdgeStore.
//
// The Store tells no one about changes: the services that make the changes
// the auth step must see take the origin.Notifier as a constructor
// argument. The control plane reads the Store and is that notifier, so it
// is built between the two, and nothing is wired after construction.
type Store struct {
	r    *sql.DB // reads outside transactions
	w    *sql.DB // write transactions; may be r
	d    Dialect
	opts Options
}

var _ origin.EdgeStore = (*Store)(nil)

// ErrNoHandle: New needs a writer and a reader handle.
var ErrNoHandle = errors.New("sqlstore: a database handle is required")

// New returns the store of dialect d on already migrated handles: every
// transaction and every write runs on w, every read outside a transaction
// on r. They may be the same handle (PostgreSQL); SQLite passes its one
// writer connection and its pool of query-only readers. The Store owns
// both: Close closes them.
func New(d Dialect, w, r *sql.DB, opts Options) (*Store, error) {
	if w == nil || r == nil {
		return nil, ErrNoHandle
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Store{r: r, w: w, d: d, opts: opts}, nil
}

// Close closes the database handles.
func (db *Store) Close() error {
	if db.r == db.w {
		return db.w.Close()
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// notify tells n, if any, about a committed change. Its error is returned
// to the caller: the change is stored, but the auth step may not have it
// yet, so the request must not look like a success.
func (db *Store) notify(ctx context.Context, n origin.Notifier) error {
	if n == nil {
		return nil
	}
	if err := n.Refresh(ctx); err != nil {
		return fmt.Errorf("%s: change stored, but refreshing the auth step failed: %w", db.d.Name, err)
	}
	return nil
}

// inTx runs fn in one transaction on the writer (IMMEDIATE on SQLite, READ
// COMMITTED on PostgreSQL).
func (db *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, db.w, db.d.Name, fn)
}

// inTx runs fn in one transaction of w: begin, deferred rollback, commit.
func inTx(ctx context.Context, w *sql.DB, name string, fn func(tx *sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", name, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", name, err)
	}
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// write runs fn, a write of one statement, in a transaction of its own when
// the dialect asks for it (Dialect.WriteInTx), else straight on the writer.
func (db *Store) write(ctx context.Context, fn func(q querier) error) error {
	if db.d.WriteInTx {
		return db.inTx(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	return fn(db.w)
}

// lock takes the dialect's lock on section inside tx, if it has locks.
func (db *Store) lock(ctx context.Context, tx *sql.Tx, s Section) error {
	if db.d.Lock == nil {
		return nil
	}
	if err := db.d.Lock(ctx, tx, s); err != nil {
		return fmt.Errorf("%s: lock: %w", db.d.Name, err)
	}
	return nil
}

// q returns query, written with '?' placeholders, in the dialect's syntax.
func (db *Store) q(query string) string {
	if !db.d.Numbered {
		return query
	}
	return Rebind(query)
}

// wrap prefixes err with the dialect's name and what failed.
func (db *Store) wrap(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", db.d.Name, what, err)
}

// micros and fromMicros convert user and todo times (microsecond precision,
// UTC) to and from their stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
