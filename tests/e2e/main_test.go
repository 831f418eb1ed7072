package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/tests/internal/originproc"
)

var (
	// repoRoot is the module root (where go.mod is).
	repoRoot string
	// originBin is the origin binary built for this run.
	originBin string
	// wazeroCache is the compilation cache every test origin shares, so the
	// module is compiled once per run, not once per origin (wazero writes
	// its cache files atomically, so concurrent origins are safe).
	wazeroCache string
)

// TestMain builds ./origin/cmd/origin once for every test in the package.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "todos-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	wazeroCache = filepath.Join(dir, "wazero-cache")
	originBin, repoRoot, err = originproc.Build(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}
