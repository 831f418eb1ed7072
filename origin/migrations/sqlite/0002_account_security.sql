-- A user's credential version moves on every password change. A login reads
-- it with the password hash, before bcrypt, and issues its token only if it
-- is unchanged, inside a transaction that excludes password changes and
-- deletions: a login that raced a change never yields a token that outlives
-- it.
ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0;

-- Secrets of the origin itself, shared by every process on the database
-- (replicas must agree on them), sealed like signing keys when a master key
-- is set. 'device-cookie' signs the device cookies that exempt a client that
-- logged in before from an account's shared attempt limit.
CREATE TABLE origin_secrets (
    name       TEXT    PRIMARY KEY,
    secret     BLOB    NOT NULL,
    enc        TEXT    NOT NULL CHECK (enc IN ('none', 'aes-256-gcm')),
    created_at INTEGER NOT NULL -- unix seconds
);

-- signing_keys.private_key is emptied (a zero-length blob) when a key's
-- private half is destroyed: a retired key, or a rotated-out EdDSA or ES256
-- key, which never signs again and verifies with its public JWK.
