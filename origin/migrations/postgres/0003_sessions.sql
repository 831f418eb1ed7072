-- The SQLite schema of 0003_sessions.sql in PostgreSQL's dialect: sessions,
-- refresh tokens and the incrementally read revocation state.

CREATE TABLE sessions (
    id              TEXT   PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope           TEXT   NOT NULL,  -- granted at sign-in; every refresh keeps it
    created_at      BIGINT NOT NULL,  -- unix microseconds
    last_used_at    BIGINT NOT NULL,  -- unix microseconds: the sign-in or the last refresh
    expires_at      BIGINT NOT NULL,  -- unix seconds: the absolute limit
    -- unix seconds: when the current refresh token lapses unused (at most
    -- expires_at); set to the end time when the session ends.
    idle_expires_at BIGINT NOT NULL,
    access_exp      BIGINT NOT NULL,  -- unix seconds: the latest exp of any access token issued in it
    ended_at        BIGINT            -- unix seconds; NULL while not ended
);
CREATE INDEX sessions_user ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_idle_expires ON sessions (idle_expires_at);

-- Only the SHA-256 of a refresh token is stored; rotated ones are kept,
-- marked, so that presenting one again is recognised as reuse.
CREATE TABLE refresh_tokens (
    hash       BYTEA  PRIMARY KEY,
    session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rotated_at BIGINT            -- unix seconds; NULL for the session's current token
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id, rotated_at);

-- Ended sessions whose access tokens may still be alive. seq orders the
-- changes to the revocation state in commit order: a writer takes the next
-- edge_version.revocation_seq in its transaction and holds that row's lock
-- until commit, so the committed entries are always every seq up to the
-- counter's committed value, and a replica reads just the ones above the
-- last it saw.
CREATE TABLE revoked_sessions (
    sid TEXT   PRIMARY KEY,
    exp BIGINT NOT NULL, -- unix seconds
    seq BIGINT NOT NULL
);
CREATE INDEX revoked_sessions_seq ON revoked_sessions (seq);
CREATE INDEX revoked_sessions_exp ON revoked_sessions (exp);

ALTER TABLE edge_version ADD COLUMN revocation_seq BIGINT NOT NULL DEFAULT 0;
UPDATE edge_version SET revocation_seq = 1 WHERE id = 1;
ALTER TABLE subject_cutoffs ADD COLUMN seq BIGINT NOT NULL DEFAULT 1;
CREATE INDEX subject_cutoffs_seq ON subject_cutoffs (seq);

-- Cutoffs are read incrementally by seq from now on; they no longer move
-- edge_version.version, which stays the signal for a full rebuild (keys).
DROP TRIGGER subject_cutoffs_changed ON subject_cutoffs;

-- A new revocation seq is announced on the channel of 0001 (the payload is
-- not read), delivered to listening replicas when the transaction commits.
CREATE FUNCTION edge_revocations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('origin_edge_changes', 'r' || NEW.revocation_seq::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER edge_version_revocations AFTER UPDATE OF revocation_seq ON edge_version
    FOR EACH ROW EXECUTE FUNCTION edge_revocations_notify();
