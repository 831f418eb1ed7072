package originproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoModule means `go env GOMOD` named no go.mod: the caller is not
// inside the module.
var ErrNoModule = errors.New("originproc: not inside a Go module")

// ModuleRoot returns the folder holding the current module's go.mod, as
// `go env GOMOD` reports it from the working directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("originproc: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", ErrNoModule
	}
	return filepath.Dir(gomod), nil
}

// Build compiles ./origin/cmd/origin of the current module into dir and
// returns the binary's path and the module root. Callers build once per
// run (in TestMain) and share the binary; the compiler's output is part of
// the error when the build fails.
func Build(ctx context.Context, dir string) (bin, root string, err error) {
	root, err = ModuleRoot(ctx)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "origin")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./origin/cmd/origin")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("originproc: building the origin binary: %w\n%s", err, out)
	}
	return bin, root, nil
}
