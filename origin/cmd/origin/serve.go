package main

import (
	"context"
	"crypto/sha256"
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
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/httpapi"
	"github.com/craftingapis/todos/origin/reload"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
	"github.com/craftingapis/todos/wasmhost"
)

// runServe serves the API until ctx is cancelled (SIGINT/SIGTERM), then
// lets in-flight requests finish within server.shutdownTimeout.
func runServe(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (err error) {
	c, rest, err := parseFlags("serve", args, lookupEnv, stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, rest)
	}
	logs := newServeLoggers(c, stderr)
	// Deferred first, so it runs last: every access line is written.
	defer func() { err = errors.Join(err, logs.Close()) }()
	log, logLevel := logs.log, logs.level

	// The auth step first: a binary that cannot run it (no module embedded
	// and none named) must say so before it creates a database and a key.
	var sink controlplane.Sink
	var authorizer origin.Authorizer
	var swap *reload.Swapper
	var moduleSum [sha256.Size]byte
	if c.Server.EnableSecurity && c.Auth.Engine == engineNative {
		sink, authorizer = nativeAuthStep(log)
	} else if c.Server.EnableSecurity {
		var host *wasmhost.Host
		host, moduleSum, err = loadModule(ctx, c, log)
		if err != nil {
			return err
		}
		// The swapper owns the host and lets a reload replace it (reconfigure.go).
		swap = reload.NewSwapper(host)
		defer swap.Close(context.WithoutCancel(ctx))
		sink, authorizer = swap, swap
	} else {
		log.Warn("SECURITY IS OFF: every route is open and no token is checked; for local development only")
	}
	db, err := openStore(ctx, c, lookupEnv, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// The first key is made, and keys stored in plain are sealed, before
	// the control plane's first build, which reads them: there is nothing
	// to notify yet.
	firstKeys := sqlstore.NewKeyService(db.Store, nil)
	if err := sealAtStart(ctx, firstKeys, log); err != nil {
		return err
	}
	key, created, err := firstKeys.EnsureActiveKey(ctx, c.Auth.SigningAlg)
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
	if _, err := firstKeys.ActiveKey(ctx); err != nil {
		return err
	}
	warnPlainKeys(lookupEnv, log)

	configFile, reloadConfig := configSource(args, lookupEnv)
	ops := newOps(c, log, logLevel, swap, moduleSum, reloadConfig, configFile)
	sink, authorizer = ops.instrument(sink, authorizer)

	// Listen before anything takes the issuer: unset, it is the listener's
	// own URL, port 0 resolved. Connections wait in the backlog until Serve.
	ln, err := net.Listen("tcp", net.JoinHostPort(c.Server.Host, strconv.Itoa(c.Server.Port)))
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; a second Close is harmless
	iss := c.issuerFor(ln.Addr().(*net.TCPAddr).Port)
	logIssuer(c, iss, log)

	lifetime := time.Duration(c.Auth.TokenLifetime)
	leeway := time.Duration(c.Auth.LeewaySeconds) * time.Second
	cp, err := controlplane.New(ctx, controlplane.Options{
		Store: db.Store, Sink: sink,
		Issuer: iss, Audiences: c.Auth.Audiences, Realm: c.Auth.Realm,
		Leeway: leeway, TokenLifetime: lifetime, PollInterval: time.Duration(c.Auth.PollInterval),
		Logger: log,
	})
	if err != nil {
		return err
	}
	ops.watchControlPlane(cp)
	// The control plane reads the store; the services that change what the
	// auth step must see refresh it before they return.
	users, keys := sqlstore.NewUserService(db.Store, cp), sqlstore.NewKeyService(db.Store, cp)
	sessions := sqlstore.NewSessionService(db.Store, cp)
	issuer, err := tokens.NewIssuer(tokens.IssuerOptions{
		Issuer: iss, Audiences: c.Auth.Audiences, Lifetime: lifetime, BcryptCost: c.Auth.BcryptCost,
		RefreshIdle: time.Duration(c.Auth.RefreshIdleLifetime), RefreshAbsolute: time.Duration(c.Auth.RefreshAbsoluteLifetime),
		Credentials: users, Keys: keys, Sessions: sessions, Notifier: cp, Logger: log,
	})
	if err != nil {
		return err
	}
	if c.Edge.ConfigToken == "" {
		log.Warn("no edge config token: /.well-known/edgeauth.json serves only its public subset (keys and routes), so edge gates cannot refuse revoked sessions; set " + envEdgeConfigToken)
	}
	limiter, clientAddr, err := c.RateLimit.build()
	if err != nil {
		return err
	}
	devices, err := deviceCookies(ctx, c, iss, db.Store)
	if err != nil {
		return err
	}
	apiTodos, apiUsers := cacheTodoLists(c, sqlstore.NewTodoService(db.Store), users, log)
	handler, err := httpapi.New(httpapi.Options{
		Users: apiUsers, Todos: apiTodos, Sessions: sessions, Auth: ops.authService(issuer), Control: cp,
		Authorizer: authorizer, EnableSecurity: c.Server.EnableSecurity,
		Realm: c.Auth.Realm, Issuer: iss, CORSOrigins: c.Server.CORSOrigins,
		Readiness: []httpapi.ReadinessCheck{{Name: "database", Down: "the database is unreachable",
			Check: func(ctx context.Context) error { _, err := db.ChangeVersion(ctx); return err }}},
		Logger: log, AccessLog: logs.access, MaxBodyBytes: c.Server.MaxBodyBytes,
		Limiter: limiter, ClientAddr: clientAddr, Observer: ops.observer(),
		DeviceCookies: devices, EdgeConfigToken: c.Edge.ConfigToken,
	})
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
		return err
	}
	defer stopOps()
	return serveUntilDone(ctx, srv, ln, cp, time.Duration(c.Server.ShutdownTimeout), log)
}

// loadModule compiles the auth step's module and starts its pool. It
// returns the digest of the bytes it compiled.
func loadModule(ctx context.Context, c Config, log *slog.Logger) (*wasmhost.Host, [sha256.Size]byte, error) {
	m, err := readModule(c.Auth.Module, c.Auth.ModuleSHA256, c.Auth.CacheDir)
	if err != nil {
		return nil, m.sum, err
	}
	start := time.Now()
	host, err := wasmhost.New(ctx, m.bytes, hostOptions(c, log))
	if err != nil {
		return nil, m.sum, fmt.Errorf("auth module %s: %w", m.name, err)
	}
	log.Info("auth module loaded", "module", m.name, "bytes", len(m.bytes), "sha256", hex.EncodeToString(m.sum[:]),
		"took", time.Since(start).String())
	return host, m.sum, nil
}

// serveUntilDone serves on ln and runs the control plane's poll loop until
// ctx is done, then shuts down gracefully: the listener closes at once and
// in-flight requests get up to grace to finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, cp *controlplane.ControlPlane, grace time.Duration, log *slog.Logger) error {
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

// logIssuer says which issuer tokens will carry and warns where one that
// follows the listener is likely wrong.
func logIssuer(c Config, iss string, log *slog.Logger) {
	log.Info("issuer", "issuer", iss, "from", c.issuerSource())
	if c.Auth.Issuer != "" {
		return
	}
	if wildcardHost(c.Server.Host) {
		log.Warn("auth.issuer is unset and server.host listens on every address: set auth.issuer to the URL clients use", "issuer", iss)
	}
	if c.Database.URL != "" {
		log.Warn("auth.issuer is unset with a shared database: replicas must share one issuer, set auth.issuer", "issuer", iss)
	}
}
