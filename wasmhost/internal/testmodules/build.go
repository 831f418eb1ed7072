// Package testmodules provides modules for wasmhost's tests. Build compiles
// the Go ABI v1 module in ./fake (its files carry //go:build wasip1, so a
// native `go build ./...` skips them); Assemble hand-writes tiny modules for
// testing the host's checks of a module's shape.
package testmodules

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// Build compiles each named module (a subdirectory of this package) as a
// WASI reactor into dir/<name>.wasm, in parallel, and returns the module
// bytes by name.
func Build(dir string, names ...string) (map[string][]byte, error) {
	goBin, err := goTool()
	if err != nil {
		return nil, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		out  = make(map[string][]byte, len(names))
	)
	for _, name := range names {
		wg.Go(func() {
			path := filepath.Join(dir, name+".wasm")
			cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-trimpath", "-o", path,
				"github.com/craftingapis/todos/wasmhost/internal/testmodules/"+name)
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
			msg, err := cmd.CombinedOutput()
			var b []byte
			if err == nil {
				b, err = os.ReadFile(path)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("build test module %s: %w\n%s", name, err, msg))
				return
			}
			out[name] = b
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// goTool finds the go command that is running the tests.
func goTool() (string, error) {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("go")
}
