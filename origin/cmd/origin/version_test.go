package main

import (
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: `origin version` prints the five facts, one per line, and
// the auth module line is the SHA-256 of the module this binary embeds (or
// says there is none, in a build made without make).
func TestVersion(t *testing.T) {
	out, err := runCmd(t, baseEnv(t), "version")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	keys := []string{"origin:", "revision:", "go:", "auth module:", "api docs:"}
	if len(lines) != len(keys) {
		t.Fatalf("version printed %d lines, want %d:\n%s", len(lines), len(keys), out)
	}
	for i, k := range keys {
		if !strings.HasPrefix(lines[i], k) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], k)
		}
	}
	if !strings.Contains(lines[0], "github.com/craftingapis/todos") {
		t.Errorf("the module line does not name the module: %q", lines[0])
	}
	if !strings.HasSuffix(lines[2], runtime.Version()) {
		t.Errorf("go line %q, want %s", lines[2], runtime.Version())
	}
	want := "none embedded"
	if m := embeddedModule(); m != nil {
		want = "sha256 " + sha256Hex(m)
	}
	if !strings.Contains(lines[3], want) {
		t.Errorf("auth module line %q lacks %q", lines[3], want)
	}
	if _, err := runCmd(t, baseEnv(t), "version", "extra"); !errors.Is(err, errUsage) {
		t.Errorf("version with an argument: err %v, want a usage error", err)
	}
}

func TestResolveCacheDir(t *testing.T) {
	tests := []struct {
		name string
		set  string
		env  map[string]string
		want string
	}{
		{"a folder is kept", "/var/cache/x", map[string]string{"HOME": "/home/a"}, "/var/cache/x"},
		{"none is no cache", "none", map[string]string{"HOME": "/home/a"}, ""},
		{"empty is the XDG cache", "", map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/home/a"}, "/xdg/todos-origin/wazero"},
		{"a relative XDG_CACHE_HOME is ignored", "", map[string]string{"XDG_CACHE_HOME": "rel", "HOME": "/home/a"}, "/home/a/.cache/todos-origin/wazero"},
		{"empty is HOME/.cache", "", map[string]string{"HOME": "/home/a"}, "/home/a/.cache/todos-origin/wazero"},
		{"no HOME: no cache", "", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolveCacheDir(tt.set, envOf(tt.env)); got != tt.want {
				t.Errorf("resolveCacheDir(%q) = %q, want %q", tt.set, got, tt.want)
			}
		})
	}
}

// TestReadModule: with auth.module unset, a binary without an embedded
// module fails to load the auth step with a message saying what to set,
// instead of a file-not-found.
func TestReadModule(t *testing.T) {
	m, err := readModule("", "", "")
	if embeddedModule() == nil {
		if !errors.Is(err, errNoEmbeddedModule) || !strings.Contains(err.Error(), "auth.module") {
			t.Errorf("no embedded module: err %v", err)
		}
	} else if err != nil || m.name != embeddedModuleName || len(m.bytes) == 0 || sha256Hex(m.bytes) != hex.EncodeToString(m.sum[:]) {
		t.Errorf("embedded module: %d bytes, name %q, err %v", len(m.bytes), m.name, err)
	}
	if m, err := readModule("/nonexistent/edgeauth.wasm", "", ""); err == nil || m.name != "/nonexistent/edgeauth.wasm" {
		t.Errorf("missing file: name %q, err %v", m.name, err)
	}
}
