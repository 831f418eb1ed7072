package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

// runKeys runs `origin keys list|rotate|retire|seal`. It works on the
// database directly; a running origin picks the change up by polling.
func runKeys(ctx context.Context, sub string, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	var alg string
	c, rest, err := parseFlags("keys "+sub, args, lookupEnv, stderr, func(fs *flag.FlagSet) {
		if sub == "rotate" {
			fs.StringVar(&alg, "alg", "", "algorithm of the new key: EdDSA, ES256 or HS256 (default auth.signingAlg)")
		}
	})
	if err != nil {
		return err
	}
	switch {
	case sub == "list" || sub == "rotate" || sub == "seal":
		if len(rest) != 0 {
			return fmt.Errorf("%w: keys %s takes no arguments", errUsage, sub)
		}
	case sub == "retire":
		if len(rest) != 1 || rest[0] == "" {
			return fmt.Errorf("%w: keys retire needs exactly one KID", errUsage)
		}
	default:
		return fmt.Errorf("%w: unknown keys command %q", errUsage, sub)
	}
	log := newLogger(c, stderr)
	db, err := openStore(ctx, c, lookupEnv, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// No notifier: a running origin picks the change up by polling.
	ks := sqlstore.NewKeyService(db.Store, nil)
	switch sub {
	case "rotate":
		if alg == "" {
			alg = c.Auth.SigningAlg
		}
		k, err := ks.RotateKey(ctx, alg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rotated: %s (%s) is active; the previous key verifies until %s\n",
			k.Kid, k.Alg, k.CreatedAt.Add(c.retireAfter()).Format(time.RFC3339))
		warnPlainKeys(lookupEnv, log)
		return nil
	case "retire":
		if err := ks.RetireKey(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "retired: %s (its private part is destroyed)\n", rest[0])
		return nil
	case "seal":
		n, err := ks.SealKeys(ctx)
		if errors.Is(err, tokens.ErrMasterKeyRequired) {
			return fmt.Errorf("keys seal needs a master key: set %s (base64 of 32 bytes)", envMasterKey)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sealed: %d private parts stored in plain are now encrypted under the master key\n", n)
		if n > 0 {
			fmt.Fprintln(stdout, rotateAfterSealing)
		}
		return nil
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tRETIRE AT\tPRIVATE")
	for _, k := range keys {
		retire := "-"
		if k.RetireAt != nil {
			retire = k.RetireAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Kid, k.Alg, k.State, k.CreatedAt.Format(time.RFC3339), retire, k.Private)
	}
	return tw.Flush()
}

// rotateAfterSealing is the advice after keys stored in plain were sealed:
// their plaintext may survive where the database keeps old pages.
const rotateAfterSealing = "the plaintext may survive in the database's free pages, journal or old row versions: run `origin keys rotate` so that no key that was stored in plain signs again"

// sealAtStart seals, when a master key is set, every key and secret still
// stored in plain: setting ORIGIN_MASTER_KEY on an existing database is
// enough to encrypt what it holds.
func sealAtStart(ctx context.Context, ks interface {
	SealKeys(ctx context.Context) (int, error)
}, log *slog.Logger) error {
	n, err := ks.SealKeys(ctx)
	if errors.Is(err, tokens.ErrMasterKeyRequired) {
		return nil // no master key: serve warns (warnPlainKeys)
	} else if err != nil {
		return err
	}
	if n > 0 {
		log.Warn("sealed private parts stored in plain under the master key; "+rotateAfterSealing, "sealed", n)
	}
	return nil
}
