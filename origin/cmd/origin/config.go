package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// Config is the origin's effective configuration. Its JSON shape is the
// config file's; every key can also be set by an environment variable and a
// flag (see settings), with precedence flag > environment > file > default.
type Config struct {
	Server   ServerConfig   `json:"server"`
	Database DatabaseConfig `json:"database"`
	Auth     AuthConfig     `json:"auth"`
	Log      LogConfig      `json:"log"`
	// RateLimit limits the credential endpoints (ratelimit.go).
	RateLimit RateLimitConfig `json:"rateLimit"`
	// Metrics and Reload are operations (opsconfig.go).
	Metrics MetricsConfig `json:"metrics"`
	Reload  ReloadConfig  `json:"reload"`
	// Edge is what edge gates get from the origin (edgeconfig.go).
	Edge EdgeConfig `json:"edge"`
}

// ServerConfig is the HTTP listener.
type ServerConfig struct {
	Host           string   `json:"host"`
	Port           int      `json:"port"`
	EnableSecurity bool     `json:"enableSecurity"`
	ReadTimeout    Duration `json:"readTimeout"`
	WriteTimeout   Duration `json:"writeTimeout"`
	IdleTimeout    Duration `json:"idleTimeout"`
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after SIGINT/SIGTERM.
	ShutdownTimeout Duration `json:"shutdownTimeout"`
	MaxBodyBytes    int64    `json:"maxBodyBytes"`
	// CORSOrigins are the origins whose browser apps may call the API
	// (CORS); empty, the default, sends no CORS header (cors.go).
	CORSOrigins []string `json:"corsOrigins"`
}

// DatabaseConfig chooses the store: PostgreSQL when URL is set (replicas
// share it), else the SQLite file at Path.
type DatabaseConfig struct {
	Path string `json:"path"`
	// URL is a PostgreSQL URL (postgres://user@host:5432/db?sslmode=...)
	// or key=value DSN. Its password is redacted wherever the config is
	// shown; prefer PGPASSWORD or ~/.pgpass to writing it here.
	URL string `json:"url"`
}

// AuthConfig is token issuing and the auth step.
type AuthConfig struct {
	Issuer        string   `json:"issuer"`
	Audiences     []string `json:"audiences"`
	Realm         string   `json:"realm"`
	TokenLifetime Duration `json:"tokenLifetime"`
	LeewaySeconds int64    `json:"leewaySeconds"`
	SigningAlg    string   `json:"signingAlg"`
	// RefreshIdleLifetime is how long a refresh token works unused;
	// RefreshAbsoluteLifetime how long a session lasts however often it is
	// refreshed.
	RefreshIdleLifetime     Duration `json:"refreshIdleLifetime"`
	RefreshAbsoluteLifetime Duration `json:"refreshAbsoluteLifetime"`
	// Module is the ABI v1 module file of the auth step; "" means the
	// module embedded in the binary (embedded.go).
	Module string `json:"module"`
	// ModuleSHA256, when set, pins the module: a module with another
	// SHA-256 (hex) is never loaded, not at start and not by a reload.
	ModuleSHA256 string `json:"moduleSHA256"`
	// Engine runs the auth step: "wasm" (the module under wazero, the
	// default) or "native" (package edgeauth in-process; see engine.go).
	Engine   string `json:"engine"`
	PoolSize int    `json:"poolSize"`
	// DecisionCacheEntries bounds the wasm engine's host-side cache of
	// allowed decisions (a repeated token skips the module); 0 means
	// wasmhost's default, negative turns it off.
	DecisionCacheEntries int `json:"decisionCacheEntries"`
	// CacheDir is wazero's compilation cache. As set, "" means the user
	// cache folder and "none" no cache; loadConfig resolves it, so that the
	// effective value is a folder or "" (none).
	CacheDir   string `json:"cacheDir"`
	BcryptCost int    `json:"bcryptCost"`
	// PollInterval is how often the control plane looks for changes made by
	// other processes (e.g. `origin keys rotate`).
	PollInterval Duration `json:"pollInterval"`
}

