package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

// cutSubject ends every token of subject issued so far. Token times are
// whole seconds, so a change at second T sets valid_after = T+1: strictly
// after every iat already handed out (including one issued earlier in
// second T). The issuer stamps new tokens with iat = max(now, valid_after),
// so a token issued right after the change works at once. The cutoff never
// moves backwards, not even when replicas' clocks disagree (a CASE, since
// SQLite's two-argument max is PostgreSQL's GREATEST). The row takes the
// next revocation seq, so replicas read it incrementally.
func (db *Store) cutSubject(ctx context.Context, tx *sql.Tx, subject string, now time.Time) error {
	seq, err := db.nextRevocationSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO subject_cutoffs (subject, valid_after, seq) VALUES (?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET seq = excluded.seq, valid_after = CASE
			WHEN excluded.valid_after > subject_cutoffs.valid_after THEN excluded.valid_after
			ELSE subject_cutoffs.valid_after END`),
		subject, now.Unix()+1, seq)
	if err != nil {
		return db.wrap("subject cutoff", err)
	}
	return nil
}

// SubjectValidAfter returns the subject's cutoff in unix seconds, 0 when it
// has none.
func (db *Store) SubjectValidAfter(ctx context.Context, subject string) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT valid_after FROM subject_cutoffs WHERE subject = ?`), subject).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, db.wrap("subject cutoff", err)
	}
	return v, nil
}

// SubjectsValidAfter implements origin.EdgeStore.
func (db *Store) SubjectsValidAfter(ctx context.Context, after, upTo int64, since time.Time) (map[string]int64, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT subject, valid_after FROM subject_cutoffs
		WHERE seq > ? AND seq <= ? AND valid_after > ?`), after, upTo, since.Unix())
	if err != nil {
		return nil, db.wrap("subject cutoffs", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var v int64
		if err := rows.Scan(&s, &v); err != nil {
			return nil, db.wrap("subject cutoffs", err)
		}
		out[s] = v
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("subject cutoffs", err)
	}
	return out, nil
}

// RevokedSessions implements origin.EdgeStore, sorted by sid in byte order
// whatever the database's collation.
func (db *Store) RevokedSessions(ctx context.Context, after, upTo int64, since time.Time) ([]edgeauth.SessionRevocation, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT sid, exp FROM revoked_sessions
		WHERE seq > ? AND seq <= ? AND exp > ? ORDER BY sid`+db.d.ByteOrder), after, upTo, since.Unix())
	if err != nil {
		return nil, db.wrap("revoked sessions", err)
	}
	defer rows.Close()
	var out []edgeauth.SessionRevocation
	for rows.Next() {
		var r edgeauth.SessionRevocation
		if err := rows.Scan(&r.SID, &r.Exp); err != nil {
			return nil, db.wrap("revoked sessions", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("revoked sessions", err)
	}
	return out, nil
}

// RevocationSeq implements origin.EdgeStore: the seq of the latest
// committed change to revoked sessions or subject cutoffs.
func (db *Store) RevocationSeq(ctx context.Context) (int64, error) {
	var v int64
	if err := db.r.QueryRowContext(ctx, `SELECT revocation_seq FROM edge_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, db.wrap("revocation seq", err)
	}
	return v, nil
}

// Revoke records jti as revoked until exp. Nothing in the origin revokes by
// jti any more (a logout ends its session); the entries of earlier releases
// are still read, until they expire.
// Revoking twice is harmless. Entries long past their exp (older than
// RetireAfter, which exceeds any leeway) are pruned in the same transaction.
func (db *Store) Revoke(ctx context.Context, jti string, exp time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO revocations (jti, exp) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`),
			jti, exp.Unix()); err != nil {
			return db.wrap("revoke", err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM revocations WHERE exp < ?`),
			db.opts.Now().Add(-db.opts.RetireAfter).Unix()); err != nil {
			return db.wrap("prune revocations", err)
		}
		return nil
	})
}

// Revocations implements origin.EdgeStore, sorted by jti in byte order
// whatever the database's collation.
func (db *Store) Revocations(ctx context.Context, since time.Time) ([]edgeauth.Revocation, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT jti, exp FROM revocations WHERE exp > ? ORDER BY jti`+db.d.ByteOrder), since.Unix())
	if err != nil {
		return nil, db.wrap("revocations", err)
	}
	defer rows.Close()
	var out []edgeauth.Revocation
	for rows.Next() {
		var r edgeauth.Revocation
		if err := rows.Scan(&r.JTI, &r.Exp); err != nil {
			return nil, db.wrap("revocations", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("revocations", err)
	}
	return out, nil
}

// ChangeVersion implements origin.EdgeStore: the counter the triggers of
// migration 0001 move on every change to keys and jti revocations,
// committed by any process sharing the database (since migration 0003,
// cutoffs and revoked sessions move RevocationSeq instead).
func (db *Store) ChangeVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.r.QueryRowContext(ctx, `SELECT version FROM edge_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, db.wrap("change version", err)
	}
	return v, nil
}
