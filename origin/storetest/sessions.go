package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

// The session limits the cases use: an access token lives accessLifetime,
// a refresh token lapses after idleLimit unused, a session ends after
// absoluteLimit.
const (
	accessLifetime = 10 * time.Minute
	idleLimit      = time.Hour
	absoluteLimit  = 3 * time.Hour
)

// signIn stores a session of userID, whose password never changed
// (credential version 0), as the issuer does at sign-in; its refresh token
// is "rt-<sid>".
func signIn(t *testing.T, s Store, userID int64, sid string) {
	t.Helper()
	now := s.Clock.Now()
	err := s.Sessions.CreateSession(context.Background(), tokens.NewSession{
		ID: sid, UserID: userID, Scope: origin.DefaultScope, RefreshHash: tokens.HashRefreshToken("rt-" + sid),
		Now: now, IdleExpiresAt: now.Add(idleLimit), ExpiresAt: now.Add(absoluteLimit), AccessExp: now.Add(accessLifetime).Unix(),
	})
	if err != nil {
		t.Fatalf("sign-in %s: %v", sid, err)
	}
}

// rotate exchanges refresh token old for next on s, as a refresh does now.
func rotate(s Store, old, next string) (*tokens.SessionGrant, error) {
	now := s.Clock.Now()
	return s.Sessions.RotateRefreshToken(context.Background(), tokens.Rotation{
		OldHash: tokens.HashRefreshToken(old), NewHash: tokens.HashRefreshToken(next),
		Now: now, Idle: idleLimit, AccessExp: now.Add(accessLifetime).Unix(),
	})
}

// revoked returns every revoked session stored (sid -> exp).
func revoked(t *testing.T, s Store) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	seq, err := s.Edge.RevocationSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Edge.RevokedSessions(ctx, 0, seq, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range list {
		out[r.SID] = r.Exp
	}
	return out
}

// revokedSIDs is revoked as a set.
func revokedSIDs(t *testing.T, s Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for sid := range revoked(t, s) {
		out[sid] = true
	}
	return out
}

func listed(t *testing.T, s Store, userID int64) []string {
	t.Helper()
	list, err := s.Sessions.ListSessions(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if list == nil {
		t.Fatal("ListSessions answered nil, want an empty list")
	}
	var ids []string
	for _, ses := range list {
		ids = append(ids, ses.ID)
	}
	return ids
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, tokens.ErrInvalidRefreshToken) || errors.Is(err, origin.ErrRefreshTokenReused) {
		t.Fatalf("err = %v, want ErrInvalidRefreshToken (not reuse)", err)
	}
}

func wantReuse(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, tokens.ErrInvalidRefreshToken) || !errors.Is(err, origin.ErrRefreshTokenReused) {
		t.Fatalf("err = %v, want reuse (ErrRefreshTokenReused and ErrInvalidRefreshToken)", err)
	}
}

