package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/craftingapis/todos/origin/migrations"
)

// Dialect is everything a backend's SQL differs in. The statements of this
// package are written once, in the subset SQLite and PostgreSQL share
// (RETURNING, ON CONFLICT, row values, CASE), with '?' placeholders; a
// Dialect fills in the rest.
type Dialect struct {
	// Name prefixes every error ("sqlite", "postgres").
	Name string
	// Migrations is the schema to apply (Migrate).
	Migrations migrations.Dialect
	// Numbered: the driver wants $1, $2, ... instead of '?'.
	Numbered bool
	// WriteInTx runs even a write of one statement in a transaction of its
	// own. SQLite needs it: only an explicit transaction begins IMMEDIATE,
	// so only then does a writer of another process queue on the busy
	// timeout instead of failing half-way. PostgreSQL runs such a write in
	// autocommit, two round trips shorter.
	WriteInTx bool
	// Lock, when not nil, takes a transaction-scoped lock on a critical
	// section, released at commit or rollback. PostgreSQL needs it for the
	// read-then-write sequences that must not interleave across replicas;
	// SQLite's IMMEDIATE transactions already run one at a time.
	Lock func(ctx context.Context, tx *sql.Tx, s Section) error
	// ForUpdate follows a SELECT in a transaction to lock the rows it reads
	// until the transaction ends: " FOR UPDATE" for PostgreSQL; "" for
	// SQLite, whose IMMEDIATE transactions already hold the write lock.
	ForUpdate string
	// IsUniqueViolation reports a UNIQUE or PRIMARY KEY conflict;
	// IsForeignKeyViolation a FOREIGN KEY one.
	IsUniqueViolation     func(err error) bool
	IsForeignKeyViolation func(err error) bool
	// KeySeq is the signing_keys column in insertion order, the tie-break
	// of ListKeys ("rowid" in SQLite, the identity column "seq" in
	// PostgreSQL).
	KeySeq string
	// ByteOrder follows a text column in ORDER BY to sort it by bytes,
	// whatever the database's collation: "" for SQLite (BINARY is its
	// default), ` COLLATE "C"` for PostgreSQL.
	ByteOrder string
}

// Section names a critical section for Dialect.Lock.
type Section int

// The critical sections.
const (
	// SectionMigrate: applying a migration (and checking it is pending).
	SectionMigrate Section = iota + 1
	// SectionKeys: creating the first key, rotating, retiring.
	SectionKeys
)

// ErrBadDialect: a Dialect lacks a field New needs.
var ErrBadDialect = errors.New("sqlstore: incomplete dialect")

// check reports a Dialect that would fail at its first use.
func (d Dialect) check() error {
	if d.Name == "" || d.Migrations.String() == "" || d.IsUniqueViolation == nil || d.IsForeignKeyViolation == nil || d.KeySeq == "" {
		return ErrBadDialect
	}
	return nil
}

// Rebind turns the '?' placeholders of query into $1, $2, ... in order. It
// knows nothing of SQL quoting: the statements it serves hold no '?' in a
// literal, an identifier or a comment.
func Rebind(query string) string {
	n := strings.Count(query, "?")
	if n == 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 2*n)
	i := 0
	for {
		j := strings.IndexByte(query, '?')
		if j < 0 {
			b.WriteString(query)
			return b.String()
		}
		i++
		b.WriteString(query[:j])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
		query = query[j+1:]
	}
}
