package main

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimitConfig(t *testing.T) {
	c, err := load(t, nil, map[string]string{
		"RATE_LIMIT_CLIENT_PER_MINUTE":         "12.5",
		"RATE_LIMIT_ACCOUNT_CLIENT_BURST":      "2",
		"RATE_LIMIT_TRUSTED_PROXIES":           "10.0.0.0/8, 192.0.2.1",
		"RATE_LIMIT_ACCOUNT_CLIENT_PER_MINUTE": "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := c.RateLimit
	if !r.Enabled || r.ClientPerMinute != 12.5 || r.AccountClientBurst != 2 || len(r.TrustedProxies) != 2 {
		t.Fatalf("RateLimit = %+v", r)
	}
	lim, addr, err := r.build()
	if err != nil || lim == nil || addr == nil {
		t.Fatalf("build: %v %v", lim, err)
	}
	now := time.Now()
	for i := range 2 {
		if ok, _ := lim.Allow("a@x.test", "198.51.100.1", "", now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if ok, wait := lim.Allow("a@x.test", "198.51.100.1", "", now); ok || wait < 59*time.Second {
		t.Errorf("third attempt: ok=%v wait=%v, want refused for ~60s", ok, wait)
	}
	req := httptest.NewRequest("POST", "/authenticate", nil)
	req.RemoteAddr = "10.1.1.1:9"
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	if got := addr(req); got != "203.0.113.7" {
		t.Errorf("client behind a trusted proxy = %q", got)
	}

	off, err := load(t, []string{"-rate-limit=false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lim, _, _ := off.RateLimit.build(); lim != nil {
		t.Error("disabled rate limit still built a limiter")
	}
}

func TestRateLimitConfigErrors(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"zero-rate":     {"RATE_LIMIT_ACCOUNT_PER_MINUTE": "0"},
		"negative":      {"RATE_LIMIT_CLIENT_BURST": "-1"},
		"not-a-number":  {"RATE_LIMIT_CLIENT_PER_MINUTE": "fast"},
		"bad-proxy":     {"RATE_LIMIT_TRUSTED_PROXIES": "proxy.example"},
		"bad-bool":      {"RATE_LIMIT_ENABLED": "yes please"},
		"zero-max-keys": {"RATE_LIMIT_MAX_KEYS": "0"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := load(t, nil, env); !errors.Is(err, errConfig) {
				t.Errorf("err = %v, want a config error", err)
			}
		})
	}
}