// LogConfig is the structured log on stderr.
type LogConfig struct {
	Level string `json:"level"`
}

// Duration is a time.Duration written as a Go duration string ("1h", "30s")
// in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`a duration must be a string such as "30s" or "1h"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// defaultConfig needs no file: a secured API on 127.0.0.1:3000 with SQLite
// at ./data/origin.db (relative to the working folder), the embedded auth
// module, and an issuer that follows the listener.
func defaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Host: "127.0.0.1", Port: 3000, EnableSecurity: true,
			ReadTimeout: Duration(10 * time.Second), WriteTimeout: Duration(15 * time.Second),
			IdleTimeout: Duration(60 * time.Second), ShutdownTimeout: Duration(10 * time.Second),
			MaxBodyBytes: 64 << 10,
		},
		Database: DatabaseConfig{Path: "./data/origin.db"},
		Auth: AuthConfig{
			Issuer: "", Audiences: []string{"todos"}, Realm: "todos",
			TokenLifetime: Duration(tokens.DefaultLifetime), LeewaySeconds: 30, SigningAlg: origin.AlgEdDSA,
			RefreshIdleLifetime: Duration(tokens.DefaultRefreshIdle), RefreshAbsoluteLifetime: Duration(tokens.DefaultRefreshAbsolute),
			Module: "", Engine: engineWasm, PoolSize: 0, CacheDir: "",
			BcryptCost: 12, PollInterval: Duration(time.Second),
		},
		Log:       LogConfig{Level: "info"},
		RateLimit: defaultRateLimit(),
		Reload:    ReloadConfig{WatchInterval: defaultWatchInterval},
	}
}

// Environment variables that are not config keys.
const (
	envConfigFile = "ORIGIN_CONFIG"     // path of the JSON config file
	envMasterKey  = "ORIGIN_MASTER_KEY" // base64 of 32 bytes; never in a file, never printed
)

// setting is one config key with its environment variable and flag.
type setting struct {
	key  string // JSON path, for messages and docs
	env  string
	flag string
	help string
	set  setter
	bool bool // a boolean flag: "-enable-security" alone means true
}

