package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactDatabaseURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"no password", "postgres://app@db:5432/todos?sslmode=verify-full", "postgres://app@db:5432/todos?sslmode=verify-full"},
		{"user info password", "postgres://app:s3cret@db:5432/todos", "postgres://app:redacted@db:5432/todos"},
		{"password parameter", "postgresql://db/todos?user=app&password=s3cret", "postgresql://db/todos?password=redacted&user=app"},
		{"sslpassword parameter", "postgres://app@db/todos?sslpassword=s3cret", "postgres://app@db/todos?sslpassword=redacted"},
		{"unparsable URL", "postgres://app:s3cret@[::1", "redacted"},
		{"DSN", "host=db user=app password=s3cret dbname=todos", "host=db user=app password=redacted dbname=todos"},
		{"DSN, quoted with spaces", "host=db password='s3 cret' dbname=todos", "host=db password=redacted dbname=todos"},
		{"DSN, spaces around =", "host=db password = s3cret dbname=todos", "host=db password=redacted dbname=todos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactDatabaseURL(tt.in)
			if got != tt.want {
				t.Fatalf("redactDatabaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "s3") {
				t.Fatalf("password shown: %q", got)
			}
		})
	}
}

func TestConfigPrintRedactsDatabaseURL(t *testing.T) {
	env := baseEnv(t)
	env["DATABASE_URL"] = "postgres://app:s3cret@db.internal:5432/todos"
	out, err := runCmd(t, env, "config", "print", "-enable-security=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "s3cret") {
		t.Fatalf("config print shows the database password:\n%s", out)
	}
	var got struct {
		Database DatabaseConfig `json:"database"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Database.URL != "postgres://app:redacted@db.internal:5432/todos" {
		t.Fatalf("database.url printed as %q", got.Database.URL)
	}
}

func TestConfigDatabaseChoice(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantURL string
		wantErr bool
	}{
		{"default is SQLite", nil, "", false},
		{"DATABASE_URL picks PostgreSQL", map[string]string{"DATABASE_URL": "postgres://db/todos"}, "postgres://db/todos", false},
		{"URL without a path is fine", map[string]string{"DATABASE_URL": "postgres://db/todos", "DATABASE_PATH": ""}, "postgres://db/todos", false},
		{"neither is an error", map[string]string{"DATABASE_PATH": ""}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			c, err := loadConfig(&configFlags{}, lookup)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && c.Database.URL != tt.wantURL {
				t.Fatalf("database.url = %q, want %q", c.Database.URL, tt.wantURL)
			}
		})
	}
}
