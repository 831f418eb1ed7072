package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/craftingapis/todos/origin/reload"
	"github.com/craftingapis/todos/wasmhost"
)

// hostOptions are the wasmhost options config c asks for; the same at start
// and at every reload.
func hostOptions(c Config, log *slog.Logger) wasmhost.Options {
	return wasmhost.Options{PoolSize: c.Auth.PoolSize, CacheDir: c.Auth.CacheDir, Logger: log,
		DecisionCacheEntries: c.Auth.DecisionCacheEntries}
}

// hostKeys are the config keys that take a new Host (a module swap) to
// apply. With log.level they are every key a running origin reloads; any
// other change is logged as needing a restart (the listen address, the
// database, the issuer, ...). This is the one list of them: their fields
// are reached through settings(), by key.
var hostKeys = []string{"auth.module", "auth.poolSize", "auth.cacheDir", "auth.decisionCacheEntries"}

// compileTimeout bounds compiling a reloaded module: ~2 s cold on this
// machine class, so a minute is a hung compiler, not a slow one.
const compileTimeout = time.Minute

// reconfigure re-reads the config file (config) and/or the module (module)
// and applies what can be applied to the running origin. Anything that
// fails leaves what serves now in place, and is logged and counted in the
// metrics.
func (o *opsRuntime) reconfigure(ctx context.Context, config, module bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	next := o.applied // the candidate for the module: the keys in force, or the new ones
	forceHost := false
	if config {
		c, err := o.reloadConfig()
		if err != nil {
			o.log.Error("config reload failed; the previous config stays in force", "err", err)
			o.countConfig(err)
		} else {
			if forceHost = o.applyConfig(c); forceHost {
				copyKeys(&next, c, hostKeys)
			}
			o.countConfig(nil)
		}
	}
	if o.swap == nil || (!module && !forceHost) {
		return
	}
	if err := o.swapModule(ctx, next, forceHost); err == nil {
		copyKeys(&o.applied, next, hostKeys)
	}
}

// applyConfig applies the reloadable keys of c that differ from the config
// in force: the log level at once. It reports whether host keys changed
// while a module serves (the module reload that follows must then build a
// new Host), and logs the keys that need a restart.
func (o *opsRuntime) applyConfig(c Config) (hostChanged bool) {
	changed := configDiff(o.applied, c)
	if len(changed) == 0 {
		o.log.Info("config reloaded: nothing changed")
		return false
	}
	var restart []string
	for _, k := range changed {
		switch {
		case k == "log.level":
			level, _ := c.logLevel() // validated by loadConfig
			o.level.Set(level)
			o.applied.Log = c.Log
			o.log.Info("log level changed", "level", c.Log.Level)
		case slices.Contains(hostKeys, k) && o.swap != nil:
			hostChanged = true
		case slices.Contains(hostKeys, k):
			// No module serves (security off or the native engine): nothing
			// to apply now, and a restart would not use it either.
		default:
			restart = append(restart, k)
		}
	}
	if len(restart) > 0 {
		o.log.Warn("config changes that need a restart were not applied", "keys", restart)
	}
	o.log.Info("config reloaded", "changed", changed)
	return hostChanged
}

// swapModule compiles the module c names into a new Host and swaps it in.
// An unchanged module is left alone unless force (new host options). On
// any failure (unreadable file, compile error, not ABI v1, the config in
// force refused) the current module keeps serving.
func (o *opsRuntime) swapModule(ctx context.Context, c Config, force bool) error {
	path := c.Auth.Module
	fail := func(err error) error {
		o.log.Error("auth module reload failed; the previous module keeps serving", "module", path, "err", err)
		if o.metrics != nil {
			o.metrics.ModuleReload(err)
		}
		return err
	}
	// The pin in force, not the reloaded config's: a reload must not be
	// able to unpin (auth.moduleSHA256 changes only with a restart).
	m, err := readModule(path, o.applied.Auth.ModuleSHA256, c.Auth.CacheDir)
	path = m.name
	if err != nil {
		return fail(err)
	}
	if !force && m.sum == o.moduleSum {
		o.log.Info("auth module unchanged; not reloaded", "module", path)
		return nil
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, compileTimeout)
	host, err := wasmhost.New(cctx, m.bytes, hostOptions(c, o.log))
	cancel()
	if err != nil {
		return fail(err)
	}
	// In-flight calls on the old host get the shutdown grace to finish.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(o.applied.Server.ShutdownTimeout))
	defer cancel()
	if err := o.swap.Swap(dctx, host); err != nil {
		if !errors.Is(err, reload.ErrDrain) {
			return fail(err)
		}
		o.log.Warn("the previous auth module did not drain in time; its last calls were cut short", "err", err)
	}
	o.moduleSum = m.sum
	if o.metrics != nil {
		o.metrics.ModuleReload(nil)
		o.metrics.ModuleLoaded(m.sum[:])
	}
	o.log.Info("auth module reloaded", "module", path, "sha256", hex.EncodeToString(m.sum[:]),
		"bytes", len(m.bytes), "pool_size", host.Stats().PoolSize, "took", time.Since(start).String())
	return nil
}

func (o *opsRuntime) countConfig(err error) {
	if o.metrics != nil {
		o.metrics.ConfigReload(err)
	}
}

// configDiff returns the keys ("auth.poolSize") whose values differ between
// a and b, in the order of settings(). Values are compared as stored, not
// as printed: MarshalJSON redacts secrets, and a changed database password
// must still show up as a change.
func configDiff(a, b Config) []string {
	var out []string
	for _, s := range settings() {
		if !s.set.same(&a, &b) {
			out = append(out, s.key)
		}
	}
	return out
}

// copyKeys sets the given keys of dst to their values in src.
func copyKeys(dst *Config, src Config, keys []string) {
	for _, s := range settings() {
		if slices.Contains(keys, s.key) {
			s.set.copy(dst, &src)
		}
	}
}

// configSource returns the config file serve reads (-config, else
// ORIGIN_CONFIG, else "") and a function that loads the config again from
// the same flags, environment and file, for reloads. The environment is
// the one the process started with: only the file can change under it.
func configSource(args []string, lookupEnv func(string) (string, bool)) (file string, load func() (Config, error)) {
	parse := func() (*configFlags, error) {
		fs := flag.NewFlagSet("origin serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cf := addConfigFlags(fs)
		return cf, fs.Parse(args)
	}
	cf, err := parse()
	if err == nil {
		file = cf.file
	}
	if file == "" {
		file, _ = lookupEnv(envConfigFile)
	}
	return file, func() (Config, error) {
		cf, err := parse()
		if err != nil {
			return Config{}, fmt.Errorf("%w: %v", errUsage, err)
		}
		return loadConfig(cf, lookupEnv)
	}
}
