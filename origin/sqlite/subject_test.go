package sqlite

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
)

func TestRevocations(t *testing.T) {
	db, clk, _ := openTest(t, Options{RetireAfter: time.Hour})
	ctx := context.Background()
	now := clk.Now()
	v0, err := db.ChangeVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		jti string
		exp time.Time
	}{
		{"b-live", now.Add(time.Hour)},
		{"a-live", now.Add(time.Minute)},
		{"expired", now.Add(-time.Minute)},
		{"ancient", now.Add(-2 * time.Hour)}, // pruned: older than RetireAfter
	} {
		if err := db.Revoke(ctx, r.jti, r.exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Revoke(ctx, "a-live", now.Add(time.Minute)); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	v1, _ := db.ChangeVersion(ctx)
	if v1 <= v0 {
		t.Fatalf("change version did not move: %d -> %d", v0, v1)
	}
	got, err := db.Revocations(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].JTI != "a-live" || got[1].JTI != "b-live" || got[0].Exp != now.Add(time.Minute).Unix() {
		t.Fatalf("live revocations = %+v, want a-live, b-live sorted", got)
	}
	all, _ := db.Revocations(ctx, time.Unix(0, 0))
	if len(all) != 3 {
		t.Fatalf("stored revocations = %+v, want the ancient one pruned", all)
	}
}

func TestSubjectsValidAfter(t *testing.T) {
	db, clk, _ := openTest(t, Options{})
	us := NewUserService(db)
	ctx := context.Background()
	old := mustCreateUser(t, us, "old@example.com")
	pw := "new password"
	if _, err := us.UpdateUser(ctx, old.ID, origin.UserUpdate{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	oldCut := clk.Now().Unix() + 1
	clk.Advance(2 * time.Hour)
	recent := mustCreateUser(t, us, "recent@example.com")
	v0, _ := db.ChangeVersion(ctx)
	if err := us.DeleteUser(ctx, recent.ID); err != nil {
		t.Fatal(err)
	}
	if v1, _ := db.ChangeVersion(ctx); v1 == v0 {
		t.Fatal("deletion did not move the change version")
	}
	recentCut := clk.Now().Unix() + 1

	all, err := db.SubjectsValidAfter(ctx, time.Unix(0, 0))
	if err != nil || len(all) != 2 || all[old.Subject()] != oldCut || all[recent.Subject()] != recentCut {
		t.Fatalf("all cutoffs = %v, %v", all, err)
	}
	relevant, err := db.SubjectsValidAfter(ctx, clk.Now().Add(-time.Hour))
	if err != nil || len(relevant) != 1 || relevant[recent.Subject()] != recentCut {
		t.Fatalf("relevant cutoffs = %v, %v", relevant, err)
	}
	if v, err := db.SubjectValidAfter(ctx, "users/777"); err != nil || v != 0 {
		t.Fatalf("unknown subject cutoff = %d, %v", v, err)
	}
}

func TestOpenRefusesMemoryAndURIs(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if _, err := Open(context.Background(), p, Options{}); err != ErrNoPath {
			t.Errorf("Open(%q) err = %v, want ErrNoPath", p, err)
		}
	}
}

func TestOpenEscapesPath(t *testing.T) {
	// A '?' in a folder name must not become URI parameters.
	path := t.TempDir() + "/we?ird#dir%/x.db"
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the literal path: %v", err)
	}
	var mode string
	if err := db.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := db.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
}
