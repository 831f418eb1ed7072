package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
)

func testRevocations(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	db := s.Edge
	ctx := context.Background()
	now := s.Clock.Now()
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
		{"B-live", now.Add(time.Minute)}, // byte order: "B" < "a"
		{"expired", now.Add(-time.Minute)},
		{"ancient", now.Add(-RetireAfter - time.Hour)}, // pruned: older than RetireAfter
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
	if len(got) != 3 || got[0].JTI != "B-live" || got[1].JTI != "a-live" || got[2].JTI != "b-live" || got[1].Exp != now.Add(time.Minute).Unix() {
		t.Fatalf("live revocations = %+v, want B-live, a-live, b-live (byte order)", got)
	}
	all, _ := db.Revocations(ctx, time.Unix(0, 0))
	if len(all) != 4 {
		t.Fatalf("stored revocations = %+v, want the ancient one pruned", all)
	}
	// Another handle (another replica) sees the same.
	other, err := s.Reopen(t, nil).Edge.Revocations(ctx, now)
	if err != nil || len(other) != 3 {
		t.Fatalf("revocations seen by another handle = %+v, %v", other, err)
	}
}

func testSubjectsValidAfter(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	us, db, clk := s.Users, s.Edge, s.Clock
	ctx := context.Background()
	old := mustCreateUser(t, us, "old@example.com")
	if err := us.DeleteUser(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	oldCut := clk.Now().Unix() + 1
	clk.Advance(2 * time.Hour)
	recent := mustCreateUser(t, us, "recent@example.com")
	v0, _ := db.ChangeVersion(ctx)
	seq0, _ := db.RevocationSeq(ctx)
	if err := us.DeleteUser(ctx, recent.ID); err != nil {
		t.Fatal(err)
	}
	// A cutoff is revocation state: it moves the revocation seq, and not
	// the keys' version (which would make every replica rebuild).
	v1, _ := db.ChangeVersion(ctx)
	seq1, _ := db.RevocationSeq(ctx)
	if v1 != v0 || seq1 <= seq0 {
		t.Fatalf("deletion: version %d -> %d, seq %d -> %d; want the seq alone to move", v0, v1, seq0, seq1)
	}
	recentCut := clk.Now().Unix() + 1

	all, err := db.SubjectsValidAfter(ctx, 0, seq1, time.Unix(0, 0))
	if err != nil || len(all) != 2 || all[old.Subject()] != oldCut || all[recent.Subject()] != recentCut {
		t.Fatalf("all cutoffs = %v, %v", all, err)
	}
	relevant, err := db.SubjectsValidAfter(ctx, 0, seq1, clk.Now().Add(-time.Hour))
	if err != nil || len(relevant) != 1 || relevant[recent.Subject()] != recentCut {
		t.Fatalf("relevant cutoffs = %v, %v", relevant, err)
	}
	// Just the change after seq0.
	if since, err := db.SubjectsValidAfter(ctx, seq0, seq1, time.Unix(0, 0)); err != nil || len(since) != 1 || since[recent.Subject()] != recentCut {
		t.Fatalf("cutoffs after seq %d = %v, %v", seq0, since, err)
	}
	if none, err := db.SubjectsValidAfter(ctx, seq1, seq1, time.Unix(0, 0)); err != nil || len(none) != 0 {
		t.Fatalf("cutoffs after the latest seq = %v, %v", none, err)
	}
	if v, err := db.SubjectValidAfter(ctx, "users/777"); err != nil || v != 0 {
		t.Fatalf("unknown subject cutoff = %d, %v", v, err)
	}
}

// testChangeVersion: the keys' counter moves on every change of keys (and
// jti revocations), made through any handle, and only on those; the
// revocation seq on every change of the revocation state.
func testChangeVersion(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	other := s.Reopen(t, nil)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")
	signIn(t, s, u.ID, "sid-1")
	signIn(t, s, u.ID, "sid-2")
	pw, cur, name := "another pass", "correct horse", "New"
	steps := []struct {
		name            string
		do              func() error
		moves, seqMoves bool
	}{
		{"create a todo", func() error {
			_, err := s.Todos.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "t"})
			return err
		}, false, false},
		{"rename a user", func() error {
			_, err := s.Users.UpdateUser(ctx, u.ID, origin.UserUpdate{Name: &name})
			return err
		}, false, false},
		{"sign in", func() error { signIn(t, s, u.ID, "sid-3"); return nil }, false, false},
		{"first key", func() error { _, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA); return err }, true, false},
		{"rotate on the other handle", func() error { _, err := other.Keys.RotateKey(ctx, origin.AlgEdDSA); return err }, true, false},
		{"revoke a jti on the other handle", func() error { return other.Edge.Revoke(ctx, "jti-1", s.Clock.Now().Add(time.Hour)) }, true, false},
		{"log out on the other handle", func() error { return other.Sessions.EndSessionByID(ctx, "sid-1") }, false, true},
		{"log out of an ended session", func() error { return s.Sessions.EndSessionByID(ctx, "sid-1") }, false, false},
		{"password change", func() error {
			_, err := s.Users.UpdateUser(ctx, u.ID, origin.UserUpdate{Password: &pw, CurrentPassword: &cur, KeepSession: "sid-3"})
			return err
		}, false, true},
		{"delete the user", func() error { return s.Users.DeleteUser(ctx, u.ID) }, false, true},
	}
	prev, err := s.Edge.ChangeVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prevSeq, err := s.Edge.RevocationSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		v, err := s.Edge.ChangeVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seq, err := s.Edge.RevocationSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if moved := v != prev; moved != st.moves {
			t.Fatalf("%s: version %d -> %d; want moved=%v", st.name, prev, v, st.moves)
		}
		if moved := seq != prevSeq; moved != st.seqMoves || seq < prevSeq {
			t.Fatalf("%s: revocation seq %d -> %d; want moved=%v", st.name, prevSeq, seq, st.seqMoves)
		}
		ov, _ := other.Edge.ChangeVersion(ctx)
		oseq, _ := other.Edge.RevocationSeq(ctx)
		if ov != v || oseq != seq {
			t.Fatalf("%s: the other handle reads %d/%d, this one %d/%d", st.name, ov, oseq, v, seq)
		}
		prev, prevSeq = v, seq
	}
}
