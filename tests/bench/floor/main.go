// Command floor is the lean floor the origin's HTTP cost is judged
// against: net/http and gorilla/mux answering GET /users/{id}/todos with a
// precomputed body — the origin's own answer to the measured request,
// saved by the benchmark — and the headers the origin sends with it, and
// nothing else: no auth step, no access log, no request id, no store.
// Whatever the origin spends per request above this server is its own
// code's.
//
//	floor -body FILE        # listens on SERVER_HOST:SERVER_PORT (127.0.0.1:0)
//
// Once listening it logs the JSON line {"msg":"listening","addr":...} on
// stderr, as the origin does, and it stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/gorilla/mux"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, slog.New(slog.NewJSONHandler(os.Stderr, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, log *slog.Logger) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	bodyFile := fs.String("body", "", "the answer's body (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bodyFile == "" {
		return errors.New("-body is required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	host, port := getenv("SERVER_HOST"), getenv("SERVER_PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "0"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(body)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return srv.Shutdown(context.Background())
}

// handler answers the measured route with body. The header values are
// built once and shared: net/http only reads them.
func handler(body []byte) http.Handler {
	contentType, noStore, nosniff := []string{"application/json"}, []string{"no-store"}, []string{"nosniff"}
	length := []string{strconv.Itoa(len(body))}
	r := mux.NewRouter()
	r.HandleFunc("/users/{id}/todos", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h["Content-Type"], h["Cache-Control"], h["X-Content-Type-Options"], h["Content-Length"] = contentType, noStore, nosniff, length
		_, _ = w.Write(body)
	}).Methods(http.MethodGet)
	return r
}
