package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/craftingapis/todos/origin/sqlstore"
)

// runKeys runs `origin keys list|rotate|retire`. It works on the database
// directly; a running origin picks the change up by polling.
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
	case sub == "list" || sub == "rotate":
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
	db, err := openStore(ctx, c, lookupEnv, newLogger(c, stderr))
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
		return nil
	case "retire":
		if err := ks.RetireKey(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "retired: %s\n", rest[0])
		return nil
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tRETIRE AT")
	for _, k := range keys {
		retire := "-"
		if k.RetireAt != nil {
			retire = k.RetireAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Kid, k.Alg, k.State, k.CreatedAt.Format(time.RFC3339), retire)
	}
	return tw.Flush()
}
