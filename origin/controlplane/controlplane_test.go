package controlplane_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// sink is an auth step that keeps the Config in force the way the module
// does: Configure replaces it, Update merges into it. It records every
// document it took.
type sink struct {
	mu        sync.Mutex
	configs   [][]byte
	updates   [][]byte
	inForce   edgeauth.Config
	err       error // Configure fails with it
	updateErr error // Update fails with it
}

func (s *sink) Configure(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	var c edgeauth.Config
	if err := strictDecode(b, &c); err != nil {
		return err
	}
	s.configs = append(s.configs, bytes.Clone(b))
	s.inForce = c
	return nil
}

func (s *sink) Update(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.updateErr != nil {
		return s.updateErr
	}
	var u edgeauth.ConfigUpdate
	if err := strictDecode(b, &u); err != nil {
		return err
	}
	if len(u.Revoked)+len(u.RevokedSessions)+len(u.SubjectsValidAfter) == 0 {
		return errors.New("an empty update")
	}
	s.updates = append(s.updates, bytes.Clone(b))
	s.inForce.Revoked = append(s.inForce.Revoked, u.Revoked...)
	s.inForce.RevokedSessions = append(s.inForce.RevokedSessions, u.RevokedSessions...)
	for sub, v := range u.SubjectsValidAfter {
		if s.inForce.SubjectsValidAfter == nil {
			s.inForce.SubjectsValidAfter = map[string]int64{}
		}
		s.inForce.SubjectsValidAfter[sub] = max(s.inForce.SubjectsValidAfter[sub], v)
	}
	return nil
}

func (s *sink) set(configureErr, updateErr error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.updateErr = configureErr, updateErr
}

// revokes reports whether the Config in force refuses tokens of sid.
func (s *sink) revokes(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.inForce.RevokedSessions, func(r edgeauth.SessionRevocation) bool { return r.SID == sid })
}

func (s *sink) current() edgeauth.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inForce
}

func (s *sink) counts() (configures, updates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.configs), len(s.updates)
}

func (s *sink) lastUpdate(t *testing.T) edgeauth.ConfigUpdate {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.updates) == 0 {
		t.Fatal("no update pushed")
	}
	var u edgeauth.ConfigUpdate
	if err := strictDecode(s.updates[len(s.updates)-1], &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func strictDecode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("document does not decode strictly: %w\n%s", err, b)
	}
	return nil
}

