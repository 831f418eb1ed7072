package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/httpapi"
	"github.com/craftingapis/todos/origin/metrics"
	"github.com/craftingapis/todos/origin/reload"
)

// opsRuntime is the operations side of a running origin: metrics, the admin
// listener and hot reload. serve.go builds it with newOps and hooks it in
// with instrument, observer and start.
type opsRuntime struct {
	log     *slog.Logger
	level   *slog.LevelVar
	metrics *metrics.Metrics // nil when metrics.addr is ""
	swap    *reload.Swapper  // nil unless the auth step is the wasm module
	// reloadConfig loads the config again from the same flags, environment
	// and file as at start.
	reloadConfig func() (Config, error)
	configFile   string // "" when the config comes from env and flags only

	mu        sync.Mutex // one reload at a time; guards the fields below
	applied   Config     // the config in force (reloaded keys included)
	moduleSum [sha256.Size]byte
}

// newOps builds the runtime for config c. swap is the wasm auth step (nil
// with security off or the native engine) and moduleSum the digest of the
// module bytes it was compiled from: the baseline a reload compares with.
func newOps(c Config, log *slog.Logger, level *slog.LevelVar, swap *reload.Swapper, moduleSum [sha256.Size]byte,
	reloadConfig func() (Config, error), configFile string) *opsRuntime {
	o := &opsRuntime{log: log, level: level, swap: swap, reloadConfig: reloadConfig, configFile: configFile, applied: c}
	if c.Metrics.Addr != "" {
		o.metrics = metrics.New()
	}
	if swap != nil {
		o.moduleSum = moduleSum
		if o.metrics != nil {
			o.metrics.WatchPool(swap.Stats)
			o.metrics.ModuleLoaded(o.moduleSum[:])
		}
	}
	return o
}

// instrument wraps the auth step and its config sink with metrics; both are
// returned unchanged without metrics or without an auth step.
func (o *opsRuntime) instrument(sink controlplane.Sink, a origin.Authorizer) (controlplane.Sink, origin.Authorizer) {
	if o.metrics == nil || a == nil {
		return sink, a
	}
	if sink != nil {
		sink = o.metrics.Sink(sink)
	}
	return sink, o.metrics.Authorizer(a)
}

// authService counts refresh-token reuse when metrics are on.
func (o *opsRuntime) authService(a origin.AuthService) origin.AuthService {
	if o.metrics == nil {
		return a
	}
	return o.metrics.AuthService(a)
}

// watchControlPlane exports the control plane's state when metrics are on.
func (o *opsRuntime) watchControlPlane(cp *controlplane.ControlPlane) {
	if o.metrics != nil {
		o.metrics.WatchControlPlane(cp.Stats)
	}
}

// observer is httpapi's request hook, or nil without metrics (a nil
// *Metrics must not become a non-nil interface).
func (o *opsRuntime) observer() httpapi.RequestObserver {
	if o.metrics == nil {
		return nil
	}
	return o.metrics
}

// start binds the admin listener (so that a bad metrics.addr fails the
// start) and runs it and the reload loop until stop is called.
func (o *opsRuntime) start(ctx context.Context) (stop func(), err error) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if o.metrics != nil {
		ln, err := net.Listen("tcp", o.applied.Metrics.Addr)
		if err != nil {
			cancel()
			return nil, err
		}
		if !o.applied.Metrics.onLoopback() {
			o.log.Warn("metrics are served beyond this machine; keep metrics.addr on a private network", "addr", ln.Addr().String())
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", o.metrics.Handler())
		if o.applied.Metrics.Pprof {
			handlePprof(mux)
		}
		srv := &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			WriteTimeout:      30 * time.Second,
			ErrorLog:          slog.NewLogLogger(o.log.Handler(), slog.LevelWarn),
		}
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				o.log.Error("metrics listener failed", "err", err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			shut, done := context.WithTimeout(context.Background(), time.Second)
			defer done()
			_ = srv.Shutdown(shut)
		})
		// A structured line tests and operators can find a port-0 address in.
		o.log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics", "pprof", o.applied.Metrics.Pprof)
	}
	// Register for SIGHUP before returning, not inside the goroutine: a
	// SIGHUP that arrives before signal.Notify takes the default action and
	// terminates the process, and the server is already serving.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	wg.Go(func() {
		defer signal.Stop(hup)
		o.reloadLoop(ctx, hup)
	})
	return func() { cancel(); wg.Wait() }, nil
}

// reloadLoop reloads on every value from hup (SIGHUP) and when the watched
// files change.
func (o *opsRuntime) reloadLoop(ctx context.Context, hup <-chan os.Signal) {

	var ticks <-chan time.Time
	var watcher *reload.FileWatcher
	if every := time.Duration(o.applied.Reload.WatchInterval); every > 0 {
		watcher = reload.NewFileWatcher(o.watchedFiles()...)
		t := time.NewTicker(every)
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			o.log.Info("SIGHUP: reloading the config and the auth module")
			o.reconfigure(ctx, true, true)
		case <-ticks:
			changed := watcher.Poll()
			if len(changed) == 0 {
				continue
			}
			o.log.Info("watched files changed", "files", changed)
			cfgChanged, modChanged := false, false
			for _, f := range changed {
				cfgChanged = cfgChanged || f == o.configFile
				modChanged = modChanged || f != o.configFile
			}
			before := o.watchedFiles()
			o.reconfigure(ctx, cfgChanged, modChanged)
			if after := o.watchedFiles(); !slices.Equal(before, after) {
				watcher = reload.NewFileWatcher(after...) // auth.module now names another file
			}
		}
	}
}

// watchedFiles are the config file and, with a wasm auth step, the module.
func (o *opsRuntime) watchedFiles() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	files := []string{o.configFile}
	if o.swap != nil {
		files = append(files, o.applied.Auth.Module)
	}
	return files
}
