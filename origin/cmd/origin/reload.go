package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
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
// database, the issuer, ...).
var hostKeys = map[string]bool{
	"auth.module": true, "auth.poolSize": true, "auth.cacheDir": true, "auth.decisionCacheEntries": true,
}

// compileTimeout bounds compiling a reloaded module: ~2 s cold on this
// machine class, so a minute is a hung compiler, not a slow one.
const compileTimeout = time.Minute

// reload re-reads the config file (config) and/or the module (module) and
// applies what can be applied. Anything that fails leaves what serves now
// in place, and is logged and counted in the metrics.
func (o *opsRuntime) reload(ctx context.Context, config, module bool) {
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
			o.applyConfig(c, &next, &forceHost)
			o.countConfig(nil)
		}
	}
	if o.swap == nil || (!module && !forceHost) {
		return
	}
	if err := o.reloadModule(ctx, next, forceHost); err == nil {
		o.applied.Auth.Module, o.applied.Auth.PoolSize = next.Auth.Module, next.Auth.PoolSize
		o.applied.Auth.CacheDir, o.applied.Auth.DecisionCacheEntries = next.Auth.CacheDir, next.Auth.DecisionCacheEntries
	}
}

// applyConfig applies the reloadable keys of c that differ from the config
// in force: the log level at once, the host keys into next (for the module
// reload that follows). It logs the keys that need a restart.
func (o *opsRuntime) applyConfig(c Config, next *Config, forceHost *bool) {
	changed := configDiff(o.applied, c)
	if len(changed) == 0 {
		o.log.Info("config reloaded: nothing changed")
		return
	}
	var restart []string
	for _, k := range changed {
		switch {
		case k == "log.level":
			level, _ := c.logLevel() // validated by loadConfig
			o.level.Set(level)
			o.applied.Log = c.Log
			o.log.Info("log level changed", "level", c.Log.Level)
		case hostKeys[k] && o.swap != nil:
			*forceHost = true
		case hostKeys[k]:
			// No module serves (security off or the native engine): nothing
			// to apply now, and a restart would not use it either.
		default:
			restart = append(restart, k)
		}
	}
	if *forceHost {
		next.Auth.Module, next.Auth.PoolSize = c.Auth.Module, c.Auth.PoolSize
		next.Auth.CacheDir, next.Auth.DecisionCacheEntries = c.Auth.CacheDir, c.Auth.DecisionCacheEntries
	}
	if len(restart) > 0 {
		o.log.Warn("config changes that need a restart were not applied", "keys", restart)
	}
	o.log.Info("config reloaded", "changed", changed)
}

// reloadModule compiles the module c names into a new Host and swaps it in.
// An unchanged module is left alone unless force (new host options). On
// any failure (unreadable file, compile error, not ABI v1, the config in
// force refused) the current module keeps serving.
func (o *opsRuntime) reloadModule(ctx context.Context, c Config, force bool) error {
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
	b, sum, err := readModule(path, o.applied.Auth.ModuleSHA256, c.Auth.CacheDir)
	if err != nil {
		return fail(err)
	}
	if !force && sum == o.moduleSum {
		o.log.Info("auth module unchanged; not reloaded", "module", path)
		return nil
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, compileTimeout)
	host, err := wasmhost.New(cctx, b, hostOptions(c, o.log))
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
	o.moduleSum = sum
	if o.metrics != nil {
		o.metrics.ModuleReload(nil)
		o.metrics.ModuleLoaded(sum[:])
	}
	o.log.Info("auth module reloaded", "module", path, "sha256", hex.EncodeToString(sum[:6]),
		"bytes", len(b), "pool_size", host.Stats().PoolSize, "took", time.Since(start).String())
	return nil
}

func (o *opsRuntime) countConfig(err error) {
	if o.metrics != nil {
		o.metrics.ConfigReload(err)
	}
}

// configDiff returns the keys ("auth.poolSize") whose values differ between
// a and b, in field order. It walks the structs by their JSON names rather
// than comparing JSON output, because MarshalJSON redacts secrets (a
// changed database password must still show up as a change).
func configDiff(a, b Config) []string {
	var out []string
	var walk func(prefix string, x, y reflect.Value)
	walk = func(prefix string, x, y reflect.Value) {
		if x.Kind() != reflect.Struct || x.Type() == reflect.TypeFor[Duration]() {
			if !reflect.DeepEqual(x.Interface(), y.Interface()) {
				out = append(out, prefix)
			}
			return
		}
		for i := range x.NumField() {
			f := x.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				name = f.Name
			}
			key := name
			if prefix != "" {
				key = prefix + "." + name
			}
			walk(key, x.Field(i), y.Field(i))
		}
	}
	walk("", reflect.ValueOf(a), reflect.ValueOf(b))
	return out
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
