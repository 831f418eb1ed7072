package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		fmt.Fprintln(os.Stderr, "e2e: cannot find the module root:", err)
		return 1
	}
	repoRoot = filepath.Dir(strings.TrimSpace(string(out)))
	dir, err := os.MkdirTemp("", "todos-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	originBin = filepath.Join(dir, "origin")
	wazeroCache = filepath.Join(dir, "wazero-cache")
	build := exec.Command("go", "build", "-o", originBin, "./origin/cmd/origin")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the origin binary failed:", err)
		return 1
	}
	return m.Run()
}
