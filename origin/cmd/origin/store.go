package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/craftingapis/todos/origin/postgres"
	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

// store is the open database, whichever backend database.url chose. Both
// backends are package sqlstore on their own connections; the commands
// build the services they need on the Store.
type store struct {
	*sqlstore.Store
	// watch, when not nil, calls changed soon after another process commits
	// a change the auth step must see (PostgreSQL's LISTEN/NOTIFY); polling
	// runs beside it either way.
	watch func(ctx context.Context, changed func(ctx context.Context), log *slog.Logger) error
}

// openStore opens the database with the sealer ORIGIN_MASTER_KEY calls for:
// PostgreSQL when database.url is set, else SQLite at database.path.
// Without a master key, keys are stored in plain (the commands that store
// one say so: warnPlainKeys); a malformed master key is an error (never a
// silent fallback to plain).
func openStore(ctx context.Context, c Config, lookupEnv func(string) (string, bool), log *slog.Logger) (*store, error) {
	var master []byte
	if v, ok := lookupEnv(envMasterKey); ok && v != "" {
		var err error
		if master, err = tokens.ParseMasterKey(v); err != nil {
			return nil, fmt.Errorf("%s: %w", envMasterKey, err)
		}
	}
	sealer, err := tokens.NewSealer(master, nil)
	if err != nil {
		return nil, err
	}
	opts := sqlstore.Options{Sealer: sealer, BcryptCost: c.Auth.BcryptCost, RetireAfter: c.retireAfter()}
	if c.Database.URL == "" {
		db, err := sqlite.Open(ctx, c.Database.Path, opts)
		if err != nil {
			return nil, err
		}
		return &store{Store: db.Store}, nil
	}
	db, err := postgres.Open(ctx, c.Database.URL, opts)
	if err != nil {
		return nil, err
	}
	return &store{Store: db.Store, watch: db.Watch}, nil
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

// warnPlainKeys logs, when no master key is set, that signing keys are
// stored unencrypted. Only the commands that store or use a signing key
// call it (serve, keys rotate), and only once that worked: a command that
// is about to fail for want of the master key (keys sealed at rest) must
// not first say it is fine without one.
func warnPlainKeys(lookupEnv func(string) (string, bool), log *slog.Logger) {
	if v, ok := lookupEnv(envMasterKey); ok && v != "" {
		return
	}
	log.Warn("no master key: signing keys are stored unencrypted in the database; set " + envMasterKey + " (base64 of 32 bytes) to encrypt them")
}
