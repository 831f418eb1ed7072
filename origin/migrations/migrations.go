// Package migrations holds the schema of every store backend and the one
// runner that applies it.
//
// Each dialect has its own folder of plain SQL files (sqlite/, postgres/),
// applied in name order, each once, each in its own transaction together
// with its schema_migrations row. Both folders must hold the same file names:
// a schema change is written once per dialect, in the same change, and a test
// fails when one dialect is missing a version the other has. Never edit a
// released file: add a new one.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialect is a SQL dialect: its folder of migrations and the statements that
// keep the schema_migrations table in its placeholder syntax.
type Dialect struct {
	name        string
	createTable string // idempotent
	countRows   string // one parameter: the version
	insertRow   string // two parameters: the version, unix seconds
}

// The dialects of the store backends.
var (
	SQLite = Dialect{
		name: "sqlite",
		createTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    TEXT    PRIMARY KEY,
			applied_at INTEGER NOT NULL
		)`,
		countRows: `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`,
		insertRow: `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
	}
	Postgres = Dialect{
		name: "postgres",
		createTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    TEXT   PRIMARY KEY,
			applied_at BIGINT NOT NULL
		)`,
		countRows: `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`,
		insertRow: `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
	}
)

// String returns the dialect's name.
func (d Dialect) String() string { return d.name }

// Migration is one schema change.
type Migration struct {
	// Version is the name recorded in schema_migrations:
	// "migrations/<file>", the form the first SQLite release recorded, so
	// databases created before this package existed keep opening unchanged.
	Version string
	SQL     string
}

// ErrNoDialect is returned for a zero Dialect.
var ErrNoDialect = errors.New("migrations: unknown dialect")

// List returns the dialect's migrations in the order they apply.
func List(d Dialect) ([]Migration, error) {
	if d.name == "" {
		return nil, ErrNoDialect
	}
	names, err := fs.Glob(files, d.name+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Version: "migrations/" + path.Base(name), SQL: string(body)})
	}
	return out, nil
}

// Tx is one open transaction of a backend.
type Tx interface {
	// Exec runs a statement; with no args it may hold several statements.
	Exec(ctx context.Context, query string, args ...any) error
	// QueryInt runs a query that returns one integer.
	QueryInt(ctx context.Context, query string, args ...any) (int64, error)
}

// InTx runs fn in one transaction and commits it when fn returns nil. It
// must exclude every other migrator of the same database until it ends
// (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock),
// so that processes starting together apply each migration exactly once.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Run applies the dialect's pending migrations and returns the versions it
// applied. now stamps applied_at.
func Run(ctx context.Context, d Dialect, inTx InTx, now func() time.Time) ([]string, error) {
	ms, err := List(d)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		var did bool
		err := inTx(ctx, func(tx Tx) error {
			// Inside the transaction: two processes creating the table at
			// the same moment must queue on the lock, not collide.
			if err := tx.Exec(ctx, d.createTable); err != nil {
				return err
			}
			n, err := tx.QueryInt(ctx, d.countRows, m.Version)
			if err != nil || n > 0 {
				return err
			}
			if err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			did = true
			return tx.Exec(ctx, d.insertRow, m.Version, now().Unix())
		})
		if err != nil {
			return applied, fmt.Errorf("migrations: %s %s: %w", d.name, m.Version, err)
		}
		if did {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}
