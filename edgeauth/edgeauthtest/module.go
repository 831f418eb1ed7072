// Package edgeauthtest helps tests that need the edgeauth WASI module.
package edgeauthtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The import path of the module's main package. Tests run inside this Go
// module, so go build resolves it from any package directory.
const modulePackage = "github.com/craftingapis/todos/edgeauth/wasm"

var (
	buildOnce sync.Once
	buildPath string
	buildOut  []byte
	buildErr  error
)

// ModulePath returns the path of a freshly built edgeauth.wasm, built with
// the flags of `make wasm`. It builds once per test process (the Go build
// cache makes a rebuild of unchanged sources fast), so a stale
// build/edgeauth.wasm can never be tested by mistake. It fails tb with the
// compiler's output if the build fails.
func ModulePath(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(build)
	if buildErr != nil {
		tb.Fatalf("building the edgeauth module: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}

func build() {
	wd, err := os.Getwd()
	if err != nil {
		buildErr = err
		return
	}
	// One directory per checkout, reused across runs so nothing piles up in
	// the temp directory; each process writes a private file and renames it
	// into place, so concurrent test binaries never see a partial module.
	sum := sha256.Sum256([]byte(wd))
	dir := filepath.Join(os.TempDir(), "edgeauthtest-"+hex.EncodeToString(sum[:6]))
	if buildErr = os.MkdirAll(dir, 0o755); buildErr != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, "build-*.wasm")
	if err != nil {
		buildErr = err
		return
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", tmp.Name(), modulePackage)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if buildOut, buildErr = cmd.CombinedOutput(); buildErr != nil {
		os.Remove(tmp.Name())
		return
	}
	buildPath = filepath.Join(dir, "edgeauth.wasm")
	buildErr = os.Rename(tmp.Name(), buildPath)
}