func testSessionLifecycle(t *testing.T, open func(t *testing.T) Store) {
	n := &countingNotifier{}
	s := open(t).withNotifier(n)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")
	v := mustCreateUser(t, s.Users, "v@example.com")
	start := s.Clock.Now()
	signIn(t, s, u.ID, "sid-a")
	list, err := s.Sessions.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions = %v, %v", list, err)
	}
	if got := list[0]; got.ID != "sid-a" || !got.CreatedAt.Equal(start.Truncate(time.Microsecond)) || !got.LastUsedAt.Equal(got.CreatedAt) || got.Current {
		t.Fatalf("session = %+v", got)
	}

	s.Clock.Advance(time.Minute)
	g, err := rotate(s, "rt-sid-a", "rt-a2")
	if err != nil {
		t.Fatal(err)
	}
	now := s.Clock.Now()
	if g.ID != "sid-a" || g.UserID != u.ID || g.Scope != origin.DefaultScope || g.IdleExpiresAt.Unix() != now.Add(idleLimit).Unix() {
		t.Fatalf("grant = %+v", g)
	}
	list, _ = s.Sessions.ListSessions(ctx, u.ID)
	if !list[0].LastUsedAt.Equal(now.Truncate(time.Microsecond)) || !list[0].CreatedAt.Equal(start.Truncate(time.Microsecond)) {
		t.Fatalf("after a refresh: %+v", list[0])
	}
	if n.count() != 0 {
		t.Fatalf("a sign-in and a refresh notified %d times", n.count())
	}

	// Another user's session is not found, exactly like a missing one.
	if got := listed(t, s, v.ID); len(got) != 0 {
		t.Fatalf("v's sessions = %v", got)
	}
	wantCode(t, s.Sessions.EndSession(ctx, v.ID, "sid-a"), origin.ENOTFOUND)
	wantCode(t, s.Sessions.EndSession(ctx, u.ID, "sid-nope"), origin.ENOTFOUND)

	if err := s.Sessions.EndSession(ctx, u.ID, "sid-a"); err != nil {
		t.Fatal(err)
	}
	if n.count() != 1 {
		t.Fatalf("ending notified %d times, want 1", n.count())
	}
	// The revocation lasts as long as the latest access token: the one the
	// refresh issued.
	if exp := revoked(t, s)["sid-a"]; exp != now.Add(accessLifetime).Unix() {
		t.Fatalf("revoked until %d, want %d", exp, now.Add(accessLifetime).Unix())
	}
	if got := listed(t, s, u.ID); len(got) != 0 {
		t.Fatalf("an ended session is listed: %v", got)
	}
	_, err = rotate(s, "rt-a2", "rt-a3")
	wantInvalid(t, err)
	wantCode(t, s.Sessions.EndSession(ctx, u.ID, "sid-a"), origin.ENOTFOUND)
	if err := s.Sessions.EndSessionByID(ctx, "sid-a"); err != nil {
		t.Fatalf("logging out of an ended session: %v", err)
	}
	if err := s.Sessions.EndSessionByID(ctx, "sid-unknown"); err != nil {
		t.Fatalf("logging out of an unknown session: %v", err)
	}
	if n.count() != 1 {
		t.Fatalf("ending nothing notified: %d", n.count())
	}
}

func testRefreshLimits(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")

	_, err := rotate(s, "rt-never-issued", "x")
	wantInvalid(t, err)

	// Idle: unused for idleLimit, the refresh token lapses.
	signIn(t, s, u.ID, "sid-idle")
	s.Clock.Advance(idleLimit)
	_, err = rotate(s, "rt-sid-idle", "rt-idle2")
	wantInvalid(t, err)
	_, err = rotate(s, "rt-sid-idle", "rt-idle3") // it was not rotated: still not reuse
	wantInvalid(t, err)

	// Absolute: refreshed in time, the session still ends at absoluteLimit,
	// and the refresh token's idle limit is capped by it.
	signIn(t, s, u.ID, "sid-abs")
	end := s.Clock.Now().Add(absoluteLimit)
	tok := "rt-sid-abs"
	for i := 0; ; i++ {
		s.Clock.Advance(50 * time.Minute)
		next := fmt.Sprintf("rt-abs-%d", i)
		g, err := rotate(s, tok, next)
		if !s.Clock.Now().Before(end) {
			wantInvalid(t, err)
			break
		}
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if want := min(s.Clock.Now().Add(idleLimit).Unix(), end.Unix()); g.IdleExpiresAt.Unix() != want {
			t.Fatalf("refresh %d: lapses at %d, want %d", i, g.IdleExpiresAt.Unix(), want)
		}
		tok = next
	}

	// A session whose refresh token lapsed is listed while its last access
	// token lives (it can still be ended), then not.
	now := s.Clock.Now()
	if err := s.Sessions.CreateSession(ctx, tokens.NewSession{
		ID: "sid-lapsing", UserID: u.ID, Scope: origin.DefaultScope, RefreshHash: tokens.HashRefreshToken("rt-lapsing"),
		Now: now, IdleExpiresAt: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour), AccessExp: now.Add(accessLifetime).Unix(),
	}); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(2 * time.Minute)
	if got := listed(t, s, u.ID); !slices.Equal(got, []string{"sid-lapsing"}) {
		t.Fatalf("listed = %v, want the lapsed session with a live access token", got)
	}
	s.Clock.Advance(accessLifetime)
	if got := listed(t, s, u.ID); len(got) != 0 {
		t.Fatalf("listed = %v, want none", got)
	}
}

