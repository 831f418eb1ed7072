-- Accounts. AUTOINCREMENT: an id is never reused, so a subject cutoff
-- ("users/<id>") left behind by a deleted account can never apply to a new one.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash BLOB    NOT NULL,
    created_at    INTEGER NOT NULL, -- unix microseconds
    updated_at    INTEGER NOT NULL
);

CREATE TABLE todos (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    completed  INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    created_at INTEGER NOT NULL, -- unix microseconds
    updated_at INTEGER NOT NULL
);
-- Keyset pagination, newest first.
CREATE INDEX todos_user_created ON todos (user_id, created_at DESC, id DESC);

CREATE TABLE signing_keys (
    kid         TEXT    PRIMARY KEY,
    alg         TEXT    NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'HS256')),
    private_key BLOB    NOT NULL,
    private_enc TEXT    NOT NULL CHECK (private_enc IN ('none', 'aes-256-gcm')),
    public_jwk  TEXT,             -- JSON; NULL for HS256 (its only key is the secret)
    state       TEXT    NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    created_at  INTEGER NOT NULL, -- unix seconds
    retire_at   INTEGER           -- unix seconds; set when retiring or retired
);
-- At most one active key, even when two processes start at once.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active';

CREATE TABLE revocations (
    jti TEXT    PRIMARY KEY,
    exp INTEGER NOT NULL -- unix seconds
);
CREATE INDEX revocations_exp ON revocations (exp);

-- Tokens of a subject issued (iat) before valid_after are refused. Not tied
-- to users by a foreign key: a cutoff must outlive the account it ends.
CREATE TABLE subject_cutoffs (
    subject     TEXT    PRIMARY KEY,
    valid_after INTEGER NOT NULL -- unix seconds
);

-- A counter that moves on every change the auth step must see, by any
-- process; the control plane polls it. Triggers keep it honest so no write
-- path can forget it.
CREATE TABLE edge_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO edge_version (id, version) VALUES (1, 0);

CREATE TRIGGER signing_keys_ins AFTER INSERT ON signing_keys BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_upd AFTER UPDATE ON signing_keys BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_del AFTER DELETE ON signing_keys BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER revocations_ins AFTER INSERT ON revocations BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER revocations_del AFTER DELETE ON revocations BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subject_cutoffs_ins AFTER INSERT ON subject_cutoffs BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subject_cutoffs_upd AFTER UPDATE ON subject_cutoffs BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subject_cutoffs_del AFTER DELETE ON subject_cutoffs BEGIN UPDATE edge_version SET version = version + 1 WHERE id = 1; END;
