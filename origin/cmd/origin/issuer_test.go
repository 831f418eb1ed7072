package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidateIssuer(t *testing.T) {
	tests := []struct {
		issuer string
		ok     bool
	}{
		{"https://api.example.com", true},
		{"http://127.0.0.1:3000", true},
		{"http://[::1]:3000", true},
		{"https://api.example.com/", false},
		{"https://api.example.com/v1", false},
		{"https://api.example.com?x=1", false},
		{"https://api.example.com#x", false},
		{"https://user@api.example.com", false},
		{"ftp://api.example.com", false},
		{"api.example.com", false},
		{"todos", false},
		{"https://", false},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			err := validateIssuer(tt.issuer)
			if (err == nil) != tt.ok || err != nil && !errors.Is(err, errConfig) {
				t.Errorf("validateIssuer(%q) = %v, want ok %v", tt.issuer, err, tt.ok)
			}
		})
	}
}

// TestIssuerFollowsListener: with auth.issuer unset, a server on port 0
// issues tokens naming the port it got, and publishes that issuer.
func TestIssuerFollowsListener(t *testing.T) {
	s := startServe(t, securedEnv(t))
	s.signUp(t, "a@example.com")
	tok := s.login(t, "a@example.com")
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iss != s.base {
		t.Errorf("iss = %q, want the listener's URL %q", claims.Iss, s.base)
	}
	code, meta := s.do(t, "GET", "/.well-known/oauth-authorization-server", "", "")
	if code != 200 || meta["issuer"] != s.base {
		t.Errorf("authorization server metadata = %d %v, want issuer %q", code, meta, s.base)
	}
	if !strings.Contains(s.log.String(), `"msg":"issuer","issuer":"`+s.base+`"`) {
		t.Errorf("the start-up log does not say which issuer it used:\n%s", s.log)
	}
}

// TestConfigPrintSaysWhichIssuer: config print shows the effective issuer
// and where it came from.
func TestConfigPrintSaysWhichIssuer(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		issuer     string
		fromSubstr string
	}{
		{"unset", map[string]string{"SERVER_PORT": "4100"}, "http://127.0.0.1:4100", "the listener"},
		{"unset, port 0", map[string]string{"SERVER_PORT": "0"}, "http://127.0.0.1:0", "port chosen at start"},
		{"set", map[string]string{"AUTH_ISSUER": "https://api.example"}, "https://api.example", "auth.issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv(t)
			for k, v := range tt.env {
				env[k] = v
			}
			out, err := runCmd(t, env, "config", "print")
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Auth    struct{ Issuer string }
				Derived map[string]string
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if got.Auth.Issuer != tt.issuer || !strings.Contains(got.Derived["auth.issuer"], tt.fromSubstr) {
				t.Errorf("issuer %q from %q, want %q from %q", got.Auth.Issuer, got.Derived["auth.issuer"], tt.issuer, tt.fromSubstr)
			}
		})
	}
}

// TestCheckTokenNeedsIssuerWithPortZero: check-token has no listener; with
// port 0 and no issuer it cannot know the server's, and says so.
func TestCheckTokenNeedsIssuerWithPortZero(t *testing.T) {
	env := baseEnv(t)
	env["SERVER_PORT"] = "0"
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"check-token", "-path", "/healthz", "x.y.z"}, envOf(env), strings.NewReader(""), &out, &errOut)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "auth.issuer") {
		t.Errorf("err = %v, want a usage error naming auth.issuer", err)
	}
}

func TestValidateCORSOrigins(t *testing.T) {
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://app.example", true},
		{"http://localhost:5173", true},
		{"http://[::1]:8080", true},
		{"*", false},
		{"null", false},
		{"https://app.example/", false},
		{"https://app.example/path", false},
		{"https://App.example", false},
		{"https://app.example:443", false},
		{"http://app.example:80", false},
		{"app.example", false},
		{"ftp://app.example", false},
	}
	for _, tt := range tests {
		err := validateCORSOrigins([]string{"https://ok.example", tt.origin})
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, errConfig) {
			t.Errorf("validateCORSOrigins(%q) = %v, want ok %v", tt.origin, err, tt.ok)
		}
	}
	if validateCORSOrigins(nil) != nil {
		t.Error("an empty list (CORS off) must be valid")
	}
}
