package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/postgres"
	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/tokens"
)

// store is the open database, whichever backend database.url chose, as
// the commands use it.
type store struct {
	Users interface {
		origin.UserService
		tokens.CredentialStore
	}
	Todos origin.TodoService
	Keys  interface {
		origin.KeyService
		tokens.KeyStore
		EnsureActiveKey(ctx context.Context, alg string) (*origin.SigningKey, bool, error)
	}
	// Edge is what the control plane builds from and the issuer revokes in.
	Edge interface {
		origin.EdgeStore
		tokens.SubjectStore
		SetNotifier(n origin.Notifier)
		secretStore
	}
	// Backend is "sqlite" or "postgres", for logs.
	Backend string
	// watch, when not nil, calls changed soon after another process commits
	// a change the auth step must see (PostgreSQL's LISTEN/NOTIFY); polling
	// runs beside it either way.
	watch func(ctx context.Context, changed func(ctx context.Context), log *slog.Logger) error
	close func() error
}

// Close closes the database.
func (s *store) Close() error { return s.close() }

// openStore opens the database with the sealer ORIGIN_MASTER_KEY calls for:
// PostgreSQL when database.url is set, else SQLite at database.path.
// Without a master key, keys are stored in plain and a warning is logged;
// a malformed master key is an error (never a silent fallback to plain).
func openStore(ctx context.Context, c Config, lookupEnv func(string) (string, bool), log *slog.Logger) (*store, error) {
	var master []byte
	if v, ok := lookupEnv(envMasterKey); ok && v != "" {
		var err error
		if master, err = tokens.ParseMasterKey(v); err != nil {
			return nil, fmt.Errorf("%s: %w", envMasterKey, err)
		}
	} else {
		log.Warn("no master key: signing keys are stored unencrypted in the database; set " + envMasterKey + " (base64 of 32 bytes) to encrypt them")
	}
	sealer, err := tokens.NewSealer(master, nil)
	if err != nil {
		return nil, err
	}
	if c.Database.URL != "" {
		db, err := postgres.Open(ctx, c.Database.URL, postgres.Options{
			Sealer:      sealer,
			BcryptCost:  c.Auth.BcryptCost,
			RetireAfter: c.retireAfter(),
		})
		if err != nil {
			return nil, err
		}
		return &store{
			Users: postgres.NewUserService(db), Todos: postgres.NewTodoService(db), Keys: postgres.NewKeyService(db),
			Edge: db, Backend: "postgres", watch: db.Watch, close: db.Close,
		}, nil
	}
	db, err := sqlite.Open(ctx, c.Database.Path, sqlite.Options{
		Sealer:      sealer,
		BcryptCost:  c.Auth.BcryptCost,
		RetireAfter: c.retireAfter(),
	})
	if err != nil {
		return nil, err
	}
	return &store{
		Users: sqlite.NewUserService(db), Todos: sqlite.NewTodoService(db), Keys: sqlite.NewKeyService(db),
		Edge: db, Backend: "sqlite", close: db.Close,
	}, nil
}

// startWatch runs the store's change notifications, if it has any, until
// the returned stop is called: each one makes the control plane poll at
// once instead of at its next tick, so a change made on another replica
// reaches this one's auth step in milliseconds. Polling stays the bound.
func startWatch(ctx context.Context, s *store, poll func(ctx context.Context) error, log *slog.Logger) (stop func()) {
	if s.watch == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.watch(ctx, func(ctx context.Context) {
			if err := poll(ctx); err != nil && ctx.Err() == nil {
				log.LogAttrs(ctx, slog.LevelError, "edge config refresh failed", slog.String("error", err.Error()))
			}
		}, log)
	}()
	return func() { cancel(); <-done }
}
