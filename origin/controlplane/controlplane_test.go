package controlplane_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// sink records every config pushed to it.
type sink struct {
	mu      sync.Mutex
	configs [][]byte
	err     error
}

func (s *sink) Configure(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.configs = append(s.configs, bytes.Clone(b))
	return nil
}

func (s *sink) last(t *testing.T) edgeauth.Config {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.configs) == 0 {
		t.Fatal("nothing pushed to the sink")
	}
	return decode(t, s.configs[len(s.configs)-1])
}

func (s *sink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.configs) }

func decode(t *testing.T, b []byte) edgeauth.Config {
	t.Helper()
	var c edgeauth.Config
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		t.Fatalf("config does not decode strictly: %v\n%s", err, b)
	}
	return c
}

type fixture struct {
	clk  *clock
	path string
	db   *sqlite.DB
	keys *sqlstore.KeyService
	sink *sink
	cp   *controlplane.ControlPlane
}

const lifetime = time.Hour

func newFixture(t testing.TB, alg string) *fixture {
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
	f.cp, err = controlplane.New(ctx, controlplane.Options{
		Store: f.db, Sink: f.sink.Configure,
		Issuer: "https://origin.test", Audiences: []string{"todos"}, Realm: "todos",
		Leeway: 30 * time.Second, TokenLifetime: lifetime, PollInterval: 10 * time.Millisecond,
		Now: f.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.keys = sqlstore.NewKeyService(f.db.Store, f.cp)
	return f
}

func TestDocumentContent(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	us := sqlstore.NewUserService(f.db.Store, f.cp)
	u, err := us.CreateUser(ctx, origin.NewUser{Email: "a@example.com", Password: "password1", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if err := us.DeleteUser(ctx, u.ID); err != nil { // refreshes through the notifier
		t.Fatal(err)
	}
	now := f.clk.Now()
	if err := f.db.Revoke(ctx, "jti-1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	doc := f.cp.Current()
	cfg := decode(t, doc.Config)
	active, _ := f.keys.ActiveKey(ctx)

	if cfg.Issuer != "https://origin.test" || !slices.Equal(cfg.Audiences, []string{"todos"}) || cfg.Realm != "todos" {
		t.Errorf("identity = %q %v %q", cfg.Issuer, cfg.Audiences, cfg.Realm)
	}
	if !slices.Equal(cfg.Algorithms, []string{"EdDSA"}) || cfg.LeewaySeconds == nil || *cfg.LeewaySeconds != 30 || cfg.MaxLifetimeSeconds != 3600 {
		t.Errorf("algorithms %v, leeway %v, max lifetime %d", cfg.Algorithms, cfg.LeewaySeconds, cfg.MaxLifetimeSeconds)
	}
	if len(cfg.Keys.Keys) != 1 || cfg.Keys.Keys[0] != active.JWK() || cfg.Keys.Keys[0].K != "" {
		t.Errorf("keys = %+v, want the active public key", cfg.Keys.Keys)
	}
	if !slices.Equal(cfg.Revoked, []edgeauth.Revocation{{JTI: "jti-1", Exp: now.Add(time.Minute).Unix()}}) {
		t.Errorf("revoked = %+v", cfg.Revoked)
	}
	if len(cfg.SubjectsValidAfter) != 1 || cfg.SubjectsValidAfter[u.Subject()] != now.Unix()+1 {
		t.Errorf("subjects_valid_after = %v", cfg.SubjectsValidAfter)
	}
	public, routes := origin.PublishedRoutes()
	if !slices.Equal(cfg.Public, public) || len(cfg.Routes) != len(routes) || cfg.Default != origin.DefaultRoute {
		t.Errorf("routes: public %v, rules %d, default %q", cfg.Public, len(cfg.Routes), cfg.Default)
	}
	var jwks edgeauth.JWKS
	if err := json.Unmarshal(doc.JWKS, &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0] != active.JWK() {
		t.Errorf("jwks = %s (%v)", doc.JWKS, err)
	}
	if !bytes.Equal(f.sink.configs[len(f.sink.configs)-1], doc.Config) {
		t.Error("the auth step decides from a different document than the published one")
	}
	if strings.Contains(string(doc.Config), `"d"`) {
		t.Error("a private key member leaked")
	}
}

func TestHS256SecretNeverPublished(t *testing.T) {
	f := newFixture(t, origin.AlgHS256)
	doc := f.cp.Current()
	published := decode(t, doc.Config)
	if len(published.Keys.Keys) != 0 || strings.Contains(string(doc.Config), `"k"`) || strings.Contains(string(doc.JWKS), `"k"`) {
		t.Fatalf("HS256 secret published: %s / %s", doc.Config, doc.JWKS)
	}
	private := f.sink.last(t)
	if len(private.Keys.Keys) != 1 || private.Keys.Keys[0].Kty != "oct" || private.Keys.Keys[0].K == "" || !slices.Equal(private.Algorithms, []string{"HS256"}) {
		t.Fatalf("auth step config lacks the HS256 key: %+v", private)
	}
	// After a rotation to EdDSA, the published documents hold only the new
	// public key, while the auth step still verifies the old HS256 tokens.
	if _, err := f.keys.RotateKey(context.Background(), origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	published = decode(t, f.cp.Current().Config)
	if len(published.Keys.Keys) != 1 || published.Keys.Keys[0].Alg != "EdDSA" {
		t.Fatalf("published keys = %+v", published.Keys.Keys)
	}
	if private = f.sink.last(t); len(private.Keys.Keys) != 2 || !slices.Equal(private.Algorithms, []string{"EdDSA", "HS256"}) {
		t.Fatalf("auth step keys = %+v, algorithms %v", private.Keys.Keys, private.Algorithms)
	}
}

func TestETagChangesExactlyWithContent(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	d0 := f.cp.Current()
	pushes := f.sink.count()
	if err := f.cp.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	d1 := f.cp.Current()
	if !bytes.Equal(d0.Config, d1.Config) || d0.ConfigETag != d1.ConfigETag || d0.JWKSETag != d1.JWKSETag {
		t.Fatal("a rebuild without a change changed the documents")
	}
	if f.sink.count() != pushes {
		t.Fatal("an unchanged config was pushed again")
	}
	if !strings.HasPrefix(d0.ConfigETag, `"`) || !strings.HasSuffix(d0.ConfigETag, `"`) || len(d0.ConfigETag) != 34 {
		t.Fatalf("ETag %s is not a quoted 128-bit hex", d0.ConfigETag)
	}

	if err := f.db.Revoke(ctx, "x", f.clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	d2 := f.cp.Current()
	if d2.ConfigETag == d1.ConfigETag || d2.JWKSETag != d1.JWKSETag {
		t.Fatalf("a revocation must change the config ETag only: %s→%s, %s→%s", d1.ConfigETag, d2.ConfigETag, d1.JWKSETag, d2.JWKSETag)
	}
	if f.sink.count() != pushes+1 {
		t.Fatalf("sink got %d pushes, want %d", f.sink.count(), pushes+1)
	}
	// The revocation ends 30 s (the leeway) after its exp; until then the
	// documents stay the same, then they return to the original bytes.
	f.clk.Advance(time.Minute + 29*time.Second)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if f.cp.Current().ConfigETag != d2.ConfigETag {
		t.Fatal("revocation dropped before exp + leeway")
	}
	f.clk.Advance(time.Second)
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if d3 := f.cp.Current(); d3.ConfigETag != d0.ConfigETag || !bytes.Equal(d3.Config, d0.Config) {
		t.Fatalf("after expiry the config should equal the original:\n%s\n%s", d3.Config, d0.Config)
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
	if !slices.ContainsFunc(f.sink.last(t).Keys.Keys, func(j edgeauth.JWK) bool { return j.Kid == k.Kid }) {
		t.Fatal("the auth step was not given the new key")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestSinkFailure(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	before := f.cp.Current()
	boom := errors.New("module refused")
	f.sink.mu.Lock()
	f.sink.err = boom
	f.sink.mu.Unlock()
	if err := f.db.Revoke(ctx, "x", f.clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.Refresh(ctx); !errors.Is(err, boom) {
		t.Fatalf("Refresh = %v, want the sink's error", err)
	}
	if f.cp.Current() != before {
		t.Fatal("documents published although the auth step did not take them")
	}
	// Once the sink recovers, the next poll retries even with no new change.
	f.sink.mu.Lock()
	f.sink.err = nil
	f.sink.mu.Unlock()
	if err := f.cp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(f.sink.last(t).Revoked) != 1 || f.cp.Current() == before {
		t.Fatal("poll did not retry the failed push")
	}
}

func TestConcurrentRefreshes(t *testing.T) {
	f := newFixture(t, origin.AlgEdDSA)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			jti := "jti-" + string(rune('a'+i))
			if err := f.db.Revoke(ctx, jti, f.clk.Now().Add(time.Minute)); err != nil {
				t.Error(err)
				return
			}
			if err := f.cp.Refresh(ctx); err != nil {
				t.Error(err)
				return
			}
			// Refresh returned: this caller's revocation must be in force.
			found := false
			for _, r := range f.sink.last(t).Revoked {
				found = found || r.JTI == jti
			}
			if !found {
				t.Errorf("%s missing from the auth step after its Refresh returned", jti)
			}
		})
	}
	wg.Wait()
	if got := len(f.sink.last(t).Revoked); got != 20 {
		t.Fatalf("%d revocations in force, want 20", got)
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
