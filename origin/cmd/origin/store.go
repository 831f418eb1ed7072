package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/tokens"
)

// openStore opens the database with the sealer ORIGIN_MASTER_KEY calls for.
// Without a master key, keys are stored in plain and a warning is logged;
// a malformed master key is an error (never a silent fallback to plain).
func openStore(ctx context.Context, c Config, lookupEnv func(string) (string, bool), log *slog.Logger) (*sqlite.DB, error) {
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
	return sqlite.Open(ctx, c.Database.Path, sqlite.Options{
		Sealer:      sealer,
		BcryptCost:  c.Auth.BcryptCost,
		RetireAfter: c.retireAfter(),
	})
}
