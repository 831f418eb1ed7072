package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/craftingapis/todos/origin/migrations"
)

// Migrate applies the pending migrations of d.Migrations on w, each in a
// transaction of its own that excludes every other migrator of the same
// database (SQLite: BEGIN IMMEDIATE, as w must begin them; PostgreSQL: the
// SectionMigrate lock of d.Lock). Processes opening a new database at once
// thus apply each migration exactly once: the others wait, then see its
// schema_migrations row. now stamps applied_at (time.Now when nil).
func Migrate(ctx context.Context, d Dialect, w *sql.DB, now func() time.Time) error {
	if err := d.check(); err != nil {
		return err
	}
	if now == nil {
		now = time.Now
	}
	_, err := migrations.Run(ctx, d.Migrations, func(ctx context.Context, fn func(migrations.Tx) error) error {
		return inTx(ctx, w, d.Name, func(tx *sql.Tx) error {
			if d.Lock != nil {
				if err := d.Lock(ctx, tx, SectionMigrate); err != nil {
					return fmt.Errorf("lock: %w", err)
				}
			}
			return fn(migrationTx{tx})
		})
	}, now)
	if err != nil {
		return fmt.Errorf("%s: %w", d.Name, err)
	}
	return nil
}

// migrationTx adapts a *sql.Tx to the migration runner.
type migrationTx struct{ tx *sql.Tx }

func (t migrationTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t migrationTx) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}
