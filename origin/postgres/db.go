// Package postgres runs the origin's storage (package sqlstore) on
// PostgreSQL, through pgx's database/sql driver: users, todos, signing
// keys, revocations and subject cutoffs, with the migrations of
// origin/migrations/postgres run at open. This package holds what is
// PostgreSQL's own: the connection URL, the pool, the dialect (numbered
// placeholders, SQLSTATE codes, advisory locks) and Watch.
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
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/migrations"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// ErrNoURL: Open needs a connection URL or DSN.
var ErrNoURL = errors.New("postgres: a database URL is required")

// Options configures a DB: the options of every SQL backend. The zero
// value is usable: real clock, crypto/rand, private keys stored in plain,
// bcrypt cost 12.
type Options = sqlstore.Options

// DB is an open PostgreSQL database. It is safe for concurrent use. Build
// the services on its Store with sqlstore.NewUserService, NewTodoService and
// NewKeyService; the DB itself implements origin.EdgeStore.
type DB struct {
	*sqlstore.Store
	r    *sql.DB         // the pool, which Store owns; for tests
	conn *pgx.ConnConfig // how Watch connects, outside the pool
}

var _ origin.EdgeStore = (*DB)(nil)

// dialect is PostgreSQL's: numbered placeholders, autocommit for writes of
// one statement, advisory locks, the identity column seq as insertion
// order, and byte order for text (the database's collation may differ).
var dialect = sqlstore.Dialect{
	Name:                  "postgres",
	Migrations:            migrations.Postgres,
	Numbered:              true,
	Lock:                  lock,
	ForUpdate:             " FOR UPDATE",
	IsUniqueViolation:     func(err error) bool { return hasCode(err, codeUniqueViolation) },
	IsForeignKeyViolation: func(err error) bool { return hasCode(err, codeForeignKeyViolation) },
	KeySeq:                "seq",
	ByteOrder:             ` COLLATE "C"`,
}

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN; pool settings such as pool_max_conns go in it too), checks the
// connection and runs the pending migrations.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if url == "" {
		return nil, ErrNoURL
	}
	// pgxpool's parser takes the pool_* settings out of the URL (pgx's own
	// would send them to the server as run-time parameters).
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, errors.New("postgres: the database URL is malformed")
	}
	pool := stdlib.OpenDB(*cfg.ConnConfig)
	pool.SetMaxOpenConns(int(cfg.MaxConns))
	pool.SetMaxIdleConns(int(cfg.MaxConns))
	pool.SetConnMaxLifetime(cfg.MaxConnLifetime)
	pool.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := sqlstore.Migrate(ctx, dialect, pool, opts.Now); err != nil {
		pool.Close()
		return nil, err
	}
	s, err := sqlstore.New(dialect, pool, pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{Store: s, r: pool, conn: cfg.ConnConfig}, nil
}

// Advisory lock keys (pg_advisory_xact_lock), one per critical section. They
// are arbitrary constants, chosen to be unlikely to collide with locks of
// other applications sharing the database.
var lockKeys = map[sqlstore.Section]int64{
	sqlstore.SectionMigrate: 0x6f726967_00000001, // "orig" + 1
	sqlstore.SectionKeys:    0x6f726967_00000002,
}

// errNoLock: a critical section without an advisory lock key.
var errNoLock = errors.New("postgres: no advisory lock for this section")

// lock takes a transaction-scoped advisory lock: it is released at commit
// or rollback, so it can never leak.
func lock(ctx context.Context, tx *sql.Tx, s sqlstore.Section) error {
	key, ok := lockKeys[s]
	if !ok {
		return errNoLock
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, key)
	return err
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
