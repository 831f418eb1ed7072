package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// KeyService implements origin.KeyService and tokens.KeyStore on the
// signing_keys table. Private keys go through Options.Sealer.
type KeyService struct {
	db       *Store
	notifier origin.Notifier // may be nil
}

var (
	_ origin.KeyService = (*KeyService)(nil)
	_ tokens.KeyStore   = (*KeyService)(nil)
)

// NewKeyService returns the key service of db. Creating, rotating or
// retiring a key returns only after n, when not nil, has been refreshed.
func NewKeyService(db *Store, n origin.Notifier) *KeyService {
	return &KeyService{db: db, notifier: n}
}

func checkAlg(alg string) error {
	switch alg {
	case origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256:
		return nil
	}
	return origin.Errorf(origin.EINVALID, "algorithm must be %s, %s or %s", origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256)
}

// insertKey stores a new active key.
func (s *KeyService) insertKey(ctx context.Context, tx *sql.Tx, k *tokens.KeyPair, now time.Time) error {
	enc, sealed, err := s.db.opts.Sealer.Seal(k.Kid, k.Private)
	if err != nil {
		return err
	}
	var public sql.NullString // NULL for HS256: its verifying key is the secret itself
	if k.Publishable() {
		b, err := json.Marshal(k.JWK())
		if err != nil {
			return s.db.wrap("public JWK", err)
		}
		public = sql.NullString{String: string(b), Valid: true}
	}
	_, err = tx.ExecContext(ctx, s.db.q(`INSERT INTO signing_keys (kid, alg, private_key, private_enc, public_jwk, state, created_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?)`), k.Kid, k.Alg, sealed, enc, public, now.Unix())
	if err != nil {
		return s.db.wrap("insert key", err)
	}
	return nil
}

// activeKeyInfo is what a new active key looks like to its caller.
func (s *KeyService) activeKeyInfo(kid, alg string, now time.Time) *origin.SigningKey {
	private := origin.KeyPlain
	if s.db.opts.Sealer.Encrypting() {
		private = origin.KeySealed
	}
	return &origin.SigningKey{Kid: kid, Alg: alg, State: origin.KeyActive, CreatedAt: time.Unix(now.Unix(), 0).UTC(), Private: private}
}

// EnsureActiveKey creates an active key of alg unless one exists, and
// returns the active key and whether it was created now. Processes starting
// together end up with exactly one active key: the check and the insert
// share a transaction that excludes the others (IMMEDIATE on SQLite, the
// keys lock on PostgreSQL), and a unique partial index backs it.
func (s *KeyService) EnsureActiveKey(ctx context.Context, alg string) (*origin.SigningKey, bool, error) {
	if err := checkAlg(alg); err != nil {
		return nil, false, err
	}
	if k, err := s.activeInfo(ctx, s.db.r); err == nil {
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
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lock(ctx, tx, SectionKeys); err != nil {
			return err
		}
		// Read after the lock: at READ COMMITTED each statement sees every
		// transaction committed before it began, including another
		// process's that held the lock just before us.
		info, err = s.activeInfo(ctx, tx)
		if err == nil || !errors.Is(err, tokens.ErrNoActiveKey) {
			return err
		}
		now := s.db.opts.Now()
		if err := s.insertKey(ctx, tx, pair, now); err != nil {
			return err
		}
		created = true
		info = s.activeKeyInfo(pair.Kid, alg, now)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		err = s.db.notify(ctx, s.notifier)
	}
	return info, created, err
}

const keyInfoColumns = `kid, alg, state, created_at, retire_at,
	CASE WHEN length(private_key) = 0 THEN 'destroyed' WHEN private_enc = 'aes-256-gcm' THEN 'sealed' ELSE 'plain' END`

// noPrivate is the stored form of a destroyed private part: empty, not
// NULL (the column is NOT NULL).
var noPrivate = []byte{}

func scanKeyInfo(row interface{ Scan(...any) error }) (*origin.SigningKey, error) {
	var k origin.SigningKey
	var created int64
	var retire sql.NullInt64
	if err := row.Scan(&k.Kid, &k.Alg, &k.State, &created, &retire, &k.Private); err != nil {
		return nil, err
	}
	k.CreatedAt = time.Unix(created, 0).UTC()
	k.RetireAt = unixPtr(retire)
	return &k, nil
}

