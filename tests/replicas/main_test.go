package replicas

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/origin/postgres/pgtest"
	"github.com/craftingapis/todos/tests/internal/originproc"
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
	dir, err := os.MkdirTemp("", "todos-replicas-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	wazeroCache = filepath.Join(dir, "wazero-cache")
	originBin, _, err = originproc.Build(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		return 1
	}
	return pgtest.Run(m)
}
