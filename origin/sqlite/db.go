// Package sqlite runs the origin's storage (package sqlstore) on SQLite
// (mattn/go-sqlite3): users, todos, signing keys, revocations and subject
// cutoffs, with the migrations of origin/migrations/sqlite run at open.
// This package holds what is SQLite's own: the file, its pragmas, the
// connections and the dialect.
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
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/migrations"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// busyTimeout is how long a statement waits for a lock held by another
// connection (another process's writer, most often).
const busyTimeout = 5 * time.Second

// ErrNoPath: Open needs a file path (":memory:" would give every pooled
// connection its own empty database).
var ErrNoPath = errors.New("sqlite: a database file path is required")

// Options configures a DB: the options of every SQL backend. The zero
// value is usable: real clock, crypto/rand, private keys stored in plain,
// bcrypt cost 12.
type Options = sqlstore.Options

// DB is an open SQLite database. It is safe for concurrent use. Build the
// services on its Store with sqlstore.NewUserService, NewTodoService and
// NewKeyService; the DB itself implements origin.EdgeStore.
type DB struct {
	*sqlstore.Store
	r *sql.DB // the readers, which Store owns; for tests
}

var _ origin.EdgeStore = (*DB)(nil)

// dialect is SQLite's: '?' placeholders, IMMEDIATE transactions for every
// write (they need no locks of their own), rowid as insertion order, BINARY
// collation by default.
var dialect = sqlstore.Dialect{
	Name:                  "sqlite",
	Migrations:            migrations.SQLite,
	WriteInTx:             true,
	IsUniqueViolation:     isUniqueViolation,
	IsForeignKeyViolation: isForeignKeyViolation,
	KeySeq:                "rowid",
}

// Open opens (creating the file and its folder if needed) the database at
// path and runs the pending migrations.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, ErrNoPath
	}
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite3", dsn(path, busyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Migrate before the readers connect: it also switches the file to WAL.
	if err := sqlstore.Migrate(ctx, dialect, w, opts.Now); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", dsn(path, busyTimeout, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Keep reader connections (each runs its pragmas when opened) instead of
	// reopening them under load.
	r.SetMaxIdleConns(8)
	s, err := sqlstore.New(dialect, w, r, opts)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	return &DB{Store: s, r: r}, nil
}

// privateFiles makes the database private to the origin's user before
// SQLite opens it: a folder it creates is 0700, the database file 0600
// (created empty if missing; SQLite gives the -wal and -shm files the mode
// of the database file), and an existing database file, -wal or -shm that
// others may read or write is narrowed to 0600. The file holds password
// hashes and, without a master key, the signing keys.
func privateFiles(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("sqlite: create folder: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlite: create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("sqlite: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// dsn builds a file: URI. The path is escaped so that '?', '#' or '%' in a
// folder name cannot inject URI parameters.
// The writer sets WAL (persistent in the file) and IMMEDIATE transactions;
// readers are query-only, a guard against a write slipping past the writer.
func dsn(path string, busy time.Duration, reader bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	// secure_delete: content deleted or overwritten (a key sealed or
	// destroyed in place) is zeroed in the file, not left in a free page.
	params := "_journal_mode=WAL&_txlock=immediate&_secure_delete=on"
	if reader {
		params = "_query_only=1"
	}
	return fmt.Sprintf("file:%s?%s&_foreign_keys=on&_busy_timeout=%d&_synchronous=NORMAL", esc, params, busy.Milliseconds())
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