// unixPtr is the time of a nullable unix-seconds column.
func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func (s *KeyService) activeInfo(ctx context.Context, q querier) (*origin.SigningKey, error) {
	k, err := scanKeyInfo(q.QueryRowContext(ctx, `SELECT `+keyInfoColumns+` FROM signing_keys WHERE state = 'active'`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokens.ErrNoActiveKey
	} else if err != nil {
		return nil, s.db.wrap("active key", err)
	}
	return k, nil
}

// ActiveKey implements tokens.KeyStore: the active key, decrypted and
// parsed. tokens.ErrMasterKeyRequired or tokens.ErrDecrypt when it is
// encrypted and the master key is missing or wrong.
func (s *KeyService) ActiveKey(ctx context.Context) (*tokens.KeyPair, error) {
	var kid, alg, enc string
	var sealed []byte
	err := s.db.r.QueryRowContext(ctx, `SELECT kid, alg, private_key, private_enc FROM signing_keys WHERE state = 'active'`).
		Scan(&kid, &alg, &sealed, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokens.ErrNoActiveKey
	} else if err != nil {
		return nil, s.db.wrap("active key", err)
	}
	return s.db.openKey(kid, alg, enc, sealed)
}

// openKey decrypts and parses a stored private key.
func (db *Store) openKey(kid, alg, enc string, sealed []byte) (*tokens.KeyPair, error) {
	private, err := db.opts.Sealer.Open(kid, enc, sealed)
	if err != nil {
		return nil, db.wrap("key "+kid, err)
	}
	return tokens.ParseKeyPair(kid, alg, private)
}

// ListKeys returns every key, newest first, after retiring the retiring keys
// whose time has come.
func (s *KeyService) ListKeys(ctx context.Context) ([]*origin.SigningKey, error) {
	if err := s.db.retireDue(ctx, s.db.opts.Now()); err != nil {
		return nil, err
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+keyInfoColumns+` FROM signing_keys ORDER BY created_at DESC, `+s.db.d.KeySeq+` DESC`)
	if err != nil {
		return nil, s.db.wrap("list keys", err)
	}
	defer rows.Close()
	var out []*origin.SigningKey
	for rows.Next() {
		k, err := scanKeyInfo(rows)
		if err != nil {
			return nil, s.db.wrap("list keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.wrap("list keys", err)
	}
	return out, nil
}

// RotateKey makes a new key of alg active. The old active key becomes
// retiring with retire_at = now + RetireAfter (the longest token lifetime
// plus leeway): it keeps verifying until every token it signed has expired.
// It never signs again, so its private part is destroyed at once, unless it
// is an HS256 secret, which is also what verifies (destroyed on retirement).
// Concurrent rotations (two operators, two processes) queue one after the
// other, and both succeed.
func (s *KeyService) RotateKey(ctx context.Context, alg string) (*origin.SigningKey, error) {
	if err := checkAlg(alg); err != nil {
		return nil, err
	}
	pair, err := tokens.GenerateKey(alg, s.db.opts.Rand)
	if err != nil {
		return nil, err
	}
	now := s.db.opts.Now()
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lock(ctx, tx, SectionKeys); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.q(`UPDATE signing_keys SET state = 'retiring', retire_at = ?,
				private_key = CASE WHEN alg = 'HS256' THEN private_key ELSE ? END
			WHERE state = 'active'`),
			now.Add(s.db.opts.RetireAfter).Unix(), noPrivate); err != nil {
			return s.db.wrap("demote active key", err)
		}
		return s.insertKey(ctx, tx, pair, now)
	})
	if err != nil {
		return nil, err
	}
	return s.activeKeyInfo(pair.Kid, alg, now), s.db.notify(ctx, s.notifier)
}

// RetireKey retires a key at once: its tokens stop verifying. The active
// key cannot be retired (that would leave nothing to sign with): rotate
// first. ENOTFOUND for an unknown kid; retiring a retired key is a no-op.
func (s *KeyService) RetireKey(ctx context.Context, kid string) error {
	var changed bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lock(ctx, tx, SectionKeys); err != nil {
			return err
		}
		var state string
		err := tx.QueryRowContext(ctx, s.db.q(`SELECT state FROM signing_keys WHERE kid = ?`), kid).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return origin.Errorf(origin.ENOTFOUND, "no key with this kid")
		} else if err != nil {
			return s.db.wrap("retire key", err)
		}
		switch state {
		case origin.KeyActive:
			return origin.Errorf(origin.EINVALID, "the active key cannot be retired; rotate first")
		case origin.KeyRetired:
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.db.q(`UPDATE signing_keys SET state = 'retired', retire_at = ?, private_key = ? WHERE kid = ?`),
			s.db.opts.Now().Unix(), noPrivate, kid); err != nil {
			return s.db.wrap("retire key", err)
		}
		changed = true
		return nil
	})
	if err != nil || !changed {
		return err
	}
	return s.db.notify(ctx, s.notifier)
}