// settings lists every key. Each setter is handed the Config to work on, so
// the same table serves the environment, the flags, the docs and hot
// reload (which keys changed, and copying the ones it applies).
func settings() []setting {
	return append([]setting{
		{key: "server.host", env: "SERVER_HOST", flag: "host", help: "listen address", set: setString(func(c *Config) *string { return &c.Server.Host })},
		{key: "server.port", env: "SERVER_PORT", flag: "port", help: "listen port (0: any free port)", set: setInt(func(c *Config) *int { return &c.Server.Port })},
		{key: "server.enableSecurity", env: "SERVER_ENABLE_SECURITY", flag: "enable-security", help: "run every request through the auth step", set: setBool(func(c *Config) *bool { return &c.Server.EnableSecurity }), bool: true},
		{key: "server.readTimeout", env: "SERVER_READ_TIMEOUT", flag: "read-timeout", help: "time to read a whole request", set: setDuration(func(c *Config) *Duration { return &c.Server.ReadTimeout })},
		{key: "server.writeTimeout", env: "SERVER_WRITE_TIMEOUT", flag: "write-timeout", help: "time to write a response", set: setDuration(func(c *Config) *Duration { return &c.Server.WriteTimeout })},
		{key: "server.idleTimeout", env: "SERVER_IDLE_TIMEOUT", flag: "idle-timeout", help: "keep-alive idle time", set: setDuration(func(c *Config) *Duration { return &c.Server.IdleTimeout })},
		{key: "server.shutdownTimeout", env: "SERVER_SHUTDOWN_TIMEOUT", flag: "shutdown-timeout", help: "grace period for in-flight requests on shutdown", set: setDuration(func(c *Config) *Duration { return &c.Server.ShutdownTimeout })},
		{key: "server.maxBodyBytes", env: "SERVER_MAX_BODY_BYTES", flag: "max-body-bytes", help: "request body limit", set: setInt64(func(c *Config) *int64 { return &c.Server.MaxBodyBytes })},
		{key: "server.corsOrigins", env: "SERVER_CORS_ORIGINS", flag: "cors-origins", help: "origins whose browser apps may call the API, comma-separated (empty: no CORS)", set: setList(func(c *Config) *[]string { return &c.Server.CORSOrigins })},
		{key: "database.path", env: "DATABASE_PATH", flag: "db", help: "SQLite file (its folder is created)", set: setString(func(c *Config) *string { return &c.Database.Path })},
		{key: "database.url", env: "DATABASE_URL", flag: "database-url", help: "PostgreSQL URL; when set, used instead of SQLite (replicas share it)", set: setString(func(c *Config) *string { return &c.Database.URL })},
		{key: "auth.issuer", env: "AUTH_ISSUER", flag: "issuer", help: "iss of issued tokens and the API's base URL (empty: http://host:port of the listener)", set: setString(func(c *Config) *string { return &c.Auth.Issuer })},
		{key: "auth.audiences", env: "AUTH_AUDIENCES", flag: "audiences", help: "aud of issued tokens, comma-separated", set: setList(func(c *Config) *[]string { return &c.Auth.Audiences })},
		{key: "auth.realm", env: "AUTH_REALM", flag: "realm", help: "realm in WWW-Authenticate", set: setString(func(c *Config) *string { return &c.Auth.Realm })},
		{key: "auth.tokenLifetime", env: "AUTH_TOKEN_LIFETIME", flag: "token-lifetime", help: "lifetime of issued access tokens", set: setDuration(func(c *Config) *Duration { return &c.Auth.TokenLifetime })},
		{key: "auth.refreshIdleLifetime", env: "AUTH_REFRESH_IDLE_LIFETIME", flag: "refresh-idle-lifetime", help: "how long a refresh token works unused", set: setDuration(func(c *Config) *Duration { return &c.Auth.RefreshIdleLifetime })},
		{key: "auth.refreshAbsoluteLifetime", env: "AUTH_REFRESH_ABSOLUTE_LIFETIME", flag: "refresh-absolute-lifetime", help: "how long a session lasts however often it is refreshed", set: setDuration(func(c *Config) *Duration { return &c.Auth.RefreshAbsoluteLifetime })},
		{key: "auth.leewaySeconds", env: "AUTH_LEEWAY_SECONDS", flag: "leeway", help: "clock skew allowed by the auth step, seconds", set: setInt64(func(c *Config) *int64 { return &c.Auth.LeewaySeconds })},
		{key: "auth.signingAlg", env: "AUTH_SIGNING_ALG", flag: "signing-alg", help: "EdDSA, ES256 or HS256 (origin only)", set: setString(func(c *Config) *string { return &c.Auth.SigningAlg })},
		{key: "auth.module", env: "AUTH_MODULE", flag: "module", help: "ABI v1 wasm module of the auth step (empty: the one embedded in the binary)", set: setString(func(c *Config) *string { return &c.Auth.Module })},
		{key: "auth.moduleSHA256", env: "AUTH_MODULE_SHA256", flag: "module-sha256", help: "pinned SHA-256 (hex) of the auth module: any other module is refused, at start and on reload", set: setString(func(c *Config) *string { return &c.Auth.ModuleSHA256 })},
		{key: "auth.engine", env: "AUTH_ENGINE", flag: "auth-engine", help: "auth step engine: wasm (sandboxed module) or native (in-process)", set: setString(func(c *Config) *string { return &c.Auth.Engine })},
		{key: "auth.poolSize", env: "AUTH_POOL_SIZE", flag: "pool-size", help: "module instances (0: one per CPU)", set: setInt(func(c *Config) *int { return &c.Auth.PoolSize })},
		{key: "auth.decisionCacheEntries", env: "AUTH_DECISION_CACHE_ENTRIES", flag: "decision-cache-entries", help: "host-side cache of allowed decisions (0: default, negative: off)", set: setInt(func(c *Config) *int { return &c.Auth.DecisionCacheEntries })},
		{key: "auth.cacheDir", env: "AUTH_CACHE_DIR", flag: "cache-dir", help: "wazero compilation cache (empty: todos-origin/wazero in the user cache folder; none: no cache)", set: setString(func(c *Config) *string { return &c.Auth.CacheDir })},
		{key: "auth.bcryptCost", env: "AUTH_BCRYPT_COST", flag: "bcrypt-cost", help: "bcrypt cost of password hashes", set: setInt(func(c *Config) *int { return &c.Auth.BcryptCost })},
		{key: "auth.pollInterval", env: "AUTH_POLL_INTERVAL", flag: "poll-interval", help: "how often changes by other processes are picked up", set: setDuration(func(c *Config) *Duration { return &c.Auth.PollInterval })},
		{key: "log.level", env: "LOG_LEVEL", flag: "log-level", help: "debug, info, warn or error", set: setString(func(c *Config) *string { return &c.Log.Level })},
	}, slices.Concat(rateLimitSettings(), opsSettings(), edgeSettings())...)
}