func decode(t testing.TB, b []byte) edgeauth.Config {
	t.Helper()
	var c edgeauth.Config
	if err := strictDecode(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

type fixture struct {
	clk      *clock
	path     string
	db       *sqlite.DB
	keys     *sqlstore.KeyService
	users    *sqlstore.UserService
	sessions *sqlstore.SessionService
	sink     *sink
	cp       *controlplane.ControlPlane
}

const lifetime = 10 * time.Minute

func newFixture(t testing.TB, alg string, opts ...func(*controlplane.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clk: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, sink: &sink{}}
	f.path = filepath.Join(t.TempDir(), "origin.db")
	var err error
	f.db, err = sqlite.Open(ctx, f.path, sqlite.Options{Now: f.clk.Now, BcryptCost: bcrypt.MinCost, RetireAfter: lifetime + 30*time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	// The first key exists before the control plane's first build, which
	// reads it: nothing to notify yet.
	if _, _, err := sqlstore.NewKeyService(f.db.Store, nil).EnsureActiveKey(ctx, alg); err != nil {
		t.Fatal(err)
	}
	o := controlplane.Options{
		Store: f.db, Sink: f.sink,
		Issuer: "https://origin.test", Audiences: []string{"todos"}, Realm: "todos",
		Leeway: 30 * time.Second, TokenLifetime: lifetime, PollInterval: 10 * time.Millisecond,
		Now: f.clk.Now,
	}
	for _, mod := range opts {
		mod(&o)
	}
	f.cp, err = controlplane.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	f.keys = sqlstore.NewKeyService(f.db.Store, f.cp)
	f.users = sqlstore.NewUserService(f.db.Store, f.cp)
	f.sessions = sqlstore.NewSessionService(f.db.Store, f.cp)
	return f
}

// signIn stores a session of user with an access token expiring a
// lifetime from now, as the issuer would.
func (f *fixture) signIn(t testing.TB, userID int64, sid string) {
	t.Helper()
	now := f.clk.Now()
	err := f.sessions.CreateSession(context.Background(), tokens.NewSession{
		ID: sid, UserID: userID, Scope: origin.DefaultScope, RefreshHash: tokens.HashRefreshToken("refresh-" + sid),
		Now: now, IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour), AccessExp: now.Add(lifetime).Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) user(t testing.TB, email string) *origin.User {
	t.Helper()
	u, err := f.users.CreateUser(context.Background(), origin.NewUser{Email: email, Password: "password1", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDocuments(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	gone := f.user(t, "gone@example.com")
	if err := f.users.DeleteUser(ctx, gone.ID); err != nil { // refreshes through the notifier
		t.Fatal(err)
	}
	u := f.user(t, "a@example.com")
	f.signIn(t, u.ID, "sid-1")
	if err := f.sessions.EndSessionByID(ctx, "sid-1"); err != nil {
		t.Fatal(err)
	}
	now := f.clk.Now()
	active, _ := f.keys.ActiveKey(ctx)

	doc := f.cp.Current()
	public := decode(t, doc.Config)
	body, etag, err := f.cp.FullConfig()
	if err != nil {
		t.Fatal(err)
	}
	full := decode(t, body)
	for name, cfg := range map[string]edgeauth.Config{"public": public, "full": full} {
		if cfg.Issuer != "https://origin.test" || !slices.Equal(cfg.Audiences, []string{"todos"}) || cfg.Realm != "todos" {
			t.Errorf("%s identity = %q %v %q", name, cfg.Issuer, cfg.Audiences, cfg.Realm)
		}
		if !slices.Equal(cfg.Algorithms, []string{"EdDSA"}) || cfg.LeewaySeconds == nil || *cfg.LeewaySeconds != 30 || cfg.MaxLifetimeSeconds != 600 {
			t.Errorf("%s algorithms %v, leeway %v, max lifetime %d", name, cfg.Algorithms, cfg.LeewaySeconds, cfg.MaxLifetimeSeconds)
		}
		if len(cfg.Keys.Keys) != 1 || cfg.Keys.Keys[0] != active.JWK() || cfg.Keys.Keys[0].K != "" {
			t.Errorf("%s keys = %+v, want the active public key", name, cfg.Keys.Keys)
		}
		if public, routes := origin.PublishedRoutes(); !slices.Equal(cfg.Public, public) || len(cfg.Routes) != len(routes) || cfg.Default != origin.DefaultRoute {
			t.Errorf("%s routes: public %v, rules %d, default %q", name, cfg.Public, len(cfg.Routes), cfg.Default)
		}
	}
	// The public subset tells nobody which users exist or who logged out.
	if public.Revoked != nil || public.RevokedSessions != nil || public.SubjectsValidAfter != nil ||
		strings.Contains(string(doc.Config), `"`+gone.Subject()+`"`) || strings.Contains(string(doc.Config), "sid-1") {
		t.Errorf("the public config holds revocations: %s", doc.Config)
	}
	if !slices.Equal(full.RevokedSessions, []edgeauth.SessionRevocation{{SID: "sid-1", Exp: now.Add(lifetime).Unix()}}) {
		t.Errorf("revoked_sessions = %+v", full.RevokedSessions)
	}
	if len(full.SubjectsValidAfter) != 1 || full.SubjectsValidAfter[gone.Subject()] != now.Unix()+1 {
		t.Errorf("subjects_valid_after = %v", full.SubjectsValidAfter)
	}
	if again, etag2, _ := f.cp.FullConfig(); &again[0] != &body[0] || etag2 != etag {
		t.Error("an unchanged state was rendered again")
	}
	var jwks edgeauth.JWKS
	if err := json.Unmarshal(doc.JWKS, &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0] != active.JWK() {
		t.Errorf("jwks = %s (%v)", doc.JWKS, err)
	}
	// The auth step decides from what the full document says.
	inForce := f.sink.current()
	if !slices.Equal(inForce.RevokedSessions, full.RevokedSessions) || inForce.SubjectsValidAfter[gone.Subject()] != full.SubjectsValidAfter[gone.Subject()] {
		t.Errorf("in force: %+v / %v", inForce.RevokedSessions, inForce.SubjectsValidAfter)
	}
	if strings.Contains(string(body), `"d"`) || strings.Contains(string(doc.Config), `"d"`) {
		t.Error("a private key member leaked")
	}
}

func TestHS256SecretNeverPublished(t *testing.T) {
	f := newFixture(t, origin.AlgHS256)
	doc := f.cp.Current()
	full, _, err := f.cp.FullConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{doc.Config, doc.JWKS, full} {
		if strings.Contains(string(b), `"k"`) || strings.Contains(string(b), `"oct"`) {
			t.Fatalf("HS256 secret published: %s", b)
		}
	}
	private := f.sink.current()
	if len(private.Keys.Keys) != 1 || private.Keys.Keys[0].Kty != "oct" || private.Keys.Keys[0].K == "" || !slices.Equal(private.Algorithms, []string{"HS256"}) {
		t.Fatalf("auth step config lacks the HS256 key: %+v", private)
	}
	// After a rotation to EdDSA, the published documents hold only the new
	// public key, while the auth step still verifies the old HS256 tokens.
	if _, err := f.keys.RotateKey(context.Background(), origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	published := decode(t, f.cp.Current().Config)
	if len(published.Keys.Keys) != 1 || published.Keys.Keys[0].Alg != "EdDSA" {
		t.Fatalf("published keys = %+v", published.Keys.Keys)
	}
	if private = f.sink.current(); len(private.Keys.Keys) != 2 || !slices.Equal(private.Algorithms, []string{"EdDSA", "HS256"}) {
		t.Fatalf("auth step keys = %+v, algorithms %v", private.Keys.Keys, private.Algorithms)
	}
}

// A logout costs one update carrying its own entry, however many live
// revocations there are; the documents change as they must, and only then.
func TestLogoutIsAnUpdateOfItsOwnSize(t *testing.T) {
	const maxUpdates = 150
	f := newFixture(t, origin.AlgEdDSA, func(o *controlplane.Options) { o.MaxUpdates = maxUpdates })
	ctx := context.Background()
	u := f.user(t, "a@example.com")
	d0 := f.cp.Current()
	full0, etag0, _ := f.cp.FullConfig()
	configures, _ := f.sink.counts()
	if err := f.cp.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if c, upd := f.sink.counts(); c != configures || upd != 0 {
		t.Fatalf("a refresh without a change pushed %d configs and %d updates", c-configures, upd)
	}
	if !strings.HasPrefix(etag0, `"`) || !strings.HasSuffix(etag0, `"`) || len(etag0) != 34 {
		t.Fatalf("ETag %s is not a quoted 128-bit hex", etag0)
	}

	var sizes []int
	for i := range 200 {
		sid := fmt.Sprintf("sid-%03d", i)
		f.signIn(t, u.ID, sid)
		if err := f.sessions.EndSessionByID(ctx, sid); err != nil { // refreshes through the notifier
			t.Fatal(err)
		}
		if !f.sink.revokes(sid) {
			t.Fatalf("%s not in force when the logout returned", sid)
		}
		upd := f.sink.lastUpdate(t)
		if len(upd.RevokedSessions) != 1 || upd.RevokedSessions[0].SID != sid || upd.SubjectsValidAfter != nil {
			t.Fatalf("update of logout %d = %+v, want just its own entry", i, upd)
		}
		f.sink.mu.Lock()
		sizes = append(sizes, len(f.sink.updates[len(f.sink.updates)-1]))
		f.sink.mu.Unlock()
	}
	if sizes[len(sizes)-1] != sizes[0] {
		t.Fatalf("update sizes grew from %d to %d bytes with the state", sizes[0], sizes[len(sizes)-1])
	}
	if c, _ := f.sink.counts(); c != configures {
		t.Fatalf("%d full configures during logouts, want none", c-configures)
	}
	d1 := f.cp.Current()
	full1, etag1, _ := f.cp.FullConfig()
	if d1 != d0 || etag1 == etag0 || len(decode(t, full1).RevokedSessions) != 200 {
		t.Fatalf("after 200 logouts: public document replaced %v, full ETag %s -> %s", d1 != d0, etag0, etag1)
	}

	// The poll replaces the piled-up updates with one full configure.
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.sink.counts(); c != configures+1 || len(f.sink.current().RevokedSessions) != 200 {
		t.Fatalf("compaction: %d configures, %d entries in force", c-configures, len(f.sink.current().RevokedSessions))
	}
	if st := f.cp.Stats(); st.Updates != 0 || st.RevokedSessions != 200 {
		t.Fatalf("stats after compaction = %+v", st)
	}
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.sink.counts(); c != configures+1 {
		t.Fatal("compacted again with nothing piled up")
	}

	// Every entry ends with its tokens (exp + leeway); the poll then drops
	// them from the state, at most every PruneInterval, and the published
	// config returns to its first bytes. The auth step is not configured
	// for that: the module forgets expired entries on its own.
	f.clk.Advance(lifetime + 30*time.Second)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.cp.Stats(); st.RevokedSessions != 200 {
		t.Fatalf("entries dropped before exp + leeway: %d left", st.RevokedSessions)
	}
	f.clk.Advance(time.Second)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.cp.Stats(); st.RevokedSessions != 200 {
		t.Fatalf("pruned again within the prune interval: %d left", st.RevokedSessions)
	}
	f.clk.Advance(controlplane.DefaultPruneInterval)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	full2, etag2, _ := f.cp.FullConfig()
	if st := f.cp.Stats(); st.RevokedSessions != 0 || etag2 != etag0 || !bytes.Equal(full2, full0) {
		t.Fatalf("after expiry: %d entries held, full config %s", st.RevokedSessions, full2)
	}
	if c, _ := f.sink.counts(); c != configures+1 {
		t.Fatal("pruning configured the auth step")
	}
}

func TestUpdateRefusedFallsBackToConfigure(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	u := f.user(t, "a@example.com")
	f.sink.set(nil, errors.New("module lacks edgeauth_update"))
	configures, _ := f.sink.counts()
	f.signIn(t, u.ID, "sid-1")
	if err := f.sessions.EndSessionByID(ctx, "sid-1"); err != nil {
		t.Fatal(err)
	}
	if c, upd := f.sink.counts(); c != configures+1 || upd != 0 || !f.sink.revokes("sid-1") {
		t.Fatalf("after a refused update: %d configures, %d updates, in force %v", c-configures, upd, f.sink.revokes("sid-1"))
	}
}

// When the auth step takes neither, the change is stored but not in force:
// the caller gets the error, the previous config keeps serving, and the
// next poll retries in full.
func TestSinkFailure(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	u := f.user(t, "a@example.com")
	boom := errors.New("module refused")
	f.sink.set(boom, boom)
	f.signIn(t, u.ID, "sid-1")
	if err := f.sessions.EndSessionByID(ctx, "sid-1"); !errors.Is(err, boom) {
		t.Fatalf("logout = %v, want the sink's error", err)
	}
	if f.sink.revokes("sid-1") {
		t.Fatal("the failing sink took the change")
	}
	f.sink.set(nil, nil)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !f.sink.revokes("sid-1") {
		t.Fatal("poll did not retry the failed push")
	}
}

// Another process ending a session on the same database: the poll reads
// just that entry and pushes it as an update.
func TestPollPicksUpOtherProcessIncrementally(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	u := f.user(t, "a@example.com")
	other, err := sqlite.Open(ctx, f.path, sqlite.Options{Now: f.clk.Now, BcryptCost: bcrypt.MinCost, RetireAfter: lifetime + 30*time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherSessions := sqlstore.NewSessionService(other.Store, nil)
	f.signIn(t, u.ID, "sid-1")
	f.signIn(t, u.ID, "sid-2")
	if err := otherSessions.EndSessionByID(ctx, "sid-1"); err != nil {
		t.Fatal(err)
	}
	configures, _ := f.sink.counts()
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.sink.counts(); c != configures || !f.sink.revokes("sid-1") {
		t.Fatalf("poll: %d configures, sid-1 in force %v", c-configures, f.sink.revokes("sid-1"))
	}
	pw := "another password"
	cur := "password1"
	if _, err := sqlstore.NewUserService(other.Store, nil).UpdateUser(ctx, u.ID, origin.UserUpdate{Password: &pw, CurrentPassword: &cur}); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if upd := f.sink.lastUpdate(t); len(upd.RevokedSessions) != 1 || upd.RevokedSessions[0].SID != "sid-2" {
		t.Fatalf("the password change's update = %+v, want sid-2 alone", upd)
	}
}

func TestRetiringKeyLeavesOnTime(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	old, _ := f.keys.ActiveKey(ctx)
	if _, err := f.keys.RotateKey(ctx, origin.AlgES256); err != nil {
		t.Fatal(err)
	}
	var jwks edgeauth.JWKS
	if err := json.Unmarshal(f.cp.Current().JWKS, &jwks); err != nil || len(jwks.Keys) != 2 {
		t.Fatalf("after rotation the JWKS has %d keys (%v), want 2", len(jwks.Keys), err)
	}
	f.clk.Advance(lifetime + 30*time.Second)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	jwks = edgeauth.JWKS{}
	json.Unmarshal(f.cp.Current().JWKS, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kid == old.Kid {
		t.Fatalf("retired key still published: %+v", jwks.Keys)
	}
	if keys := f.sink.current().Keys.Keys; len(keys) != 1 || keys[0].Kid == old.Kid {
		t.Fatalf("retired key still in force: %+v", keys)
	}
}

func TestPollPicksUpExternalRotation(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.cp.Run(ctx) }()

	// Another process (its own connection pool, no notifier) rotates.
	other, err := sqlite.Open(ctx, f.path, sqlite.Options{Now: f.clk.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	k, err := sqlstore.NewKeyService(other.Store, nil).RotateKey(ctx, origin.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(string(f.cp.Current().JWKS), k.Kid) {
		if time.Now().After(deadline) {
			t.Fatal("the poll loop never picked up the rotation")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.ContainsFunc(f.sink.current().Keys.Keys, func(j edgeauth.JWK) bool { return j.Kid == k.Kid }) {
		t.Fatal("the auth step was not given the new key")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestConcurrentLogouts(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	u := f.user(t, "a@example.com")
	const n = 20
	for i := range n {
		f.signIn(t, u.ID, fmt.Sprintf("sid-%02d", i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sid := fmt.Sprintf("sid-%02d", i)
			if err := f.sessions.EndSessionByID(ctx, sid); err != nil {
				t.Error(err)
				return
			}
			// The logout returned: its revocation must be in force.
			if !f.sink.revokes(sid) {
				t.Errorf("%s missing from the auth step after its logout returned", sid)
			}
		})
	}
	wg.Wait()
	if got := len(f.sink.current().RevokedSessions); got != n {
		t.Fatalf("%d revocations in force, want %d", got, n)
	}
	if _, upd := f.sink.counts(); upd > n {
		t.Fatalf("%d updates for %d logouts", upd, n)
	}
}

func TestNewValidates(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	good := controlplane.Options{Store: f.db, Issuer: "i", Audiences: []string{"a"}, TokenLifetime: time.Hour}
	tests := []struct {
		name string
		mod  func(*controlplane.Options)
	}{
		{"no store", func(o *controlplane.Options) { o.Store = nil }},
		{"no issuer", func(o *controlplane.Options) { o.Issuer = "" }},
		{"no audience", func(o *controlplane.Options) { o.Audiences = nil }},
		{"no lifetime", func(o *controlplane.Options) { o.TokenLifetime = 0 }},
		{"negative leeway", func(o *controlplane.Options) { o.Leeway = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.mod(&o)
			if _, err := controlplane.New(context.Background(), o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := controlplane.New(context.Background(), good); err != nil {
		t.Fatalf("good options refused: %v", err)
	}
}