// SealKeys implements origin.KeyService: in one transaction under the keys
// lock, every signing key and secret stored in plain is sealed under the
// master key. Run at every start with a master key, so that setting one on
// an existing database seals what it holds. The plaintext that was stored
// may survive in the database's free pages or journal until overwritten:
// rotate the keys after sealing them for the first time.
func (s *KeyService) SealKeys(ctx context.Context) (int, error) {
	sealer := s.db.opts.Sealer
	if !sealer.Encrypting() {
		return 0, tokens.ErrMasterKeyRequired
	}
	n := 0
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lock(ctx, tx, SectionKeys); err != nil {
			return err
		}
		n = 0
		for _, t := range []struct {
			table, id, value, enc string
			aad                   func(id string) string // as Seal was called when the row was made
		}{
			{"signing_keys", "kid", "private_key", "private_enc", func(kid string) string { return kid }},
			{"origin_secrets", "name", "secret", "enc", secretAAD},
		} {
			rows, err := tx.QueryContext(ctx, `SELECT `+t.id+`, `+t.value+` FROM `+t.table+` WHERE `+t.enc+` = 'none' AND length(`+t.value+`) > 0`)
			if err != nil {
				return s.db.wrap("seal keys", err)
			}
			plain := map[string][]byte{}
			for rows.Next() {
				var id string
				var v []byte
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return s.db.wrap("seal keys", err)
				}
				plain[id] = v
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return s.db.wrap("seal keys", err)
			}
			for id, v := range plain {
				enc, sealed, err := sealer.Seal(t.aad(id), v)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, s.db.q(`UPDATE `+t.table+` SET `+t.value+` = ?, `+t.enc+` = ? WHERE `+t.id+` = ?`), sealed, enc, id); err != nil {
					return s.db.wrap("seal keys", err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// retireDue retires the retiring keys whose retire_at has passed, and
// destroys their private parts. It looks
// before it writes, so the common case takes no lock. Processes doing it at
// once are harmless: the second UPDATE finds nothing left to change.
func (db *Store) retireDue(ctx context.Context, now time.Time) error {
	var due bool
	if err := db.r.QueryRowContext(ctx, db.q(`SELECT EXISTS (SELECT 1 FROM signing_keys WHERE state = 'retiring' AND retire_at <= ?)`),
		now.Unix()).Scan(&due); err != nil {
		return db.wrap("retire keys", err)
	}
	if !due {
		return nil
	}
	return db.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, db.q(`UPDATE signing_keys SET state = 'retired', private_key = ? WHERE state = 'retiring' AND retire_at <= ?`),
			noPrivate, now.Unix()); err != nil {
			return db.wrap("retire keys", err)
		}
		return nil
	})
}

// VerifyingKeys implements origin.EdgeStore, sorted by kid in byte order.
// An HS256 key's JWK is its secret (decrypted here), flagged by kty "oct";
// the control plane keeps it out of every published document.
func (db *Store) VerifyingKeys(ctx context.Context, now time.Time) ([]origin.VerifyingKey, error) {
	if err := db.retireDue(ctx, now); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT kid, alg, private_key, private_enc, public_jwk, state, retire_at
		FROM signing_keys WHERE state IN ('active', 'retiring') ORDER BY kid`+db.d.ByteOrder)
	if err != nil {
		return nil, db.wrap("verifying keys", err)
	}
	defer rows.Close()
	var out []origin.VerifyingKey
	for rows.Next() {
		var kid, alg, enc, state string
		var sealed []byte
		var public sql.NullString
		var retire sql.NullInt64
		if err := rows.Scan(&kid, &alg, &sealed, &enc, &public, &state, &retire); err != nil {
			return nil, db.wrap("verifying keys", err)
		}
		vk := origin.VerifyingKey{State: state, RetireAt: unixPtr(retire)}
		if public.Valid {
			if err := json.Unmarshal([]byte(public.String), &vk.JWK); err != nil {
				return nil, db.wrap(fmt.Sprintf("key %s: public JWK", kid), err)
			}
		} else {
			pair, err := db.openKey(kid, alg, enc, sealed)
			if err != nil {
				return nil, err
			}
			vk.JWK = pair.JWK()
		}
		if vk.JWK.Kid != kid || vk.JWK.Alg != alg {
			return nil, fmt.Errorf("%s: key %s: stored JWK does not match its row", db.d.Name, kid)
		}
		out = append(out, vk)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("verifying keys", err)
	}
	return out, nil
}
