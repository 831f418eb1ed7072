package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// KeyService implements origin.KeyService and tokens.KeyStore on the
// signing_keys table. Private keys go through Options.Sealer.
type KeyService struct{ db *DB }

var (
	_ origin.KeyService = (*KeyService)(nil)
	_ tokens.KeyStore   = (*KeyService)(nil)
)

// NewKeyService returns the key service of db.
func NewKeyService(db *DB) *KeyService { return &KeyService{db: db} }

func checkAlg(alg string) error {
	switch alg {
	case origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256:
		return nil
	}
	return origin.Errorf(origin.EINVALID, "algorithm must be %s, %s or %s", origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256)
}

// insertKey stores a new active key.
func (s *KeyService) insertKey(ctx context.Context, tx pgx.Tx, k *tokens.KeyPair, now time.Time) error {
	enc, sealed, err := s.db.opts.Sealer.Seal(k.Kid, k.Private)
	if err != nil {
		return err
	}
	var public *string // NULL for HS256: its verifying key is the secret itself
	if k.Publishable() {
		b, err := json.Marshal(k.JWK())
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		p := string(b)
		public = &p
	}
	_, err = tx.Exec(ctx, `INSERT INTO signing_keys (kid, alg, private_key, private_enc, public_jwk, state, created_at)
		VALUES ($1, $2, $3, $4, $5, 'active', $6)`, k.Kid, k.Alg, sealed, enc, public, now.Unix())
	if err != nil {
		return fmt.Errorf("postgres: insert key: %w", err)
	}
	return nil
}

// EnsureActiveKey creates an active key of alg unless one exists, and
// returns the active key and whether it was created now. Replicas starting
// together end up with exactly one active key: the check and the insert
// run under the keys advisory lock, and a unique partial index backs it.
func (s *KeyService) EnsureActiveKey(ctx context.Context, alg string) (*origin.SigningKey, bool, error) {
	if err := checkAlg(alg); err != nil {
		return nil, false, err
	}
	if k, err := s.activeInfo(ctx, s.db.pool); err == nil {
		return k, false, nil
	} else if !errors.Is(err, tokens.ErrNoActiveKey) {
		return nil, false, err
	}
	pair, err := tokens.GenerateKey(alg, s.db.opts.Rand)
	if err != nil {
		return nil, false, err
	}
	var created bool
	var info *origin.SigningKey
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockKeys); err != nil {
			return err
		}
		// Read after the lock: at READ COMMITTED each statement sees every
		// transaction committed before it began, including a replica that
		// held the lock just before us.
		info, err = s.activeInfo(ctx, tx)
		if err == nil || !errors.Is(err, tokens.ErrNoActiveKey) {
			return err
		}
		now := s.db.opts.Now()
		if err := s.insertKey(ctx, tx, pair, now); err != nil {
			return err
		}
		created = true
		info = &origin.SigningKey{Kid: pair.Kid, Alg: alg, State: origin.KeyActive, CreatedAt: time.Unix(now.Unix(), 0).UTC()}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		err = s.db.notify(ctx)
	}
	return info, created, err
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const keyInfoColumns = `kid, alg, state, created_at, retire_at`

func scanKeyInfo(row pgx.Row) (*origin.SigningKey, error) {
	var k origin.SigningKey
	var created int64
	var retire *int64
	if err := row.Scan(&k.Kid, &k.Alg, &k.State, &created, &retire); err != nil {
		return nil, err
	}
	k.CreatedAt = time.Unix(created, 0).UTC()
	if retire != nil {
		t := time.Unix(*retire, 0).UTC()
		k.RetireAt = &t
	}
	return &k, nil
}