// flagValue records a flag's raw value; it is applied after the file and
// the environment so that flags win whatever their position.
type flagValue struct {
	s      setting
	values *[]flagSet
}

type flagSet struct {
	s setting
	v string
}

func (f flagValue) String() string   { return "" }
func (f flagValue) IsBoolFlag() bool { return f.s.bool }
func (f flagValue) Set(v string) error {
	// Validate now so the flag package reports the bad flag by name.
	c := defaultConfig()
	if err := f.s.set.apply(&c, v); err != nil {
		return err
	}
	*f.values = append(*f.values, flagSet{f.s, v})
	return nil
}

// configFlags registers -config and every setting's flag on fs. Call
// loadConfig after fs.Parse.
type configFlags struct {
	file   string
	values []flagSet
}

func addConfigFlags(fs *flag.FlagSet) *configFlags {
	cf := &configFlags{}
	fs.StringVar(&cf.file, "config", "", "JSON config file (env "+envConfigFile+")")
	for _, s := range settings() {
		fs.Var(flagValue{s: s, values: &cf.values}, s.flag, s.help+" (env "+s.env+")")
	}
	return cf
}

// errConfig wraps every configuration mistake.
var errConfig = errors.New("config")

// loadConfig builds the effective Config: defaults, then the file (from
// -config or ORIGIN_CONFIG), then the environment, then the flags. Unknown
// file keys, bad values and broken rules are errors: a typo must not
// silently run with a default (least of all with security off).
func loadConfig(cf *configFlags, lookupEnv func(string) (string, bool)) (Config, error) {
	c := defaultConfig()
	file := cf.file
	if file == "" {
		file, _ = lookupEnv(envConfigFile)
	}
	if file != "" {
		if err := readConfigFile(file, &c); err != nil {
			return c, err
		}
	}
	for _, s := range settings() {
		if v, ok := lookupEnv(s.env); ok {
			if err := s.set.apply(&c, v); err != nil {
				return c, fmt.Errorf("%w: %s (%s): %v", errConfig, s.env, s.key, err)
			}
		}
	}
	for _, fv := range cf.values {
		if err := fv.s.set.apply(&c, fv.v); err != nil {
			return c, fmt.Errorf("%w: -%s: %v", errConfig, fv.s.flag, err)
		}
	}
	c.Auth.CacheDir = resolveCacheDir(c.Auth.CacheDir, lookupEnv)
	return c, c.validate()
}

// resolveCacheDir turns auth.cacheDir as set into the folder to use: ""
// becomes todos-origin/wazero in the user cache folder ($XDG_CACHE_HOME,
// else $HOME/.cache), so that the binary caches its compiled module
// wherever it is started from, and "none" becomes "" (no cache).
func resolveCacheDir(dir string, lookupEnv func(string) (string, bool)) string {
	switch dir {
	case "none":
		return ""
	case "":
		if x, ok := lookupEnv("XDG_CACHE_HOME"); ok && filepath.IsAbs(x) {
			return filepath.Join(x, "todos-origin", "wazero")
		}
		if h, ok := lookupEnv("HOME"); ok && filepath.IsAbs(h) {
			return filepath.Join(h, ".cache", "todos-origin", "wazero")
		}
		return "" // no user cache folder: compile every start
	}
	return dir
}

