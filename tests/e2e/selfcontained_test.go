package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/tests/internal/originproc"
)

// buildWithModule builds the origin binary the way `make build` does, with
// module embedded as origin/cmd/origin/module/edgeauth.wasm, but through
// go build's -overlay instead of a copy: the test embeds exactly the module
// under test and writes nothing into the source tree.
func buildWithModule(t *testing.T, module string) string {
	t.Helper()
	dir := t.TempDir()
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {
		filepath.Join(repoRoot, "origin", "cmd", "origin", "module", "edgeauth.wasm"): module,
	}})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "origin")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-overlay", overlayFile, "-o", bin, "./origin/cmd/origin")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSelfContainedBinary: the binary, copied alone into an empty folder and
// started there with no setting but a free port, serves the README's
// walk-through with its embedded module; `origin version` names that
// module's SHA-256; a second run of the walk-through on the same database
// fails loudly (409 at step 1), not silently.
func TestSelfContainedBinary(t *testing.T) {
	t.Parallel()
	module := edgeauthtest.ModulePath(t)
	wasm, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	built := buildWithModule(t, module)

	empty := t.TempDir()
	bin := filepath.Join(empty, "origin")
	b, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	// Nothing from the repository or the caller's configuration: only a
	// PATH for curl, HOME for the compilation cache, and a free port.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + empty, "SERVER_PORT=0", "AUTH_BCRYPT_COST=4"}

	version := originproc.RunT(t, bin, empty, env, "version")
	if !strings.Contains(version, "sha256 "+hex.EncodeToString(sum[:])) {
		t.Fatalf("origin version does not name the embedded module's SHA-256 %x:\n%s", sum, version)
	}

	p := originproc.StartT(t, originproc.Config{Bin: bin, Dir: empty, Env: env})
	if !strings.Contains(p.Log(), `"module":"(embedded)"`) {
		t.Errorf("the origin did not load its embedded module:\n%s", p.Log())
	}
	checkWalkthrough(t, p.Base)

	out, err := walkthrough(t, p.Base)
	if err == nil {
		t.Fatalf("the walk-through passed again on a used database; it must stop at step 1:\n%s", out)
	}
	if !strings.Contains(out, "409") {
		t.Errorf("the failing walk-through does not say why (409):\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(empty, "data", "origin.db")); err != nil {
		t.Errorf("the default database is not ./data/origin.db in the working folder: %v", err)
	}
}
