package migrations

import (
	"context"
	"errors"
	"path"
	"strings"
	"testing"
	"time"
)

// TestDialectsInStep keeps the promise of the package: every schema change
// exists in every dialect, under the same version.
func TestDialectsInStep(t *testing.T) {
	lite, err := List(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := List(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version {
			t.Fatalf("migration %d: sqlite %s, postgres %s", i, lite[i].Version, pg[i].Version)
		}
		if !strings.HasPrefix(lite[i].Version, "migrations/") || path.Ext(lite[i].Version) != ".sql" {
			t.Fatalf("version %q is not migrations/<file>.sql", lite[i].Version)
		}
		if strings.TrimSpace(lite[i].SQL) == "" || strings.TrimSpace(pg[i].SQL) == "" {
			t.Fatalf("%s is empty", lite[i].Version)
		}
	}
	if _, err := List(Dialect{}); !errors.Is(err, ErrNoDialect) {
		t.Fatalf("List(zero) err = %v", err)
	}
}

// fakeTx records statements; applied versions are kept in a map.
type fakeTx struct {
	db   *fakeDB
	fail string // a statement containing this fails
}

type fakeDB struct {
	applied map[string]bool
	execs   []string
	txs     int
}

func (t fakeTx) Exec(_ context.Context, q string, args ...any) error {
	if t.fail != "" && strings.Contains(q, t.fail) {
		return errors.New("boom")
	}
	t.db.execs = append(t.db.execs, q)
	if strings.HasPrefix(q, "INSERT INTO schema_migrations") {
		t.db.applied[args[0].(string)] = true
	}
	return nil
}

func (t fakeTx) QueryInt(_ context.Context, _ string, args ...any) (int64, error) {
	if t.db.applied[args[0].(string)] {
		return 1, nil
	}
	return 0, nil
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	all, _ := List(SQLite)
	tests := []struct {
		name        string
		applied     []string
		fail        string
		wantApplied int
		wantErr     bool
	}{
		{"empty database", nil, "", len(all), false},
		{"up to date", []string{all[len(all)-1].Version}, "", len(all) - 1, false},
		{"failing migration", nil, "CREATE TABLE users", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &fakeDB{applied: map[string]bool{}}
			for _, v := range tt.applied {
				db.applied[v] = true
			}
			inTx := func(ctx context.Context, fn func(Tx) error) error {
				db.txs++
				return fn(fakeTx{db: db, fail: tt.fail})
			}
			got, err := Run(ctx, SQLite, inTx, func() time.Time { return time.Unix(1, 0) })
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(got) != tt.wantApplied {
				t.Fatalf("applied %v, want %d", got, tt.wantApplied)
			}
			if !tt.wantErr && db.txs != len(all) {
				t.Fatalf("%d transactions, want one per migration (%d)", db.txs, len(all))
			}
			for _, v := range got {
				if !db.applied[v] {
					t.Fatalf("%s applied but not recorded", v)
				}
			}
		})
	}
}
