package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// mode returns the permission bits of path.
func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// The database, its WAL and shared-memory files are the origin user's
// alone (0600), in a folder of its own (0700) when the origin makes it,
// whatever the umask; a database left readable by others is narrowed.
func TestDatabaseFilesPrivate(t *testing.T) {
	ctx := context.Background()
	t.Run("new", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "made", "origin.db")
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// A write, so that the -wal and -shm files exist.
		if _, err := sqlstore.NewUserService(db.Store, nil).CreateUser(ctx, origin.NewUser{Email: "m@example.com", Password: "long enough", Name: "M"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if got := mode(t, p); got != 0o600 {
				t.Errorf("%s: mode %o, want 600", filepath.Base(p), got)
			}
		}
		if got := mode(t, filepath.Dir(path)); got != 0o700 {
			t.Errorf("folder: mode %o, want 700", got)
		}
	})
	t.Run("existing, readable by others", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "origin.db")
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		// As an earlier release left it.
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if db, err = Open(ctx, path, Options{}); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := sqlstore.NewUserService(db.Store, nil).CreateUser(ctx, origin.NewUser{Email: "n@example.com", Password: "long enough", Name: "N"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if got := mode(t, p); got != 0o600 {
				t.Errorf("%s: mode %o, want 600", filepath.Base(p), got)
			}
		}
	})
}
