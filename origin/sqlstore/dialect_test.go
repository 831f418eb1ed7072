package sqlstore

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin/migrations"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no placeholder", `SELECT version FROM edge_version WHERE id = 1`, `SELECT version FROM edge_version WHERE id = 1`},
		{"empty", ``, ``},
		{"one", `SELECT 1 WHERE a = ?`, `SELECT 1 WHERE a = $1`},
		{"in order", `VALUES (?, ?, ?)`, `VALUES ($1, $2, $3)`},
		{"adjacent", `??`, `$1$2`},
		{"first and last byte", `?x?`, `$1x$2`},
		{"ten and more", strings.Repeat("?,", 11), "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,"},
		{"numbered left alone", `a = $1 AND b = ?`, `a = $1 AND b = $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rebind(tt.in); got != tt.want {
				t.Fatalf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzRebind checks Rebind against splitting at every '?' and joining the
// pieces with $1, $2, ...: nothing but the placeholders may change.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"", "?", "a = ? AND b = ?", "??$1?", "é?\x00?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		parts := strings.Split(in, "?")
		var want strings.Builder
		for i, p := range parts {
			if i > 0 {
				want.WriteString("$" + strconv.Itoa(i))
			}
			want.WriteString(p)
		}
		if got := Rebind(in); got != want.String() {
			t.Fatalf("Rebind(%q) = %q, want %q", in, got, want.String())
		}
	})
}

func TestNewRefusesIncompleteDialects(t *testing.T) {
	full := Dialect{
		Name: "test", Migrations: migrations.SQLite, KeySeq: "rowid",
		IsUniqueViolation: func(error) bool { return false }, IsForeignKeyViolation: func(error) bool { return false },
	}
	tests := []struct {
		name   string
		change func(d *Dialect)
	}{
		{"no name", func(d *Dialect) { d.Name = "" }},
		{"no migrations", func(d *Dialect) { d.Migrations = migrations.Dialect{} }},
		{"no unique violation test", func(d *Dialect) { d.IsUniqueViolation = nil }},
		{"no foreign key violation test", func(d *Dialect) { d.IsForeignKeyViolation = nil }},
		{"no key order", func(d *Dialect) { d.KeySeq = "" }},
	}
	db := &sql.DB{} // never used: New must refuse before
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := full
			tt.change(&d)
			if _, err := New(d, db, db, Options{}); !errors.Is(err, ErrBadDialect) {
				t.Fatalf("New err = %v, want ErrBadDialect", err)
			}
			if err := Migrate(t.Context(), d, db, nil); !errors.Is(err, ErrBadDialect) {
				t.Fatalf("Migrate err = %v, want ErrBadDialect", err)
			}
		})
	}
	if _, err := New(full, nil, db, Options{}); !errors.Is(err, ErrNoHandle) {
		t.Fatalf("New without a writer: err = %v, want ErrNoHandle", err)
	}
	if s, err := New(full, db, db, Options{}); err != nil || s.opts.Now == nil || s.opts.Sealer == nil || s.opts.RetireAfter != DefaultRetireAfter {
		t.Fatalf("New(full) = %+v, %v; want defaults filled", s, err)
	}
}

// BenchmarkRebind is PostgreSQL's per-statement cost of the shared '?'
// statements.
func BenchmarkRebind(b *testing.B) {
	q := `SELECT id, user_id, title, completed, created_at, updated_at FROM todos WHERE user_id = ?
			AND (created_at, id) < (?, ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`
	b.ReportAllocs()
	for b.Loop() {
		_ = Rebind(q)
	}
}
