package main

import (
	"slices"
	"testing"
	"time"
)

func TestSetters(t *testing.T) {
	tests := []struct {
		name    string
		set     setter
		value   string
		wantErr bool
		check   func(c *Config) bool
	}{
		{"int trimmed", setInt(func(c *Config) *int { return &c.Server.Port }), " 8080 ", false, func(c *Config) bool { return c.Server.Port == 8080 }},
		{"int refuses text", setInt(func(c *Config) *int { return &c.Server.Port }), "80x", true, nil},
		{"int64", setInt64(func(c *Config) *int64 { return &c.Auth.LeewaySeconds }), "0", false, func(c *Config) bool { return c.Auth.LeewaySeconds == 0 }},
		{"float", setFloat(func(c *Config) *float64 { return &c.RateLimit.ClientPerMinute }), "2.5", false, func(c *Config) bool { return c.RateLimit.ClientPerMinute == 2.5 }},
		{"bool false is false", setBool(func(c *Config) *bool { return &c.Server.EnableSecurity }), "false", false, func(c *Config) bool { return !c.Server.EnableSecurity }},
		{"bool refuses a typo", setBool(func(c *Config) *bool { return &c.Server.EnableSecurity }), "flase", true, nil},
		{"duration", setDuration(func(c *Config) *Duration { return &c.Auth.TokenLifetime }), "90s", false, func(c *Config) bool { return c.Auth.TokenLifetime == Duration(90*time.Second) }},
		{"duration refuses a bare number", setDuration(func(c *Config) *Duration { return &c.Auth.TokenLifetime }), "90", true, nil},
		{"list drops empty items", setList(func(c *Config) *[]string { return &c.Auth.Audiences }), " a, ,b ,", false, func(c *Config) bool { return slices.Equal(c.Auth.Audiences, []string{"a", "b"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			c.Server.EnableSecurity = true
			err := tt.set.apply(&c, tt.value)
			if (err != nil) != tt.wantErr {
				t.Fatalf("set(%q) error = %v, want error %v", tt.value, err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(&c) {
				t.Fatalf("set(%q) stored the wrong value: %+v", tt.value, c)
			}
		})
	}
}
