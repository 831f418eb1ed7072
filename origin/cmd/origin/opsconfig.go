package main

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// MetricsConfig is the admin listener that serves Prometheus metrics.
//
// Metrics are served on their own address, never on the API's port: the
// API's public routes are published to every edge host, and request rates,
// denial reasons and pool sizes are operational data an attacker probing
// the API should not read. An address on 127.0.0.1 (or a private network
// the scraper sits on) keeps them inside.
type MetricsConfig struct {
	// Addr is host:port of the admin listener serving GET /metrics; ""
	// (the default) serves no metrics and collects none. Port 0 picks a
	// free port, logged as "metrics listening".
	Addr string `json:"addr"`
	// Pprof also serves net/http/pprof's profiles under /debug/pprof/ on
	// the admin listener (it needs Addr). Off by default: a profile shows
	// the program's internals and costs CPU while it is taken.
	Pprof bool `json:"pprof"`
}

// ReloadConfig is hot reload of the module and the config file.
type ReloadConfig struct {
	// WatchInterval is how often the module file and the config file are
	// checked for changes (a stat each; the file is hashed only when it
	// moved); 0 disables watching, leaving SIGHUP.
	WatchInterval Duration `json:"watchInterval"`
}

// defaultWatchInterval: a deploy that replaces the module is live within
// about two intervals.
const defaultWatchInterval = Duration(time.Second)

// opsSettings are the config keys of metrics and reload, appended to
// settings().
func opsSettings() []setting {
	return []setting{
		{key: "metrics.addr", env: "METRICS_ADDR", flag: "metrics-addr",
			help: "admin listener for GET /metrics, e.g. 127.0.0.1:9464 (empty: no metrics)",
			set:  setString(func(c *Config) *string { return &c.Metrics.Addr })},
		{key: "metrics.pprof", env: "METRICS_PPROF", flag: "pprof",
			help: "also serve /debug/pprof/ on the admin listener (needs metrics.addr)",
			set:  setBool(func(c *Config) *bool { return &c.Metrics.Pprof }), bool: true},
		{key: "reload.watchInterval", env: "RELOAD_WATCH_INTERVAL", flag: "watch-interval",
			help: "how often the module and config files are checked for changes (0: only on SIGHUP)",
			set:  setDuration(func(c *Config) *Duration { return &c.Reload.WatchInterval })},
	}
}

// validate checks the ops keys.
func (c Config) validateOps() error {
	if a := c.Metrics.Addr; a != "" {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("%w: metrics.addr %q is not host:port: %v", errConfig, a, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%w: metrics.addr %q has no valid port", errConfig, a)
		}
		if host != "" && net.ParseIP(host) == nil && host != "localhost" {
			return fmt.Errorf("%w: metrics.addr host %q must be an IP address or localhost", errConfig, host)
		}
	}
	if c.Metrics.Pprof && c.Metrics.Addr == "" {
		return fmt.Errorf("%w: metrics.pprof needs metrics.addr, the admin listener it is served on", errConfig)
	}
	if c.Reload.WatchInterval < 0 {
		return fmt.Errorf("%w: reload.watchInterval must not be negative", errConfig)
	}
	return nil
}

// metricsOnLoopback reports whether the admin listener is reachable only
// from this machine; anything else is logged as a warning at start.
func (m MetricsConfig) onLoopback() bool {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
