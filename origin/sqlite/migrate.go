package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

// migrations are plain SQL files applied in name order, each once, each in
// its own transaction together with its schema_migrations row. Never edit a
// released file: add a new one.
//
//go:embed migrations/*.sql
var migrations embed.FS

func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		// IMMEDIATE transactions make two processes opening a new database
		// at once apply each migration exactly once: the second waits for the
		// first and then sees its row.
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			// Inside the transaction: outside it, a second process creating
			// the table at the same moment could get SQLITE_BUSY at once
			// instead of waiting for the write lock.
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    TEXT    PRIMARY KEY,
				applied_at INTEGER NOT NULL
			)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, name, db.opts.Now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	return nil
}