func testRefreshReuseEndsSession(t *testing.T, open func(t *testing.T) Store) {
	n := &countingNotifier{}
	s := open(t).withNotifier(n)
	u := mustCreateUser(t, s.Users, "u@example.com")
	signIn(t, s, u.ID, "sid-r")
	signIn(t, s, u.ID, "sid-keep")
	s.Clock.Advance(time.Minute)
	if _, err := rotate(s, "rt-sid-r", "rt-r2"); err != nil {
		t.Fatal(err)
	}
	issued := s.Clock.Now().Add(accessLifetime).Unix() // the exp of the access token that refresh issued
	s.Clock.Advance(time.Minute)

	_, err := rotate(s, "rt-sid-r", "rt-r3") // the old token again: stolen, or a client bug
	wantReuse(t, err)
	if n.count() != 1 {
		t.Fatalf("reuse notified %d times, want 1 (the session's revocation in force)", n.count())
	}
	if exp := revoked(t, s)["sid-r"]; exp != issued {
		t.Fatalf("revoked until %d, want %d (the latest access token of the session)", exp, issued)
	}
	// The whole session ended: its current refresh token too.
	_, err = rotate(s, "rt-r2", "rt-r4")
	wantInvalid(t, err)
	if got := listed(t, s, u.ID); !slices.Equal(got, []string{"sid-keep"}) {
		t.Fatalf("listed = %v, want only the other session", got)
	}
	// Presenting it again is still reuse, but there is nothing left to end.
	_, err = rotate(s, "rt-sid-r", "rt-r5")
	wantReuse(t, err)
	if n.count() != 1 {
		t.Fatalf("a reuse on an ended session notified again: %d", n.count())
	}
	// The user's other session is untouched.
	if _, err := rotate(s, "rt-sid-keep", "rt-keep2"); err != nil {
		t.Fatal(err)
	}
}

