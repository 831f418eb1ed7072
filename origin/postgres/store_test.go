package postgres

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/postgres/pgtest"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/storetest"
	"github.com/craftingapis/todos/origin/tokens"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestStore runs the behaviour every backend shares, each case on a fresh
// database of a real server.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		url := pgtest.NewDatabase(t)
		return func(t *testing.T, clk *storetest.Clock, sealer *tokens.Sealer) (storetest.Store, error) {
			return openStore(t, url, clk, sealer)
		}
	})
}

// openStore opens url as storetest expects and closes it when t ends.
func openStore(t *testing.T, url string, clk *storetest.Clock, sealer *tokens.Sealer) (storetest.Store, error) {
	db, err := Open(context.Background(), url, Options{
		Now: clk.Now, Sealer: sealer, BcryptCost: storetest.BcryptCost, RetireAfter: storetest.RetireAfter,
	})
	if err != nil {
		return storetest.Store{}, err
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	return storetest.Store{
		Services: func(n origin.Notifier) (storetest.UserStore, origin.TodoService, storetest.KeyStore) {
			return sqlstore.NewUserService(db.Store, n), sqlstore.NewTodoService(db.Store), sqlstore.NewKeyService(db.Store, n)
		},
		NewSessions: func(n origin.Notifier) storetest.SessionStore { return sqlstore.NewSessionService(db.Store, n) },
		Edge:        db,
		RawKey: func(t *testing.T, kid string) storetest.RawKey {
			var k storetest.RawKey
			if err := db.r.QueryRowContext(ctx, `SELECT private_key, private_enc, public_jwk FROM signing_keys WHERE kid = $1`, kid).
				Scan(&k.Private, &k.Enc, &k.PublicJWK); err != nil {
				t.Fatal(err)
			}
			return k
		},
		Count: func(t *testing.T, table string) int {
			var n int
			if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
	}, nil
}

func TestOpenBadURL(t *testing.T) {
	tests := []struct {
		name, url string
		want      error
	}{
		{"empty", "", ErrNoURL},
		{"malformed, with a password", "postgres://u:s3cret@[::1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.url, Options{})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

// TestOpenPoolSettings: the pool_* settings of the URL size the pool (as
// pgxpool reads them) instead of reaching the server as run-time
// parameters it would refuse.
func TestOpenPoolSettings(t *testing.T) {
	base := pgtest.NewDatabase(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  map[string]string
		want int
	}{
		{"default", nil, max(4, runtime.NumCPU())},
		{"pool_max_conns", map[string]string{"pool_max_conns": "3"}, 3},
		{"with idle time and lifetime", map[string]string{"pool_max_conns": "7", "pool_max_conn_idle_time": "1m", "pool_max_conn_lifetime": "1h"}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := u.Query()
			for k, x := range tt.set {
				v.Set(k, x)
			}
			withParams := *u
			withParams.RawQuery = v.Encode()
			db, err := Open(t.Context(), withParams.String(), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			if got := db.r.Stats().MaxOpenConnections; got != tt.want {
				t.Fatalf("MaxOpenConnections = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestWatch: a change committed through one handle reaches a watcher on
// another, and a rolled-back change does not.
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := pgtest.NewDatabase(t)
	a, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	calls := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- b.Watch(ctx, func(context.Context) { calls <- struct{}{} }, nil) }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatalf("no call after %s", what)
		}
	}
	wait("connecting") // the catch-up call

	if err := a.Revoke(ctx, "jti-1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wait("a revocation on the other handle")

	// A change rolled back is never announced.
	tx, err := a.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO revocations (jti, exp) VALUES ('rolled-back', 1)`); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if _, err := sqlstore.NewKeyService(a.Store, nil).RotateKey(ctx, "EdDSA"); err != nil {
		t.Fatal(err)
	}
	wait("a rotation")
	select {
	case <-calls:
		t.Fatal("more calls than committed changes")
	case <-time.After(200 * time.Millisecond):
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch returned %v after cancel", err)
	}
}
