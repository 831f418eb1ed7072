package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
)

// SecretLen is the size in bytes of a secret Secret creates.
const SecretLen = 32

// SecretDeviceCookie names the secret device cookies are signed with.
const SecretDeviceCookie = "device-cookie"

// secretAAD is what a secret is sealed under: a name a kid (base64url) can
// never be, so a sealed secret and a sealed key never open as each other.
func secretAAD(name string) string { return "secret:" + name }

// Secret returns the origin's secret called name, creating it the first
// time (SecretLen random bytes, sealed like the signing keys). Every process
// on the database gets the same bytes: concurrent creators insert with ON
// CONFLICT DO NOTHING and all read back the one that won.
func (db *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	b, err := db.readSecret(ctx, name)
	if !errors.Is(err, sql.ErrNoRows) {
		return b, err
	}
	fresh := make([]byte, SecretLen)
	if _, err := io.ReadFull(db.opts.Rand, fresh); err != nil {
		return nil, fmt.Errorf("%s: secret: %w", db.d.Name, err)
	}
	enc, sealed, err := db.opts.Sealer.Seal(secretAAD(name), fresh)
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, db.q(`INSERT INTO origin_secrets (name, secret, enc, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`), name, sealed, enc, db.opts.Now().Unix())
		return err
	})
	if err != nil {
		return nil, db.wrap("store secret", err)
	}
	return db.readSecret(ctx, name)
}

// readSecret reads and opens a stored secret; sql.ErrNoRows when none.
func (db *Store) readSecret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	var enc string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT secret, enc FROM origin_secrets WHERE name = ?`), name).Scan(&sealed, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	} else if err != nil {
		return nil, db.wrap("secret", err)
	}
	b, err := db.opts.Sealer.Open(secretAAD(name), enc, sealed)
	if err != nil {
		return nil, db.wrap("secret "+name, err)
	}
	return b, nil
}
