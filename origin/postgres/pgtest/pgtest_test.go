package pgtest

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, admin, want string
	}{
		{"URL", "postgres://u:p@db:5432/postgres?sslmode=disable", "postgres://u:p@db:5432/t_1?sslmode=disable"},
		{"URL with a socket host", "postgres://postgres@/postgres?host=%2Ftmp%2Fsock", "postgres://postgres@/t_1?host=%2Ftmp%2Fsock"},
		{"DSN", "host=db user=u dbname=postgres", "host=db user=u dbname=postgres dbname=t_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&Server{admin: tt.admin}).withDatabase("t_1")
			if err != nil || got != tt.want {
				t.Fatalf("withDatabase = %q, %v; want %q", got, err, tt.want)
			}
			cfg, err := pgx.ParseConfig(got)
			if err != nil || cfg.Database != "t_1" {
				t.Fatalf("%q parses to database %q (%v)", got, cfg.Database, err)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	tests := []struct {
		name, ci, req string
		want          bool
	}{
		{"neither", "", "", false},
		{"CI=true", "true", "", true},
		{"CI=1", "1", "", true},
		{"CI=false", "false", "", false},
		{"PGTEST_REQUIRE=1", "", "1", true},
		{"garbage is not a yes", "maybe", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("PGTEST_REQUIRE", tt.req)
			if got := Required(); got != tt.want {
				t.Fatalf("Required() = %v, want %v", got, tt.want)
			}
		})
	}
}

// recorder is a testing.TB that records Fatal and Skip instead of ending
// the test.
type recorder struct {
	testing.TB
	fatal, skipped bool
}

func (r *recorder) Helper()             {}
func (r *recorder) Fatal(...any)        { r.fatal = true }
func (r *recorder) Skip(...any)         { r.skipped = true }
func (r *recorder) Name() string        { return "recorder" }
func (r *recorder) Logf(string, ...any) {}

// TestSharedWithoutServer: without binaries a test is skipped, unless a
// server is required (make test, CI), when it fails.
func TestSharedWithoutServer(t *testing.T) {
	saved := shared
	t.Cleanup(func() { shared = saved })
	tests := []struct {
		name      string
		err       error
		require   string
		wantFatal bool
	}{
		{"binaries missing", ErrNoPostgres, "", false},
		{"binaries missing, required", ErrNoPostgres, "1", true},
		{"no TestMain", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", "")
			t.Setenv("PGTEST_REQUIRE", tt.require)
			shared.srv, shared.err = nil, tt.err
			r := &recorder{TB: t}
			if s := Shared(r); s != nil {
				t.Fatal("Shared returned a server")
			}
			if r.fatal != tt.wantFatal || r.skipped == tt.wantFatal {
				t.Fatalf("fatal=%v skipped=%v, want fatal=%v", r.fatal, r.skipped, tt.wantFatal)
			}
		})
	}
}
