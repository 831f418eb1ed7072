package edgeauthtest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestFindFromEnvironment(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "edgeauth", "edgeauthtest")); err != nil {
		t.Fatalf("repoRoot = %s, which does not hold this package: %v", root, err)
	}
	abs := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(abs, []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, env, want string
		err             error
	}{
		{"absolute", abs, abs, nil},
		{"relative to the repository root", rel, abs, nil},
		{"missing file", abs + ".missing", "", fs.ErrNotExist},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvModule, tt.env)
			got, _, err := find()
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("find() = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
