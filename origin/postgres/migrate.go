package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/craftingapis/todos/origin/migrations"
)

// migrate applies the pending migrations of origin/migrations/postgres. Each
// runs in a transaction holding the migration advisory lock, so replicas
// starting together on an empty database apply each one exactly once: the
// others wait for the lock and then see its schema_migrations row.
func (db *DB) migrate(ctx context.Context) error {
	_, err := migrations.Run(ctx, migrations.Postgres, func(ctx context.Context, fn func(migrations.Tx) error) error {
		return db.inTx(ctx, func(tx pgx.Tx) error {
			if err := lock(ctx, tx, lockMigrate); err != nil {
				return err
			}
			return fn(pgTx{tx})
		})
	}, db.opts.Now)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// pgTx adapts a pgx.Tx to the migration runner.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.Exec(ctx, query, args...)
	return err
}

func (t pgTx) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}
