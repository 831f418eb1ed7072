// Command origin is the todo API and the control plane of its edge auth
// step. Run `origin help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/craftingapis/todos/origin"
)

func main() {
	// SIGINT/SIGTERM cancel the context: serve then drains in-flight
	// requests before it returns.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		msg := err.Error()
		if origin.ErrorCode(err) != origin.EINTERNAL {
			msg = origin.ErrorMessage(err) // a domain error: its client-safe text reads best
		}
		fmt.Fprintln(os.Stderr, "origin:", msg)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
