package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/edge"
	"github.com/craftingapis/todos/origin/httpapi"
	"github.com/craftingapis/todos/origin/reload"
	"github.com/craftingapis/todos/origin/tokens"
	"github.com/craftingapis/todos/wasmhost"
)

// runServe serves the API until ctx is cancelled (SIGINT/SIGTERM), then
// lets in-flight requests finish within server.shutdownTimeout.
func runServe(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) error {
	c, rest, err := parseFlags("serve", args, lookupEnv, stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, rest)
	}
	log, logLevel := newServeLogger(c, stderr)

	db, err := openStore(ctx, c, lookupEnv, log)
	if err != nil {
		return err
	}
	defer db.Close()
	keys := db.Keys
	if err := sealAtStart(ctx, keys, log); err != nil {
		return err
	}
	key, created, err := keys.EnsureActiveKey(ctx, c.Auth.SigningAlg)
	if err != nil {
		return err
	}
	if created {
		log.Info("created the first signing key", "kid", key.Kid, "alg", key.Alg)
	} else if key.Alg != c.Auth.SigningAlg {
		log.Warn("the active signing key's algorithm differs from auth.signingAlg; run `origin keys rotate` to switch",
			"kid", key.Kid, "alg", key.Alg, "configured", c.Auth.SigningAlg)
	}
	// Fail at start, not at the first login, when the key cannot be read
	// (encrypted at rest and the master key is missing or wrong).
	if _, err := keys.ActiveKey(ctx); err != nil {
		return err
	}

	var sink edge.Sink
	var authorizer origin.Authorizer
	var swap *reload.Swapper
	if c.Server.EnableSecurity && c.Auth.Engine == engineNative {
		sink, authorizer = nativeAuthStep(log)
	} else if c.Server.EnableSecurity {
		host, err := loadModule(ctx, c, log)
		if err != nil {
			return err
		}
		// The swapper owns the host and lets a reload replace it (ops.go).
		swap = reload.NewSwapper(host)
		defer swap.Close(context.WithoutCancel(ctx))
		sink, authorizer = swap.Configure, swap
	} else {
		log.Warn("SECURITY IS OFF: every route is open and no token is checked; for local development only")
	}
	configFile, reloadConfig := configSource(args, lookupEnv)
	ops := newOps(c, log, logLevel, swap, reloadConfig, configFile)
	sink, authorizer = ops.instrument(sink, authorizer)

	lifetime := time.Duration(c.Auth.TokenLifetime)
	leeway := time.Duration(c.Auth.LeewaySeconds) * time.Second
	cp, err := edge.New(ctx, edge.Options{
		Store: db.Edge, Sink: sink,
		Issuer: c.Auth.Issuer, Audiences: c.Auth.Audiences, Realm: c.Auth.Realm,
		Leeway: leeway, TokenLifetime: lifetime, PollInterval: time.Duration(c.Auth.PollInterval),
		Logger: log,
	})
	if err != nil {
		return err
	}
	db.Edge.SetNotifier(cp)
	users := db.Users
	issuer, err := tokens.NewIssuer(tokens.IssuerOptions{
		Issuer: c.Auth.Issuer, Audiences: c.Auth.Audiences, Lifetime: lifetime, BcryptCost: c.Auth.BcryptCost,
		Credentials: users, Keys: keys, Subjects: db.Edge, Notifier: cp,
	})
	if err != nil {
		return err
	}
	limiter, clientAddr, err := c.RateLimit.build()
	if err != nil {
		return err
	}
	devices, err := deviceCookies(ctx, c, db.Edge)
	if err != nil {
		return err
	}
	apiTodos, apiUsers := cacheTodoLists(c, db.Todos, users, log)
	handler := httpapi.New(httpapi.Options{
		Users: apiUsers, Todos: apiTodos, Auth: issuer, Control: cp,
		Authorizer: authorizer, EnableSecurity: c.Server.EnableSecurity,
		Realm: c.Auth.Realm, Logger: log, MaxBodyBytes: c.Server.MaxBodyBytes,
		Limiter: limiter, ClientAddr: clientAddr, Observer: ops.observer(),
		DeviceCookies: devices,
	})

	ln, err := net.Listen("tcp", net.JoinHostPort(c.Server.Host, strconv.Itoa(c.Server.Port)))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(time.Duration(c.Server.ReadTimeout), 5*time.Second),
		ReadTimeout:       time.Duration(c.Server.ReadTimeout),
		WriteTimeout:      time.Duration(c.Server.WriteTimeout),
		IdleTimeout:       time.Duration(c.Server.IdleTimeout),
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	defer startWatch(ctx, db, cp.Poll, log)()
	stopOps, err := ops.start(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopOps()
	return serveUntilDone(ctx, srv, ln, cp, time.Duration(c.Server.ShutdownTimeout), log)
}

// loadModule compiles the auth step's module and starts its pool.
func loadModule(ctx context.Context, c Config, log *slog.Logger) (*wasmhost.Host, error) {
	module, sum, err := readModule(c.Auth.Module, c.Auth.ModuleSHA256, c.Auth.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("auth module: %w (build it with `make wasm`)", err)
	}
	start := time.Now()
	host, err := wasmhost.New(ctx, module, hostOptions(c, log))
	if err != nil {
		return nil, fmt.Errorf("auth module %s: %w", c.Auth.Module, err)
	}
	log.Info("auth module loaded", "module", c.Auth.Module, "sha256", hex.EncodeToString(sum[:]), "bytes", len(module), "took", time.Since(start).String())
	return host, nil
}

// serveUntilDone serves on ln and runs the control plane's poll loop until
// ctx is done, then shuts down gracefully: the listener closes at once and
// in-flight requests get up to grace to finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, cp *edge.ControlPlane, grace time.Duration, log *slog.Logger) error {
	pollCtx, stopPoll := context.WithCancel(context.WithoutCancel(ctx))
	polled := make(chan struct{})
	go func() { defer close(polled); cp.Run(pollCtx) }()
	defer func() { stopPoll(); <-polled }()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// A structured line the e2e tests parse to find a port-0 listener.
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
