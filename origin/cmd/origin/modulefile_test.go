package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
)

func TestReadModuleTrust(t *testing.T) {
	body := []byte("\x00asm\x01\x00\x00\x00")
	sum := sha256.Sum256(body)
	pin := hex.EncodeToString(sum[:])
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		pin   string
		ok    bool
	}{
		{"owned and private", nil, "", true},
		{"read-only", func(t *testing.T, p string) { chmod(t, p, 0o400) }, "", true},
		{"pinned digest", nil, pin, true},
		{"pinned digest in upper case", nil, strings.ToUpper(pin), true},
		{"group-writable", func(t *testing.T, p string) { chmod(t, p, 0o664) }, "", false},
		{"world-writable", func(t *testing.T, p string) { chmod(t, p, 0o646) }, "", false},
		{"another digest pinned", nil, strings.Repeat("ab", 32), false},
		{"a folder", func(t *testing.T, p string) {
			os.Remove(p)
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "", false},
		{"owned by another user", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a file away")
			}
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "edgeauth.wasm")
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			chmod(t, path, 0o644) // whatever the umask
			if tc.setup != nil {
				tc.setup(t, path)
			}
			m, err := readModule(path, tc.pin, "")
			b, got := m.bytes, m.sum
			if tc.ok {
				if err != nil || string(b) != string(body) || got != sum {
					t.Fatalf("readModule = %d bytes, %x, %v", len(b), got, err)
				}
				return
			}
			if !errors.Is(err, errUntrustedModule) || b != nil {
				t.Fatalf("readModule = %d bytes, %v; want errUntrustedModule", len(b), err)
			}
		})
	}
}

// The compilation cache holds machine code: a folder others can write is
// refused like a module they can write.
func TestReadModuleCacheDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edgeauth.wasm")
	if err := os.WriteFile(path, []byte("\x00asm"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		cache string
		mode  os.FileMode
		ok    bool
	}{
		{"none", "", 0, true},
		{"not made yet", filepath.Join(dir, "later"), 0, true},
		{"private", filepath.Join(dir, "private"), 0o700, true},
		{"writable by others", filepath.Join(dir, "open"), 0o777, false},
		{"writable by group", filepath.Join(dir, "group"), 0o770, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.mode != 0 {
				if err := os.Mkdir(tc.cache, 0o700); err != nil {
					t.Fatal(err)
				}
				chmod(t, tc.cache, tc.mode)
			}
			_, err := readModule(path, "", tc.cache)
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, errUntrustedModule)) {
				t.Fatalf("readModule with cache %s (mode %o): %v", tc.name, tc.mode, err)
			}
		})
	}
}

// The pin holds for the module embedded in the binary too: auth.module
// unset does not bypass auth.moduleSHA256.
func TestReadModuleEmbeddedPin(t *testing.T) {
	b := embeddedModule()
	if b == nil {
		t.Skip("this test binary embeds no module (build it through make)")
	}
	sum := sha256.Sum256(b)
	if m, err := readModule("", hex.EncodeToString(sum[:]), ""); err != nil || m.sum != sum || len(m.bytes) != len(b) {
		t.Fatalf("the embedded module under its own pin: %d bytes, %v", len(m.bytes), err)
	}
	if m, err := readModule("", strings.Repeat("ab", 32), ""); !errors.Is(err, errUntrustedModule) || m.bytes != nil {
		t.Fatalf("the embedded module under another pin: %d bytes, %v; want errUntrustedModule", len(m.bytes), err)
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// A pinned module: serve refuses to start on another file, and a reload
// refuses a replacement whose digest differs, keeping the pinned module
// serving; a module that others can write is refused at start.
func TestModulePinAndTrust(t *testing.T) {
	base, err := os.ReadFile(edgeauthtest.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(base)
	modPath := filepath.Join(t.TempDir(), "edgeauth.wasm")
	writeAtomically(t, modPath, base)

	env := securedEnv(t)
	env["AUTH_MODULE"] = modPath
	env["AUTH_MODULE_SHA256"] = strings.Repeat("00", 32)
	if err := run(t.Context(), []string{"serve", "-port", "0"}, envOf(env), strings.NewReader(""), os.Stderr, &syncBuffer{}); !errors.Is(err, errUntrustedModule) {
		t.Fatalf("serve with another pinned digest: %v", err)
	}
	chmod(t, modPath, 0o666)
	env["AUTH_MODULE_SHA256"] = ""
	if err := run(t.Context(), []string{"serve", "-port", "0"}, envOf(env), strings.NewReader(""), os.Stderr, &syncBuffer{}); !errors.Is(err, errUntrustedModule) {
		t.Fatalf("serve with a world-writable module: %v", err)
	}
	chmod(t, modPath, 0o644)

	env["AUTH_MODULE_SHA256"] = hex.EncodeToString(sum[:])
	env["RELOAD_WATCH_INTERVAL"] = "0"
	s := startServe(t, env)
	if !strings.Contains(s.log.String(), `"sha256":"`+hex.EncodeToString(sum[:])+`"`) {
		t.Fatalf("the loaded module's SHA-256 is not logged:\n%s", s.log)
	}
	writeAtomically(t, modPath, moduleVariant(base, 7))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refused reload", func() bool {
		return strings.Contains(s.log.String(), "auth module reload failed") && strings.Contains(s.log.String(), "auth.moduleSHA256 pins")
	})
	if strings.Contains(s.log.String(), `"msg":"auth module reloaded"`) {
		t.Fatal("a module with another digest was swapped in")
	}
	s.signUp(t, "pin@example.com")
	if tok := s.login(t, "pin@example.com"); tok == "" {
		t.Fatal("the pinned module stopped serving")
	}
}
