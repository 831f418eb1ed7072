package replicas

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin/postgres/pgtest"
)

var (
	// originBin is the origin binary built for this run.
	originBin string
	// wazeroCache is shared by every replica, so the module compiles once.
	wazeroCache string
)

// TestMain builds ./origin/cmd/origin once and runs the tests beside a
// PostgreSQL server.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		fmt.Fprintln(os.Stderr, "replicas: cannot find the module root:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "todos-replicas-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	originBin = filepath.Join(dir, "origin")
	wazeroCache = filepath.Join(dir, "wazero-cache")
	build := exec.Command("go", "build", "-o", originBin, "./origin/cmd/origin")
	build.Dir = filepath.Dir(gomod)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "replicas: building the origin binary failed:", err)
		return 1
	}
	return pgtest.Run(m)
}
