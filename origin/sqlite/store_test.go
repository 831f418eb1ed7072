package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/migrations"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/storetest"
	"github.com/craftingapis/todos/origin/tokens"
)

// TestStore runs the behaviour every backend shares.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "sub", "dir", "origin.db")
		return func(t *testing.T, clk *storetest.Clock, sealer *tokens.Sealer) (storetest.Store, error) {
			return openStore(t, path, clk, sealer)
		}
	})
}

// openStore opens path as storetest expects and closes it when t ends.
func openStore(t *testing.T, path string, clk *storetest.Clock, sealer *tokens.Sealer) (storetest.Store, error) {
	db, err := Open(context.Background(), path, Options{
		Now: clk.Now, Sealer: sealer, BcryptCost: storetest.BcryptCost, RetireAfter: storetest.RetireAfter,
	})
	if err != nil {
		return storetest.Store{}, err
	}
	t.Cleanup(func() { db.Close() })
	return storetest.Store{
		Services: func(n origin.Notifier) (storetest.UserStore, origin.TodoService, storetest.KeyStore) {
			return sqlstore.NewUserService(db.Store, n), sqlstore.NewTodoService(db.Store), sqlstore.NewKeyService(db.Store, n)
		},
		NewSessions: func(n origin.Notifier) storetest.SessionStore { return sqlstore.NewSessionService(db.Store, n) },
		Edge:        db,
		RawKey: func(t *testing.T, kid string) storetest.RawKey {
			var k storetest.RawKey
			if err := db.r.QueryRow(`SELECT private_key, private_enc, public_jwk FROM signing_keys WHERE kid = ?`, kid).
				Scan(&k.Private, &k.Enc, &k.PublicJWK); err != nil {
				t.Fatal(err)
			}
			return k
		},
		Count: func(t *testing.T, table string) int {
			var n int
			if err := db.r.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
	}, nil
}

func TestOpenRefusesMemoryAndURIs(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if _, err := Open(context.Background(), p, Options{}); err != ErrNoPath {
			t.Errorf("Open(%q) err = %v, want ErrNoPath", p, err)
		}
	}
}

func TestOpenEscapesPath(t *testing.T) {
	// A '?' in a folder name must not become URI parameters.
	path := t.TempDir() + "/we?ird#dir%/x.db"
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the literal path: %v", err)
	}
	var mode string
	if err := db.r.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := db.r.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
}

// TestOpensDatabaseOfFirstRelease: the first release applied its schema
// itself and recorded it as "migrations/0001_init.sql". Such a file must
// open with its data and without re-running anything (which would fail on
// the existing tables).
func TestOpensDatabaseOfFirstRelease(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/old.db"
	raw, err := sql.Open("sqlite3", dsn(path, busyTimeout, false))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations.List(migrations.SQLite)
	if err != nil || len(ms) == 0 {
		t.Fatalf("List = %v, %v", ms, err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		ms[0].SQL,
		`INSERT INTO schema_migrations VALUES ('migrations/0001_init.sql', 1700000000)`,
		`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('kept@example.com', 'K', x'00', 1, 1)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("opening a first-release database: %v", err)
	}
	defer db.Close()
	if _, err := sqlstore.NewUserService(db.Store, nil).FindCredentials(ctx, "kept@example.com"); err != nil {
		t.Fatalf("data lost: %v", err)
	}
}
