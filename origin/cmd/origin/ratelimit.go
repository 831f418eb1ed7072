package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/craftingapis/todos/origin/httpapi"
	"github.com/craftingapis/todos/origin/ratelimit"
)

// RateLimitConfig limits POST /authenticate and POST /users (see
// origin/ratelimit for the three buckets and why the account bucket is
// keyed with the client). Rates are attempts per minute. The limiter's
// own Config is embedded, so its fields are the rateLimit.* keys (JSON
// flattens an embedded struct) and nothing is copied between the two.
type RateLimitConfig struct {
	Enabled bool `json:"enabled"`
	ratelimit.Config
	// TrustedProxies are the CIDR prefixes (or addresses) of reverse
	// proxies whose X-Forwarded-For is believed; empty means the TCP peer
	// is the client and X-Forwarded-For is ignored.
	TrustedProxies []string `json:"trustedProxies"`
}

func defaultRateLimit() RateLimitConfig {
	return RateLimitConfig{Enabled: true, Config: ratelimit.DefaultConfig()}
}

// validate checks the limits even when disabled, so that turning them on
// later cannot fail at start.
func (r RateLimitConfig) validate() error {
	if _, err := ratelimit.New(r.Config); err != nil {
		return fmt.Errorf("%w: rateLimit: %v", errConfig, err)
	}
	if _, err := ratelimit.ParseTrustedProxies(strings.Join(r.TrustedProxies, ",")); err != nil {
		return fmt.Errorf("%w: rateLimit.trustedProxies: %v", errConfig, err)
	}
	return nil
}

// build returns the limiter and the client-address function for
// httpapi.Options; a nil limiter when disabled.
func (r RateLimitConfig) build() (httpapi.AttemptLimiter, func(*http.Request) string, error) {
	trusted, err := ratelimit.ParseTrustedProxies(strings.Join(r.TrustedProxies, ","))
	if err != nil {
		return nil, nil, err
	}
	addr := ratelimit.ClientAddr(trusted)
	if !r.Enabled {
		return nil, addr, nil
	}
	l, err := ratelimit.New(r.Config)
	if err != nil {
		return nil, nil, err
	}
	return l, addr, nil
}

// rateLimitSettings are the rateLimit.* keys with their environment
// variables and flags.
func rateLimitSettings() []setting {
	return []setting{
		{key: "rateLimit.enabled", env: "RATE_LIMIT_ENABLED", flag: "rate-limit", help: "limit POST /authenticate and POST /users per client and account", bool: true,
			set: setBool(func(c *Config) *bool { return &c.RateLimit.Enabled })},
		{key: "rateLimit.clientPerMinute", env: "RATE_LIMIT_CLIENT_PER_MINUTE", flag: "rate-limit-client-per-minute", help: "attempts per minute per client address", set: setFloat(func(c *Config) *float64 { return &c.RateLimit.ClientPerMinute })},
		{key: "rateLimit.clientBurst", env: "RATE_LIMIT_CLIENT_BURST", flag: "rate-limit-client-burst", help: "attempts at once per client address", set: setInt(func(c *Config) *int { return &c.RateLimit.ClientBurst })},
		{key: "rateLimit.accountClientPerMinute", env: "RATE_LIMIT_ACCOUNT_CLIENT_PER_MINUTE", flag: "rate-limit-account-client-per-minute", help: "attempts per minute per account from one address", set: setFloat(func(c *Config) *float64 { return &c.RateLimit.AccountClientPerMinute })},
		{key: "rateLimit.accountClientBurst", env: "RATE_LIMIT_ACCOUNT_CLIENT_BURST", flag: "rate-limit-account-client-burst", help: "attempts at once per account from one address", set: setInt(func(c *Config) *int { return &c.RateLimit.AccountClientBurst })},
		{key: "rateLimit.accountPerMinute", env: "RATE_LIMIT_ACCOUNT_PER_MINUTE", flag: "rate-limit-account-per-minute", help: "attempts per minute per account from all addresses", set: setFloat(func(c *Config) *float64 { return &c.RateLimit.AccountPerMinute })},
		{key: "rateLimit.accountBurst", env: "RATE_LIMIT_ACCOUNT_BURST", flag: "rate-limit-account-burst", help: "attempts at once per account from all addresses", set: setInt(func(c *Config) *int { return &c.RateLimit.AccountBurst })},
		{key: "rateLimit.maxKeys", env: "RATE_LIMIT_MAX_KEYS", flag: "rate-limit-max-keys", help: "buckets kept per kind (clients, pairs, accounts)", set: setInt(func(c *Config) *int { return &c.RateLimit.MaxKeys })},
		{key: "rateLimit.trustedProxies", env: "RATE_LIMIT_TRUSTED_PROXIES", flag: "trusted-proxies", help: "comma-separated CIDRs of proxies whose X-Forwarded-For is believed", set: setList(func(c *Config) *[]string { return &c.RateLimit.TrustedProxies }).checked(func(v string) error {
			_, err := ratelimit.ParseTrustedProxies(v)
			return err
		})},
	}
}
