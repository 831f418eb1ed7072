// Package edgeauthtest helps tests that need the edgeauth WASI module.
//
// Every Go test finds the module by one rule, and the JS runners follow the
// same rule (tests/node/module.mjs):
//
//   - EDGEAUTH_MODULE, when set, names the module to test; a relative path
//     is relative to the repository root. The Makefile sets it to
//     build/edgeauth.wasm, which make keeps up to date, so one build serves
//     every test of a run. A path that does not exist fails the test: it is
//     never silently replaced by another build.
//   - Otherwise the module is built from the working tree with the flags of
//     `make wasm`, once per test process, so a test run by hand never tests
//     a stale file.
package edgeauthtest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/craftingapis/todos/wasmhost/meter"
)

// EnvModule is the environment variable that names the module under test.
const EnvModule = "EDGEAUTH_MODULE"

// The module's main package, relative to the repository root.
const modulePackage = "./edgeauth/wasm"

var (
	findOnce sync.Once
	found    string
	findOut  []byte
	findErr  error
)

// ModulePath returns the absolute path of the module to test, found by the
// package's rule. It fails tb when EDGEAUTH_MODULE names no file or the
// build fails (with the compiler's output).
func ModulePath(tb testing.TB) string {
	tb.Helper()
	findOnce.Do(func() { found, findOut, findErr = find() })
	if findErr != nil {
		tb.Fatalf("edgeauthtest: %v\n%s", findErr, findOut)
	}
	return found
}

func find() (string, []byte, error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	if p := os.Getenv(EnvModule); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if _, err := os.Stat(p); err != nil {
			return "", nil, fmt.Errorf("%s=%s: %w (run `make wasm`, or unset it to build the module)", EnvModule, p, err)
		}
		return p, nil, nil
	}
	return build(root)
}

// repoRoot returns the directory of go.mod above the working directory (go
// test runs a test binary in its package's directory), symlinks resolved.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// build compiles the module into a directory named after the checkout (the
// same name tests/node/module.mjs uses), reused across runs so that nothing
// piles up in the temp directory. Each process compiles to a private file
// and renames it into place, so test binaries of several packages running
// at once never see a partial module; they all build the same sources.
func build(root string) (string, []byte, error) {
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "edgeauthtest-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	tmp, err := os.CreateTemp(dir, "build-*.wasm")
	if err != nil {
		return "", nil, err
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", tmp.Name(), modulePackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", out, fmt.Errorf("building the module: %w", err)
	}
	// Metered as make wasm meters it, so the fallback is the same module.
	if err := meterFile(tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return "", nil, err
	}
	path := filepath.Join(dir, "edgeauth.wasm")
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", nil, err
	}
	return path, nil, nil
}

func meterFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if b, err = meter.Instrument(b, meter.DefaultExport); err != nil {
		return fmt.Errorf("metering the module: %w", err)
	}
	if b, err = meter.CompactData(b, meter.DefaultDataGap); err != nil {
		return fmt.Errorf("joining the module's data segments: %w", err)
	}
	return os.WriteFile(path, b, 0o644)
}