// testRefreshRace: refreshes of one token racing on two handles (two
// replicas): exactly one wins, every other is reuse, and the session ends,
// the winner's new access token included.
func testRefreshRace(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	other := s.Reopen(t, nil)
	u := mustCreateUser(t, s.Users, "u@example.com")
	const racers = 8
	for round := range 4 {
		sid := fmt.Sprintf("sid-race-%d", round)
		signIn(t, s, u.ID, sid)
		exp := s.Clock.Now().Add(accessLifetime).Unix()
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, racers)
		for i := range racers {
			h := s
			if i%2 == 1 {
				h = other
			}
			wg.Go(func() {
				<-start
				_, errs[i] = rotate(h, "rt-"+sid, fmt.Sprintf("rt-%s-next-%d", sid, i))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: racers %d and %d both refreshed", round, winner, i)
			case err == nil:
				winner = i
			default:
				wantReuse(t, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no racer won: %v", round, errs)
		}
		if got := revoked(t, s)[sid]; got < exp {
			t.Fatalf("round %d: revoked until %d, want at least %d", round, got, exp)
		}
		_, err := rotate(s, fmt.Sprintf("rt-%s-next-%d", sid, winner), "rt-after")
		wantInvalid(t, err)
	}
}

// testConcurrentRefreshesOfManySessions: refreshes of different sessions,
// on two handles at once, all succeed.
func testConcurrentRefreshesOfManySessions(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	other := s.Reopen(t, nil)
	u := mustCreateUser(t, s.Users, "u@example.com")
	const sessions, each = 12, 5
	for i := range sessions {
		signIn(t, s, u.ID, fmt.Sprintf("sid-%d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions*each)
	for i := range sessions {
		wg.Go(func() {
			tok := fmt.Sprintf("rt-sid-%d", i)
			for j := range each {
				h := s
				if (i+j)%2 == 1 {
					h = other
				}
				next := fmt.Sprintf("rt-%d-%d", i, j)
				if _, err := rotate(h, tok, next); err != nil {
					errs <- fmt.Errorf("session %d, refresh %d: %w", i, j, err)
					return
				}
				tok = next
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := revoked(t, s); len(got) != 0 {
		t.Fatalf("refreshes revoked sessions: %v", got)
	}
}

func testPasswordChangeEndsOtherSessions(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")
	v := mustCreateUser(t, s.Users, "v@example.com")
	for _, sid := range []string{"sid-1", "sid-2", "sid-3"} {
		signIn(t, s, u.ID, sid)
		s.Clock.Advance(time.Millisecond)
	}
	signIn(t, s, v.ID, "sid-v")
	pw := "another pass"
	cur := "correct horse"
	if _, err := s.Users.UpdateUser(ctx, u.ID, origin.UserUpdate{Password: &pw, CurrentPassword: &cur, KeepSession: "sid-2"}); err != nil {
		t.Fatal(err)
	}
	if got := revokedSIDs(t, s); len(got) != 2 || !got["sid-1"] || !got["sid-3"] {
		t.Fatalf("revoked = %v, want sid-1 and sid-3", got)
	}
	if got := listed(t, s, u.ID); !slices.Equal(got, []string{"sid-2"}) {
		t.Fatalf("listed = %v, want the caller's session alone", got)
	}
	_, err := rotate(s, "rt-sid-1", "x1")
	wantInvalid(t, err)
	if _, err := rotate(s, "rt-sid-2", "rt-2b"); err != nil {
		t.Fatalf("the caller's session: %v", err)
	}
	if _, err := rotate(s, "rt-sid-v", "rt-vb"); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	// Without a session to keep (security off), all of them end.
	if _, err := s.Users.UpdateUser(ctx, u.ID, origin.UserUpdate{Password: &pw, CurrentPassword: &pw}); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, s, u.ID); len(got) != 0 {
		t.Fatalf("listed = %v, want none", got)
	}
	if !revokedSIDs(t, s)["sid-2"] || revokedSIDs(t, s)["sid-v"] {
		t.Fatalf("revoked = %v", revokedSIDs(t, s))
	}
}

func testDeleteUserEndsSessions(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")
	signIn(t, s, u.ID, "sid-1")
	if _, err := rotate(s, "rt-sid-1", "rt-1b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Users.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	// The sessions went with the account; the cutoff refuses their access
	// tokens (one entry for all of them).
	for _, tok := range []string{"rt-1b", "rt-sid-1"} {
		_, err := rotate(s, tok, "x-"+tok)
		wantInvalid(t, err)
	}
	if s.Count(t, "sessions") != 0 || s.Count(t, "refresh_tokens") != 0 {
		t.Fatalf("%d sessions and %d refresh tokens left", s.Count(t, "sessions"), s.Count(t, "refresh_tokens"))
	}
	if cutoff, _ := s.Edge.SubjectValidAfter(ctx, u.Subject()); cutoff != s.Clock.Now().Unix()+1 {
		t.Fatalf("cutoff = %d", cutoff)
	}
}

// testSessionCapAndPruning: a user holds at most MaxSessionsPerUser
// renewable sessions (a sign-in beyond ends the oldest, revoked like a
// logout), and dead sessions are deleted by later sign-ins once their
// access tokens have all expired.
func testSessionCapAndPruning(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	u := mustCreateUser(t, s.Users, "u@example.com")
	total := sqlstore.MaxSessionsPerUser + 2
	for i := range total {
		signIn(t, s, u.ID, fmt.Sprintf("sid-%03d", i))
		s.Clock.Advance(time.Millisecond)
	}
	got := listed(t, s, u.ID)
	if len(got) != sqlstore.MaxSessionsPerUser || slices.Contains(got, "sid-000") || slices.Contains(got, "sid-001") {
		t.Fatalf("%d sessions listed (oldest %s), want the newest %d", len(got), got[len(got)-1], sqlstore.MaxSessionsPerUser)
	}
	if r := revokedSIDs(t, s); len(r) != 2 || !r["sid-000"] || !r["sid-001"] {
		t.Fatalf("revoked = %v, want the two oldest", r)
	}
	_, err := rotate(s, "rt-sid-000", "x")
	wantInvalid(t, err)

	// Every session lapses (idle) and every access token expires; each
	// sign-in then deletes a batch of the dead.
	s.Clock.Advance(idleLimit + RetireAfter + time.Second)
	before := s.Count(t, "sessions")
	for i := range 3 {
		signIn(t, s, u.ID, fmt.Sprintf("sid-new-%d", i))
	}
	if after := s.Count(t, "sessions"); after != 3 || s.Count(t, "refresh_tokens") != 3 {
		t.Fatalf("sessions: %d before, %d after three sign-ins (%d refresh tokens); want the three new ones",
			before, after, s.Count(t, "refresh_tokens"))
	}
}

// testRevocationSeq: entries are numbered in commit order across handles,
// read by range, pruned once long expired, and not written for a session
// whose access tokens have all expired.
func testRevocationSeq(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	other := s.Reopen(t, nil)
	ctx := context.Background()
	u := mustCreateUser(t, s.Users, "u@example.com")
	sids := []string{"b", "A", "a", "c"} // byte order: A < a < b < c
	for _, sid := range sids {
		signIn(t, s, u.ID, sid)
	}
	var seqs []int64
	for i, sid := range sids {
		h := s
		if i%2 == 1 {
			h = other
		}
		if err := h.Sessions.EndSessionByID(ctx, sid); err != nil {
			t.Fatal(err)
		}
		seq, err := s.Edge.RevocationSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq went from %d to %d", seqs[len(seqs)-1], seq)
		}
		seqs = append(seqs, seq)
	}
	exp := s.Clock.Now().Add(accessLifetime).Unix()
	window, err := other.Edge.RevokedSessions(ctx, seqs[0], seqs[2], time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		SID string
		Exp int64
	}{{"A", exp}, {"a", exp}}
	if len(window) != 2 || window[0].SID != want[0].SID || window[1].SID != want[1].SID || window[0].Exp != exp {
		t.Fatalf("entries in (%d, %d] = %+v, want %+v", seqs[0], seqs[2], window, want)
	}
	all, _ := s.Edge.RevokedSessions(ctx, 0, math.MaxInt64, time.Unix(0, 0))
	if len(all) != 4 || all[0].SID != "A" || all[3].SID != "c" {
		t.Fatalf("all entries = %+v, want 4 in byte order", all)
	}
	if live, _ := s.Edge.RevokedSessions(ctx, 0, math.MaxInt64, time.Unix(exp, 0)); len(live) != 0 {
		t.Fatalf("entries with exp after %d = %+v, want none", exp, live)
	}

	// Long after every access token expired: ending a session that issued
	// none still alive records nothing, and the next entry prunes the old.
	signIn(t, s, u.ID, "late")
	s.Clock.Advance(accessLifetime + RetireAfter + time.Second)
	seq0, _ := s.Edge.RevocationSeq(ctx)
	if err := s.Sessions.EndSessionByID(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.Edge.RevocationSeq(ctx); seq != seq0 {
		t.Fatalf("a session with no live access token moved the seq %d -> %d", seq0, seq)
	}
	signIn(t, s, u.ID, "now")
	if err := s.Sessions.EndSessionByID(ctx, "now"); err != nil {
		t.Fatal(err)
	}
	if got := revokedSIDs(t, s); len(got) != 1 || !got["now"] {
		t.Fatalf("entries = %v, want the old ones pruned and the new one kept", got)
	}
}
