package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/craftingapis/todos/edgeauth"
)

// cutSubject ends every token of subject issued so far. Token times are
// whole seconds, so a change at second T sets valid_after = T+1: strictly
// after every iat already handed out (including one issued earlier in
// second T). The issuer stamps new tokens with iat = max(now, valid_after),
// so a token issued right after the change works at once. The cutoff never
// moves backwards, not even when replicas' clocks disagree.
func cutSubject(ctx context.Context, tx pgx.Tx, subject string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO subject_cutoffs (subject, valid_after) VALUES ($1, $2)
		ON CONFLICT (subject) DO UPDATE SET valid_after = GREATEST(subject_cutoffs.valid_after, excluded.valid_after)`,
		subject, now.Unix()+1)
	if err != nil {
		return fmt.Errorf("postgres: subject cutoff: %w", err)
	}
	return nil
}

// SubjectValidAfter implements tokens.SubjectStore: the subject's cutoff in
// unix seconds, 0 when it has none.
func (db *DB) SubjectValidAfter(ctx context.Context, subject string) (int64, error) {
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT valid_after FROM subject_cutoffs WHERE subject = $1`, subject).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("postgres: subject cutoff: %w", err)
	}
	return v, nil
}

// SubjectsValidAfter implements origin.EdgeStore.
func (db *DB) SubjectsValidAfter(ctx context.Context, since time.Time) (map[string]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT subject, valid_after FROM subject_cutoffs WHERE valid_after > $1`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("postgres: subject cutoffs: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var v int64
		if err := rows.Scan(&s, &v); err != nil {
			return nil, fmt.Errorf("postgres: subject cutoffs: %w", err)
		}
		out[s] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: subject cutoffs: %w", err)
	}
	return out, nil
}

// Revoke implements tokens.SubjectStore: jti stays revoked until exp.
// Revoking twice is harmless. Entries long past their exp (older than
// RetireAfter, which exceeds any leeway) are pruned in the same transaction.
func (db *DB) Revoke(ctx context.Context, jti string, exp time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO revocations (jti, exp) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`,
			jti, exp.Unix()); err != nil {
			return fmt.Errorf("postgres: revoke: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM revocations WHERE exp < $1`,
			db.opts.Now().Add(-db.opts.RetireAfter).Unix()); err != nil {
			return fmt.Errorf("postgres: prune revocations: %w", err)
		}
		return nil
	})
}

// Revocations implements origin.EdgeStore, sorted by jti in byte order (as
// SQLite sorts), whatever the database's collation.
func (db *DB) Revocations(ctx context.Context, since time.Time) ([]edgeauth.Revocation, error) {
	rows, err := db.pool.Query(ctx, `SELECT jti, exp FROM revocations WHERE exp > $1 ORDER BY jti COLLATE "C"`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("postgres: revocations: %w", err)
	}
	defer rows.Close()
	var out []edgeauth.Revocation
	for rows.Next() {
		var r edgeauth.Revocation
		if err := rows.Scan(&r.JTI, &r.Exp); err != nil {
			return nil, fmt.Errorf("postgres: revocations: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: revocations: %w", err)
	}
	return out, nil
}

// ChangeVersion implements origin.EdgeStore: the counter the triggers of
// migration 0001 move on every change to keys, revocations and cutoffs,
// committed by any replica.
func (db *DB) ChangeVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.pool.QueryRow(ctx, `SELECT version FROM edge_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: change version: %w", err)
	}
	return v, nil
}
