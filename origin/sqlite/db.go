// Package sqlite implements the origin's storage on SQLite (mattn/go-sqlite3):
// users, todos, signing keys, revocations and subject cutoffs, with embedded
// migrations run at open.
//
// The database runs in WAL mode with foreign keys on and a busy timeout.
// Writes go through one dedicated connection, so writers of this process
// queue in Go instead of spinning on SQLite's busy handler, and every
// transaction begins IMMEDIATE (it takes the write lock up front), so a
// read-then-write transaction never fails half-way with SQLITE_BUSY when
// another process writes. Reads run on a separate pool of query-only
// connections, outside any transaction: in WAL mode they never wait for the
// writer.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// Defaults of Options.
const (
	DefaultBusyTimeout = 5 * time.Second
	// DefaultRetireAfter is the default token lifetime (1 h) plus the default
	// leeway (30 s).
	DefaultRetireAfter = time.Hour + 30*time.Second
)

// ErrNoPath: Open needs a file path (":memory:" would give every pooled
// connection its own empty database).
var ErrNoPath = errors.New("sqlite: a database file path is required")

// Options configures a DB. The zero value is usable: real clock, crypto/rand,
// private keys stored in plain, bcrypt cost 12.
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
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection. DefaultBusyTimeout when 0.
	BusyTimeout time.Duration
}

// DB is an open SQLite database. It is safe for concurrent use. Build the
// services on it with NewUserService, NewTodoService and NewKeyService; the
// DB itself implements origin.EdgeStore and tokens.SubjectStore.
type DB struct {
	db       *sql.DB // readers: query-only connections
	w        *sql.DB // the writer: one connection
	opts     Options
	notifier atomic.Pointer[origin.Notifier]
}

var (
	_ origin.EdgeStore    = (*DB)(nil)
	_ tokens.SubjectStore = (*DB)(nil)
)

// Open opens (creating the file and its folder if needed) the database at
// path and runs the pending migrations.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, ErrNoPath
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
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create folder: %w", err)
		}
	}
	w, err := sql.Open("sqlite3", dsn(path, opts.BusyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{w: w, opts: opts}
	// Migrate before the readers connect: it also switches the file to WAL.
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if db.db, err = sql.Open("sqlite3", dsn(path, opts.BusyTimeout, true)); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Keep reader connections (each runs its pragmas when opened) instead of
	// reopening them under load.
	db.db.SetMaxIdleConns(8)
	return db, nil
}

// dsn builds a file: URI. The path is escaped so that '?', '#' or '%' in a
// folder name cannot inject URI parameters.
// The writer sets WAL (persistent in the file) and IMMEDIATE transactions;
// readers are query-only, a guard against a write slipping past inTx.
func dsn(path string, busy time.Duration, reader bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	params := "_journal_mode=WAL&_txlock=immediate"
	if reader {
		params = "_query_only=1"
	}
	return fmt.Sprintf("file:%s?%s&_foreign_keys=on&_busy_timeout=%d&_synchronous=NORMAL", esc, params, busy.Milliseconds())
}

// Close closes the database.
func (db *DB) Close() error { return errors.Join(db.db.Close(), db.w.Close()) }

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
		return fmt.Errorf("sqlite: change stored, but refreshing the auth step failed: %w", err)
	}
	return nil
}

// inTx runs fn in one IMMEDIATE transaction: begin, deferred rollback,
// commit.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY conflict.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY conflict.
func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

// micros and fromMicros convert user and todo times (microsecond precision,
// UTC) to and from their stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
