package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// MaxSessionsPerUser bounds the renewable sessions of one user: a sign-in
// beyond it ends the oldest (their access tokens are revoked like a
// logout's). It keeps the sessions table, and a user's session list,
// bounded by the number of users, whatever the sign-in rate.
const MaxSessionsPerUser = 100

// pruneBatch bounds the dead sessions one sign-in deletes, so that the
// clean-up is spread over sign-ins instead of stalling one.
const pruneBatch = 64

// SessionService implements origin.SessionService and tokens.SessionStore
// on the sessions, refresh_tokens and revoked_sessions tables. Every method
// that ends a session records the revocation of its sid in the same
// transaction and returns only after its Notifier (if any) has been
// refreshed, so the session's access tokens are refused by then.
type SessionService struct {
	db       *Store
	notifier origin.Notifier // may be nil
}

var (
	_ origin.SessionService = (*SessionService)(nil)
	_ tokens.SessionStore   = (*SessionService)(nil)
)

// NewSessionService returns the session service of db. Every change that
// ends a session returns only after n, when not nil, has been refreshed.
func NewSessionService(db *Store, n origin.Notifier) *SessionService {
	return &SessionService{db: db, notifier: n}
}

var errSessionNotFound = origin.Errorf(origin.ENOTFOUND, "session not found")

