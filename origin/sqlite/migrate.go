package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/craftingapis/todos/origin/migrations"
)

// migrate applies the pending migrations of origin/migrations/sqlite. Each
// runs in an IMMEDIATE transaction, so two processes opening a new database
// at once apply it exactly once: the second waits for the first and then
// sees its row.
func (db *DB) migrate(ctx context.Context) error {
	_, err := migrations.Run(ctx, migrations.SQLite, func(ctx context.Context, fn func(migrations.Tx) error) error {
		return db.inTx(ctx, func(tx *sql.Tx) error { return fn(sqlTx{tx}) })
	}, db.opts.Now)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// sqlTx adapts a *sql.Tx to the migration runner.
type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t sqlTx) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}
