package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cf := addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return loadConfig(cf, envOf(env))
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Host != "127.0.0.1" || c.Server.Port != 3000 || !c.Server.EnableSecurity ||
		c.Database.Path != "./data/origin.db" || c.Auth.SigningAlg != "EdDSA" ||
		time.Duration(c.Auth.TokenLifetime) != 10*time.Minute || c.Auth.LeewaySeconds != 30 || c.Auth.BcryptCost != 12 ||
		time.Duration(c.Auth.RefreshIdleLifetime) != 14*24*time.Hour || time.Duration(c.Auth.RefreshAbsoluteLifetime) != 30*24*time.Hour ||
		c.Edge.ConfigToken != "" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, `{"server":{"host":"0.0.0.0","port":4000,"enableSecurity":true},
		"database":{"path":"/tmp/file.db"},"auth":{"tokenLifetime":"2h","audiences":["a","b"]},"log":{"level":"debug"}}`)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		port     int
		host     string
		security bool
		lifetime time.Duration
		dbPath   string
	}{
		{"file only", []string{"-config", file}, nil, 4000, "0.0.0.0", true, 2 * time.Hour, "/tmp/file.db"},
		{"file from ORIGIN_CONFIG", nil, map[string]string{"ORIGIN_CONFIG": file}, 4000, "0.0.0.0", true, 2 * time.Hour, "/tmp/file.db"},
		{"env over file", []string{"-config", file}, map[string]string{"SERVER_PORT": "5000", "AUTH_TOKEN_LIFETIME": "30m", "DATABASE_PATH": "/tmp/env.db"},
			5000, "0.0.0.0", true, 30 * time.Minute, "/tmp/env.db"},
		{"flag over env over file", []string{"-port", "6000", "-config", file, "-db", "/tmp/flag.db"}, map[string]string{"SERVER_PORT": "5000", "DATABASE_PATH": "/tmp/env.db"},
			6000, "0.0.0.0", true, 2 * time.Hour, "/tmp/flag.db"},
		{"env false is false", nil, map[string]string{"SERVER_ENABLE_SECURITY": "false"}, 3000, "127.0.0.1", false, 10 * time.Minute, "./data/origin.db"},
		{"env 0 is false", nil, map[string]string{"SERVER_ENABLE_SECURITY": "0"}, 3000, "127.0.0.1", false, 10 * time.Minute, "./data/origin.db"},
		{"flag false beats env true", []string{"-enable-security=false"}, map[string]string{"SERVER_ENABLE_SECURITY": "true"}, 3000, "127.0.0.1", false, 10 * time.Minute, "./data/origin.db"},
		{"bare bool flag is true", []string{"-enable-security"}, map[string]string{"SERVER_ENABLE_SECURITY": "false"}, 3000, "127.0.0.1", true, 10 * time.Minute, "./data/origin.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.Port != tt.port || c.Server.Host != tt.host || c.Server.EnableSecurity != tt.security ||
				time.Duration(c.Auth.TokenLifetime) != tt.lifetime || c.Database.Path != tt.dbPath {
				t.Fatalf("got port %d host %s security %v lifetime %v db %s", c.Server.Port, c.Server.Host,
					c.Server.EnableSecurity, time.Duration(c.Auth.TokenLifetime), c.Database.Path)
			}
		})
	}
	c, _ := load(t, []string{"-config", file}, map[string]string{"AUTH_AUDIENCES": " x , y ,"})
	if !slices.Equal(c.Auth.Audiences, []string{"x", "y"}) {
		t.Fatalf("audiences = %q", c.Auth.Audiences)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
	}{
		{"env boolean yes", nil, map[string]string{"SERVER_ENABLE_SECURITY": "yes"}, ""},
		{"env boolean empty", nil, map[string]string{"SERVER_ENABLE_SECURITY": ""}, ""},
		{"flag boolean junk", []string{"-enable-security=nope"}, nil, ""},
		{"port not a number", nil, map[string]string{"SERVER_PORT": "30x"}, ""},
		{"port out of range", []string{"-port", "70000"}, nil, ""},
		{"bad duration", nil, map[string]string{"AUTH_TOKEN_LIFETIME": "1 hour"}, ""},
		{"fractional lifetime", nil, map[string]string{"AUTH_TOKEN_LIFETIME": "1500ms"}, ""},
		{"unknown algorithm", nil, map[string]string{"AUTH_SIGNING_ALG": "RS256"}, ""},
		{"bcrypt cost too high", []string{"-bcrypt-cost", "32"}, nil, ""},
		{"negative leeway", nil, map[string]string{"AUTH_LEEWAY_SECONDS": "-1"}, ""},
		{"bad log level", nil, map[string]string{"LOG_LEVEL": "chatty"}, ""},
		{"no audiences", nil, map[string]string{"AUTH_AUDIENCES": " , "}, ""},
		{"refresh idle beyond absolute", nil, map[string]string{"AUTH_REFRESH_IDLE_LIFETIME": "48h", "AUTH_REFRESH_ABSOLUTE_LIFETIME": "24h"}, ""},
		{"refresh idle zero", nil, map[string]string{"AUTH_REFRESH_IDLE_LIFETIME": "0s"}, ""},
		{"short edge config token", nil, map[string]string{"EDGE_CONFIG_TOKEN": "guessable"}, ""},
		{"unknown file key", nil, nil, `{"server":{"enableSecurty":false}}`},
		{"boolean as string in file", nil, nil, `{"server":{"enableSecurity":"false"}}`},
		{"duration as number in file", nil, nil, `{"auth":{"tokenLifetime":3600}}`},
		{"trailing data in file", nil, nil, `{} {}`},
		{"missing file", []string{"-config", "/nonexistent/config.json"}, nil, ""},
		{"unknown flag", []string{"-prot", "1"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, "-config", writeFile(t, tt.file))
			}
			if _, err := load(t, args, tt.env); err == nil {
				t.Fatal("accepted")
			} else if len(tt.args) == 0 && !errors.Is(err, errConfig) {
				t.Fatalf("err = %v, want errConfig", err)
			}
		})
	}
}
