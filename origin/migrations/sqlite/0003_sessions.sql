-- Sessions and refresh tokens, and revocation state whose size is bounded
-- by the access tokens still alive, read incrementally by every replica.

-- A session is one sign-in (POST /authenticate) and the refresh tokens that
-- renew it. Its id is the access tokens' sid claim (128 random bits,
-- base64url). Times of the session itself are unix microseconds like the
-- users'; the limits compared with token times are unix seconds.
CREATE TABLE sessions (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope           TEXT    NOT NULL,  -- granted at sign-in; every refresh keeps it
    created_at      INTEGER NOT NULL,  -- unix microseconds
    last_used_at    INTEGER NOT NULL,  -- unix microseconds: the sign-in or the last refresh
    expires_at      INTEGER NOT NULL,  -- unix seconds: the absolute limit
    -- unix seconds: when the current refresh token lapses unused (at most
    -- expires_at); set to the end time when the session ends, so "dead"
    -- is one comparison and one index.
    idle_expires_at INTEGER NOT NULL,
    access_exp      INTEGER NOT NULL,  -- unix seconds: the latest exp of any access token issued in it
    ended_at        INTEGER            -- unix seconds; NULL while not ended
);
CREATE INDEX sessions_user ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_idle_expires ON sessions (idle_expires_at);

-- Refresh tokens are stored only as the SHA-256 of the token (256 random
-- bits, so a fast hash is enough). A rotated token is kept, marked, so that
-- presenting it again is recognised as reuse.
CREATE TABLE refresh_tokens (
    hash       BLOB    PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rotated_at INTEGER            -- unix seconds; NULL for the session's current token
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id, rotated_at);

-- Ended sessions whose access tokens may still be alive: the auth step
-- refuses a token whose sid is listed until exp (the latest exp of any
-- access token of the session). Not tied to sessions by a foreign key: an
-- entry must outlive its session's row.
--
-- seq orders the changes to the revocation state (this table and
-- subject_cutoffs) in commit order, so that a replica can read just the
-- entries newer than the last it saw: every writer takes the next value of
-- edge_version.revocation_seq in its transaction, which holds that row's
-- lock until commit.
CREATE TABLE revoked_sessions (
    sid TEXT    PRIMARY KEY,
    exp INTEGER NOT NULL, -- unix seconds
    seq INTEGER NOT NULL
);
CREATE INDEX revoked_sessions_seq ON revoked_sessions (seq);
CREATE INDEX revoked_sessions_exp ON revoked_sessions (exp);

ALTER TABLE edge_version ADD COLUMN revocation_seq INTEGER NOT NULL DEFAULT 0;
UPDATE edge_version SET revocation_seq = 1 WHERE id = 1;
ALTER TABLE subject_cutoffs ADD COLUMN seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX subject_cutoffs_seq ON subject_cutoffs (seq);

-- Cutoffs are read incrementally by seq from now on; they no longer move
-- edge_version.version, which stays the signal for a full rebuild (keys).
DROP TRIGGER subject_cutoffs_ins;
DROP TRIGGER subject_cutoffs_upd;
DROP TRIGGER subject_cutoffs_del;