// CreateSession implements tokens.SessionStore. It also ends the user's
// oldest renewable sessions beyond MaxSessionsPerUser, and deletes a few
// sessions that are dead (ended or lapsed) and whose access tokens have
// all expired, with their refresh tokens.
func (s *SessionService) CreateSession(ctx context.Context, ns tokens.NewSession) error {
	var ended int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		now := ns.Now.Unix()
		// The lock a password change or a deletion of the user takes first:
		// one that committed before is seen here, one after ends this
		// session (or, a deletion, removes it).
		var version int64
		err := tx.QueryRowContext(ctx, s.db.q(`SELECT credential_version FROM users WHERE id = ?`+s.db.d.ForUpdate), ns.UserID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && version != ns.CredentialVersion) {
			return tokens.ErrCredentialChanged
		} else if err != nil {
			return s.db.wrap("credential version", err)
		}
		_, err = tx.ExecContext(ctx, s.db.q(`INSERT INTO sessions
			(id, user_id, scope, created_at, last_used_at, expires_at, idle_expires_at, access_exp)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			ns.ID, ns.UserID, ns.Scope, micros(ns.Now), micros(ns.Now), ns.ExpiresAt.Unix(), ns.IdleExpiresAt.Unix(), ns.AccessExp)
		if err != nil {
			return s.db.wrap("insert session", err)
		}
		if _, err := tx.ExecContext(ctx, s.db.q(`INSERT INTO refresh_tokens (hash, session_id) VALUES (?, ?)`),
			ns.RefreshHash, ns.ID); err != nil {
			return s.db.wrap("insert refresh token", err)
		}
		if ended, err = s.endBeyondCap(ctx, tx, ns.UserID, ns.Now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.db.q(`DELETE FROM sessions WHERE id IN (
			SELECT id FROM sessions WHERE idle_expires_at < ? AND access_exp < ? LIMIT ?)`),
			now, ns.Now.Add(-s.db.opts.RetireAfter).Unix(), pruneBatch)
		if err != nil {
			return s.db.wrap("prune sessions", err)
		}
		return nil
	})
	if err != nil || ended == 0 {
		return err
	}
	return s.db.notify(ctx, s.notifier)
}

// endBeyondCap ends the user's renewable sessions older than the newest
// MaxSessionsPerUser (the one just created included), a few at a time.
func (s *SessionService) endBeyondCap(ctx context.Context, tx *sql.Tx, userID int64, now time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, s.db.q(`SELECT id FROM sessions
		WHERE user_id = ? AND ended_at IS NULL AND idle_expires_at > ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`), userID, now.Unix(), pruneBatch, MaxSessionsPerUser)
	if err != nil {
		return 0, s.db.wrap("sessions beyond the cap", err)
	}
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, s.db.wrap("sessions beyond the cap", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, s.db.wrap("sessions beyond the cap", err)
	}
	total := 0
	for _, id := range ids {
		n, err := s.db.endSessions(ctx, tx, now, `id = ?`, id)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// RotateRefreshToken implements tokens.SessionStore.
//
// The session's row is locked before the token is marked rotated (FOR
// UPDATE on PostgreSQL; SQLite's write transactions run one at a time), so
// two refreshes of one session queue on it, and every path that touches
// both tables (this one, a user's deletion cascading to both) takes the
// session first: no deadlock. The conditional UPDATE of the token (WHERE
// rotated_at IS NULL) is what decides the winner: the loser finds it
// rotated and ends the session as reuse. Refreshes of different sessions
// touch different rows and do not wait for each other.
func (s *SessionService) RotateRefreshToken(ctx context.Context, r tokens.Rotation) (*tokens.SessionGrant, error) {
	var grant *tokens.SessionGrant
	var reused bool
	var ended int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		now := r.Now.Unix()
		var sid string
		var rotated sql.NullInt64
		err := tx.QueryRowContext(ctx, s.db.q(`SELECT session_id, rotated_at FROM refresh_tokens WHERE hash = ?`), r.OldHash).Scan(&sid, &rotated)
		if errors.Is(err, sql.ErrNoRows) {
			return tokens.ErrInvalidRefreshToken
		} else if err != nil {
			return s.db.wrap("refresh token", err)
		}
		g := tokens.SessionGrant{ID: sid}
		var endedAt sql.NullInt64
		var idleExp, expires int64
		err = tx.QueryRowContext(ctx, s.db.q(`SELECT user_id, scope, ended_at, idle_expires_at, expires_at
			FROM sessions WHERE id = ?`+s.db.d.ForUpdate), sid).Scan(&g.UserID, &g.Scope, &endedAt, &idleExp, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return tokens.ErrInvalidRefreshToken
		} else if err != nil {
			return s.db.wrap("session", err)
		}
		n, err := affected(tx.ExecContext(ctx, s.db.q(`UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL`),
			now, r.OldHash))
		if err != nil {
			return s.db.wrap("rotate refresh token", err)
		}
		if n == 0 { // rotated before: by an earlier refresh, or by a racing one that just won
			reused = true
			ended, err = s.db.endSessions(ctx, tx, r.Now, `id = ?`, sid)
			return err
		}
		if endedAt.Valid || idleExp <= now || expires <= now {
			return tokens.ErrInvalidRefreshToken // rolls the rotation back: nothing changes
		}
		idle := min(r.Now.Add(r.Idle).Unix(), expires)
		if _, err := tx.ExecContext(ctx, s.db.q(`UPDATE sessions SET last_used_at = ?, idle_expires_at = ?,
				access_exp = CASE WHEN ? > access_exp THEN ? ELSE access_exp END
			WHERE id = ?`), micros(r.Now), idle, r.AccessExp, r.AccessExp, sid); err != nil {
			return s.db.wrap("renew session", err)
		}
		if _, err := tx.ExecContext(ctx, s.db.q(`INSERT INTO refresh_tokens (hash, session_id) VALUES (?, ?)`),
			r.NewHash, sid); err != nil {
			return s.db.wrap("insert refresh token", err)
		}
		// A rotated token older than the idle limit would have lapsed by
		// now had it not been rotated: presenting it is no longer told
		// apart from an unknown token, and its row can go.
		if _, err := tx.ExecContext(ctx, s.db.q(`DELETE FROM refresh_tokens WHERE session_id = ? AND rotated_at < ?`),
			sid, r.Now.Add(-r.Idle).Unix()); err != nil {
			return s.db.wrap("prune refresh tokens", err)
		}
		g.IdleExpiresAt = time.Unix(idle, 0)
		grant = &g
		return nil
	})
	if err != nil {
		return nil, err
	}
	if reused {
		if ended > 0 {
			if err := s.db.notify(ctx, s.notifier); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("%w: %w", tokens.ErrInvalidRefreshToken, origin.ErrRefreshTokenReused)
	}
	return grant, nil
}

// EndSessionByID implements tokens.SessionStore (a logout).
func (s *SessionService) EndSessionByID(ctx context.Context, sid string) error {
	var n int
	err := s.db.inTx(ctx, func(tx *sql.Tx) (err error) {
		n, err = s.db.endSessions(ctx, tx, s.db.opts.Now(), `id = ?`, sid)
		return err
	})
	if err != nil || n == 0 {
		return err
	}
	return s.db.notify(ctx, s.notifier)
}

// ListSessions implements origin.SessionService: at most
// MaxSessionsPerUser renewable sessions plus those whose refresh token
// lapsed less than an access-token lifetime ago.
func (s *SessionService) ListSessions(ctx context.Context, userID int64) ([]*origin.Session, error) {
	now := s.db.opts.Now().Unix()
	rows, err := s.db.r.QueryContext(ctx, s.db.q(`SELECT id, created_at, last_used_at FROM sessions
		WHERE user_id = ? AND ended_at IS NULL AND (idle_expires_at > ? OR access_exp > ?)
		ORDER BY created_at DESC, id DESC`), userID, now, now)
	if err != nil {
		return nil, s.db.wrap("sessions", err)
	}
	defer rows.Close()
	out := []*origin.Session{}
	for rows.Next() {
		var ses origin.Session
		var created, used int64
		if err := rows.Scan(&ses.ID, &created, &used); err != nil {
			return nil, s.db.wrap("sessions", err)
		}
		ses.CreatedAt, ses.LastUsedAt = fromMicros(created), fromMicros(used)
		out = append(out, &ses)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.wrap("sessions", err)
	}
	return out, nil
}

// EndSession implements origin.SessionService.
func (s *SessionService) EndSession(ctx context.Context, userID int64, sid string) error {
	var n int
	err := s.db.inTx(ctx, func(tx *sql.Tx) (err error) {
		n, err = s.db.endSessions(ctx, tx, s.db.opts.Now(), `id = ? AND user_id = ?`, sid, userID)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errSessionNotFound
	}
	return s.db.notify(ctx, s.notifier)
}

// endSessions ends, inside tx, the sessions not ended yet that where (a
// condition on sessions' columns, with args) picks, and records a
// revocation of each sid until the latest exp of its access tokens. It
// returns how many sessions it ended. An ended session's refresh tokens
// stop working at once (its idle limit becomes now).
//
// The revocations of one transaction share the next revocation seq, taken
// last so that the edge_version row stays locked (on PostgreSQL) only
// until the commit that follows. Entries long expired are pruned in the
// same transaction: their exp is older than RetireAfter (an access-token
// lifetime plus the leeway), so no token they could refuse is alive.
func (db *Store) endSessions(ctx context.Context, tx *sql.Tx, now time.Time, where string, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, db.q(`UPDATE sessions SET ended_at = ?, idle_expires_at = ?
		WHERE ended_at IS NULL AND (`+where+`) RETURNING id, access_exp`),
		append([]any{now.Unix(), now.Unix()}, args...)...)
	if err != nil {
		return 0, db.wrap("end sessions", err)
	}
	var ended []edgeauth.SessionRevocation
	for rows.Next() {
		var r edgeauth.SessionRevocation
		if err := rows.Scan(&r.SID, &r.Exp); err != nil {
			rows.Close()
			return 0, db.wrap("end sessions", err)
		}
		ended = append(ended, r)
	}
	if err := rows.Err(); err != nil {
		return 0, db.wrap("end sessions", err)
	}
	horizon := now.Add(-db.opts.RetireAfter).Unix()
	var seq int64
	for _, r := range ended {
		if r.Exp < horizon {
			continue // every access token of it expired long ago
		}
		if seq == 0 {
			if seq, err = db.nextRevocationSeq(ctx, tx); err != nil {
				return 0, err
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO revoked_sessions (sid, exp, seq) VALUES (?, ?, ?)
			ON CONFLICT (sid) DO UPDATE SET seq = excluded.seq, exp = CASE
				WHEN excluded.exp > revoked_sessions.exp THEN excluded.exp ELSE revoked_sessions.exp END`),
			r.SID, r.Exp, seq); err != nil {
			return 0, db.wrap("revoke session", err)
		}
	}
	if seq != 0 {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM revoked_sessions WHERE exp < ?`), horizon); err != nil {
			return 0, db.wrap("prune revoked sessions", err)
		}
		// The jti revocations of earlier releases drain the same way.
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM revocations WHERE exp < ?`), horizon); err != nil {
			return 0, db.wrap("prune revocations", err)
		}
	}
	return len(ended), nil
}

// nextRevocationSeq takes the next sequence number of the revocation state
// in tx. The UPDATE holds edge_version's row lock until tx ends, so
// transactions take their numbers in commit order: once a reader sees the
// counter at c, every entry numbered up to c is committed and visible.
func (db *Store) nextRevocationSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, `UPDATE edge_version SET revocation_seq = revocation_seq + 1 WHERE id = 1 RETURNING revocation_seq`).Scan(&seq); err != nil {
		return 0, db.wrap("revocation seq", err)
	}
	return seq, nil
}
