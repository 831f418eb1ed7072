-- The SQLite schema of 0001_init.sql in PostgreSQL's dialect. Times are
-- stored exactly as there (unix microseconds for users and todos, unix
-- seconds for keys, revocations and cutoffs), so both backends compare,
-- page and round alike.

-- Accounts. An identity column never hands out an id twice (its sequence
-- does not go back, not even after a rollback), so a subject cutoff
-- ("users/<id>") left behind by a deleted account never applies to a new one.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    password_hash BYTEA  NOT NULL,
    created_at    BIGINT NOT NULL, -- unix microseconds
    updated_at    BIGINT NOT NULL
);

CREATE TABLE todos (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    completed  BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT  NOT NULL, -- unix microseconds
    updated_at BIGINT  NOT NULL
);
-- Keyset pagination, newest first.
CREATE INDEX todos_user_created ON todos (user_id, created_at DESC, id DESC);

CREATE TABLE signing_keys (
    kid         TEXT   PRIMARY KEY,
    -- Insertion order, the tie-break of ListKeys (SQLite's rowid).
    seq         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    alg         TEXT   NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'HS256')),
    private_key BYTEA  NOT NULL,
    private_enc TEXT   NOT NULL CHECK (private_enc IN ('none', 'aes-256-gcm')),
    public_jwk  TEXT,            -- JSON; NULL for HS256 (its only key is the secret)
    state       TEXT   NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    created_at  BIGINT NOT NULL, -- unix seconds
    retire_at   BIGINT           -- unix seconds; set when retiring or retired
);
-- At most one active key, even when several replicas start at once.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active';

CREATE TABLE revocations (
    jti TEXT   PRIMARY KEY,
    exp BIGINT NOT NULL -- unix seconds
);
CREATE INDEX revocations_exp ON revocations (exp);

-- Tokens of a subject issued (iat) before valid_after are refused. Not tied
-- to users by a foreign key: a cutoff must outlive the account it ends.
CREATE TABLE subject_cutoffs (
    subject     TEXT   PRIMARY KEY,
    valid_after BIGINT NOT NULL -- unix seconds
);

-- A counter that moves on every change the auth step must see, by any
-- replica; control planes poll it. It is a row, not a sequence, because it
-- must move only when the change commits: a poller that saw a sequence move
-- before the commit would rebuild without the change and never look again.
-- Triggers keep it honest so no write path can forget it, and announce the
-- change on the channel origin_edge_changes, which PostgreSQL delivers to
-- listening replicas when (and only if) the transaction commits.
CREATE TABLE edge_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO edge_version (id, version) VALUES (1, 0);

CREATE FUNCTION edge_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
BEGIN
    UPDATE edge_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    PERFORM pg_notify('origin_edge_changes', v::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER signing_keys_changed AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION edge_version_bump();
CREATE TRIGGER revocations_changed AFTER INSERT OR DELETE ON revocations
    FOR EACH ROW EXECUTE FUNCTION edge_version_bump();
CREATE TRIGGER subject_cutoffs_changed AFTER INSERT OR UPDATE OR DELETE ON subject_cutoffs
    FOR EACH ROW EXECUTE FUNCTION edge_version_bump();
