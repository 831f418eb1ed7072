// Package postgres implements the origin's storage on PostgreSQL
// (jackc/pgx/v5 with a pgxpool): users, todos, signing keys, revocations
// and subject cutoffs, with the migrations of origin/migrations/postgres run
// at open. Its semantics are those of package sqlite, method for method (the
// shared suite in origin/storetest runs against both): the same error codes,
// cursors, cutoffs at T+1, key states with lazy retirement and change
// counter, and bcrypt in the same place.
//
// It exists so that several origins can run as stateless replicas on one
// database. What the auth step must see (keys, revocations, cutoffs) moves
// one counter row, edge_version, by trigger; every replica's control plane
// polls it, and Watch makes the wait much shorter with LISTEN/NOTIFY.
// Transactions run at READ COMMITTED; the few read-then-write sequences that
// must not interleave across replicas (creating the first signing key,
// rotating, retiring, migrating) hold a transaction-scoped advisory lock.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// DefaultRetireAfter is the default token lifetime (1 h) plus the default
// leeway (30 s), as in package sqlite.
const DefaultRetireAfter = time.Hour + 30*time.Second

// ErrNoURL: Open needs a connection URL or DSN.
var ErrNoURL = errors.New("postgres: a database URL is required")

// Advisory lock keys (pg_advisory_xact_lock), one per critical section. They
// are arbitrary constants, chosen to be unlikely to collide with locks of
// other applications sharing the database.
const (
	lockMigrate int64 = 0x6f726967_00000001 // "orig" + 1
	lockKeys    int64 = 0x6f726967_00000002
)

// Options configures a DB. The zero value is usable: real clock,
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

// DB is an open PostgreSQL database. It is safe for concurrent use. Build the
// services on it with NewUserService, NewTodoService and NewKeyService; the
// DB itself implements origin.EdgeStore and tokens.SubjectStore.
type DB struct {
	pool     *pgxpool.Pool
	opts     Options
	notifier atomic.Pointer[origin.Notifier]
}

var (
	_ origin.EdgeStore    = (*DB)(nil)
	_ tokens.SubjectStore = (*DB)(nil)
)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN; pool settings such as pool_max_conns go in it too), checks the
// connection and runs the pending migrations.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if url == "" {
		return nil, ErrNoURL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Sealer == nil {
		s, err := tokens.NewSealer(nil, nil)
		if err != nil {
			return nil, err
		}
		opts.Sealer = s
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = tokens.DefaultBcryptCost
	}
	if opts.RetireAfter == 0 {
		opts.RetireAfter = DefaultRetireAfter
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, errors.New("postgres: the database URL is malformed")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool, opts: opts}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// SetNotifier registers n to be refreshed after every committed change the
// auth step must see at once (a password change, a deletion, a rotation).
// Set it once the control plane exists (it reads this DB, so it cannot be a
// constructor argument).
func (db *DB) SetNotifier(n origin.Notifier) { db.notifier.Store(&n) }

// notify tells the notifier, if any, about a committed change. Its error is
// returned to the caller: the change is stored, but the auth step may not
// have it yet, so the request must not look like a success.
func (db *DB) notify(ctx context.Context) error {
	p := db.notifier.Load()
	if p == nil || *p == nil {
		return nil
	}
	if err := (*p).Refresh(ctx); err != nil {
		return fmt.Errorf("postgres: change stored, but refreshing the auth step failed: %w", err)
	}
	return nil
}

// inTx runs fn in one READ COMMITTED transaction: begin, deferred rollback,
// commit.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// lock takes a transaction-scoped advisory lock: it is released at commit
// or rollback, so it can never leak.
func lock(ctx context.Context, tx pgx.Tx, key int64) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres: advisory lock: %w", err)
	}
	return nil
}

// SQLSTATE codes the store maps to domain errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

func hasCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY conflict.
func isUniqueViolation(err error) bool { return hasCode(err, codeUniqueViolation) }

// isForeignKeyViolation reports whether err is a FOREIGN KEY conflict.
func isForeignKeyViolation(err error) bool { return hasCode(err, codeForeignKeyViolation) }

// micros and fromMicros convert user and todo times (microsecond precision,
// UTC) to and from their stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