func (s *KeyService) activeInfo(ctx context.Context, q querier) (*origin.SigningKey, error) {
	k, err := scanKeyInfo(q.QueryRow(ctx, `SELECT `+keyInfoColumns+` FROM signing_keys WHERE state = 'active'`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tokens.ErrNoActiveKey
	} else if err != nil {
		return nil, fmt.Errorf("postgres: active key: %w", err)
	}
	return k, nil
}

// ActiveKey implements tokens.KeyStore: the active key, decrypted and
// parsed. tokens.ErrMasterKeyRequired or tokens.ErrDecrypt when it is
// encrypted and the master key is missing or wrong.
func (s *KeyService) ActiveKey(ctx context.Context) (*tokens.KeyPair, error) {
	var kid, alg, enc string
	var sealed []byte
	err := s.db.pool.QueryRow(ctx, `SELECT kid, alg, private_key, private_enc FROM signing_keys WHERE state = 'active'`).
		Scan(&kid, &alg, &sealed, &enc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tokens.ErrNoActiveKey
	} else if err != nil {
		return nil, fmt.Errorf("postgres: active key: %w", err)
	}
	return s.open(kid, alg, enc, sealed)
}

func (s *KeyService) open(kid, alg, enc string, sealed []byte) (*tokens.KeyPair, error) {
	private, err := s.db.opts.Sealer.Open(kid, enc, sealed)
	if err != nil {
		return nil, fmt.Errorf("postgres: key %s: %w", kid, err)
	}
	return tokens.ParseKeyPair(kid, alg, private)
}

// ListKeys returns every key, newest first, after retiring the retiring keys
// whose time has come.
func (s *KeyService) ListKeys(ctx context.Context) ([]*origin.SigningKey, error) {
	if err := s.db.retireDue(ctx, s.db.opts.Now()); err != nil {
		return nil, err
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+keyInfoColumns+` FROM signing_keys ORDER BY created_at DESC, seq DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	defer rows.Close()
	var out []*origin.SigningKey
	for rows.Next() {
		k, err := scanKeyInfo(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	return out, nil
}

// RotateKey makes a new key of alg active. The old active key becomes
// retiring with retire_at = now + RetireAfter (the longest token lifetime
// plus leeway): it keeps verifying until every token it signed has expired.
// Concurrent rotations (two operators, two replicas) queue on the keys
// advisory lock, so both succeed, one after the other.
func (s *KeyService) RotateKey(ctx context.Context, alg string) (*origin.SigningKey, error) {
	if err := checkAlg(alg); err != nil {
		return nil, err
	}
	pair, err := tokens.GenerateKey(alg, s.db.opts.Rand)
	if err != nil {
		return nil, err
	}
	now := s.db.opts.Now()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockKeys); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET state = 'retiring', retire_at = $1 WHERE state = 'active'`,
			now.Add(s.db.opts.RetireAfter).Unix()); err != nil {
			return fmt.Errorf("postgres: demote active key: %w", err)
		}
		return s.insertKey(ctx, tx, pair, now)
	})
	if err != nil {
		return nil, err
	}
	info := &origin.SigningKey{Kid: pair.Kid, Alg: alg, State: origin.KeyActive, CreatedAt: time.Unix(now.Unix(), 0).UTC()}
	return info, s.db.notify(ctx)
}

// RetireKey retires a key at once: its tokens stop verifying. The active
// key cannot be retired (that would leave nothing to sign with): rotate
// first. ENOTFOUND for an unknown kid; retiring a retired key is a no-op.
func (s *KeyService) RetireKey(ctx context.Context, kid string) error {
	var changed bool
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockKeys); err != nil {
			return err
		}
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM signing_keys WHERE kid = $1`, kid).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return origin.Errorf(origin.ENOTFOUND, "no key with this kid")
		} else if err != nil {
			return fmt.Errorf("postgres: retire key: %w", err)
		}
		switch state {
		case origin.KeyActive:
			return origin.Errorf(origin.EINVALID, "the active key cannot be retired; rotate first")
		case origin.KeyRetired:
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET state = 'retired', retire_at = $1 WHERE kid = $2`,
			s.db.opts.Now().Unix(), kid); err != nil {
			return fmt.Errorf("postgres: retire key: %w", err)
		}
		changed = true
		return nil
	})
	if err != nil || !changed {
		return err
	}
	return s.db.notify(ctx)
}

// retireDue retires the retiring keys whose retire_at has passed. It looks
// before it writes, so the common case takes no row lock. Replicas doing it
// at once are harmless: the second UPDATE finds nothing left to change.
func (db *DB) retireDue(ctx context.Context, now time.Time) error {
	var due bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE state = 'retiring' AND retire_at <= $1)`,
		now.Unix()).Scan(&due); err != nil {
		return fmt.Errorf("postgres: retire keys: %w", err)
	}
	if !due {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE signing_keys SET state = 'retired' WHERE state = 'retiring' AND retire_at <= $1`,
		now.Unix()); err != nil {
		return fmt.Errorf("postgres: retire keys: %w", err)
	}
	return nil
}

// VerifyingKeys implements origin.EdgeStore. An HS256 key's JWK is its
// secret (decrypted here), flagged by kty "oct"; the control plane keeps it
// out of every published document.
func (db *DB) VerifyingKeys(ctx context.Context, now time.Time) ([]origin.VerifyingKey, error) {
	if err := db.retireDue(ctx, now); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT kid, alg, private_key, private_enc, public_jwk, state, retire_at
		FROM signing_keys WHERE state IN ('active', 'retiring') ORDER BY kid COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: verifying keys: %w", err)
	}
	defer rows.Close()
	ks := &KeyService{db: db}
	var out []origin.VerifyingKey
	for rows.Next() {
		var kid, alg, enc, state string
		var sealed []byte
		var public *string
		var retire *int64
		if err := rows.Scan(&kid, &alg, &sealed, &enc, &public, &state, &retire); err != nil {
			return nil, fmt.Errorf("postgres: verifying keys: %w", err)
		}
		vk := origin.VerifyingKey{State: state}
		if retire != nil {
			t := time.Unix(*retire, 0).UTC()
			vk.RetireAt = &t
		}
		if public != nil {
			if err := json.Unmarshal([]byte(*public), &vk.JWK); err != nil {
				return nil, fmt.Errorf("postgres: key %s: public JWK: %w", kid, err)
			}
		} else {
			pair, err := ks.open(kid, alg, enc, sealed)
			if err != nil {
				return nil, err
			}
			vk.JWK = pair.JWK()
		}
		if vk.JWK.Kid != kid || vk.JWK.Alg != alg {
			return nil, fmt.Errorf("postgres: key %s: stored JWK does not match its row", kid)
		}
		out = append(out, vk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: verifying keys: %w", err)
	}
	return out, nil
}