func readConfigFile(path string, c *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", errConfig, err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errConfig, path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("%w: %s: %v", errConfig, path, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: %s: trailing data after the JSON object", errConfig, path)
	}
	return nil
}

// validate checks the rules no single setter can.
func (c Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Server.Host == "":
		return bad("server.host is empty")
	case c.Server.Port < 0 || c.Server.Port > 65535:
		return bad("server.port %d is outside 0..65535", c.Server.Port)
	case c.Server.ReadTimeout <= 0 || c.Server.WriteTimeout <= 0 || c.Server.IdleTimeout <= 0 || c.Server.ShutdownTimeout <= 0:
		return bad("server timeouts must be positive")
	case c.Server.MaxBodyBytes <= 0:
		return bad("server.maxBodyBytes must be positive")
	case c.Database.Path == "" && c.Database.URL == "":
		return bad("database.path is empty")
	case len(c.Auth.Audiences) == 0:
		return bad("auth.audiences is empty")
	case time.Duration(c.Auth.TokenLifetime) < time.Second || time.Duration(c.Auth.TokenLifetime)%time.Second != 0:
		return bad("auth.tokenLifetime must be a whole number of seconds, at least 1s")
	case time.Duration(c.Auth.RefreshIdleLifetime) < time.Second || c.Auth.RefreshAbsoluteLifetime < c.Auth.RefreshIdleLifetime:
		return bad("auth.refreshIdleLifetime must be at least 1s and at most auth.refreshAbsoluteLifetime")
	case c.Auth.LeewaySeconds < 0 || c.Auth.LeewaySeconds > 300:
		return bad("auth.leewaySeconds must be 0..300")
	case c.Auth.SigningAlg != origin.AlgEdDSA && c.Auth.SigningAlg != origin.AlgES256 && c.Auth.SigningAlg != origin.AlgHS256:
		return bad("auth.signingAlg must be EdDSA, ES256 or HS256")
	case c.Auth.Engine != engineWasm && c.Auth.Engine != engineNative:
		return bad("auth.engine must be %s or %s", engineWasm, engineNative)
	case c.Auth.PoolSize < 0:
		return bad("auth.poolSize must not be negative")
	case c.Auth.BcryptCost < bcrypt.MinCost || c.Auth.BcryptCost > bcrypt.MaxCost:
		return bad("auth.bcryptCost must be %d..%d", bcrypt.MinCost, bcrypt.MaxCost)
	case c.Auth.PollInterval <= 0:
		return bad("auth.pollInterval must be positive")
	case !validModuleSHA256(c.Auth.ModuleSHA256):
		return bad("auth.moduleSHA256 must be a SHA-256 in hex (64 digits)")
	}
	if _, err := c.logLevel(); err != nil {
		return err
	}
	if c.Auth.Issuer != "" {
		if err := validateIssuer(c.Auth.Issuer); err != nil {
			return err
		}
	}
	if err := validateCORSOrigins(c.Server.CORSOrigins); err != nil {
		return err
	}
	if err := c.validateOps(); err != nil {
		return err
	}
	if err := c.Edge.validate(); err != nil {
		return err
	}
	return c.RateLimit.validate()
}

func (c Config) logLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return l, fmt.Errorf("%w: log.level %q is not debug, info, warn or error", errConfig, c.Log.Level)
	}
	return l, nil
}

// retireAfter is how long a rotated-out key keeps verifying: every token it
// signed has expired by then, even with the leeway.
func (c Config) retireAfter() time.Duration {
	return time.Duration(c.Auth.TokenLifetime) + time.Duration(c.Auth.LeewaySeconds)*time.Second
}
