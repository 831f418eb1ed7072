package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

// mintSession signs an HS256 token for users/<user> in session sid ("" for
// none), issued a few seconds ago and valid for an hour.
func mintSession(tb testing.TB, user int, jti, sid string) string {
	tb.Helper()
	now := time.Now().Unix()
	sidClaim := ""
	if sid != "" {
		sidClaim = fmt.Sprintf(`,"sid":%q`, sid)
	}
	return sign(tb, "HS256", fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"users/%d","iat":%d,"exp":%d,"jti":%q%s,"scope":"todos:read"}`,
		realIssuer, realAudience, user, now-10, now+3600, jti, sidClaim))
}

func revokeSessions(sids ...string) []byte {
	u := edgeauth.ConfigUpdate{}
	for _, sid := range sids {
		u.RevokedSessions = append(u.RevokedSessions, edgeauth.SessionRevocation{SID: sid, Exp: time.Now().Add(time.Hour).Unix()})
	}
	b, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	return b
}

func TestUpdateUnsupported(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 1}, "iss")
	err := h.Update(context.Background(), []byte(`{}`))
	if !errors.Is(err, ErrUpdateUnsupported) {
		t.Fatalf("Update on a module without edgeauth_update: %v", err)
	}
	mustAllow(t, h, "/ok", "iss")
}

func TestUpdateBeforeConfigure(t *testing.T) {
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1})
	if err := h.Update(context.Background(), []byte(`{}`)); !errors.Is(err, ErrConfigRejected) {
		t.Fatalf("Update before Configure: %v", err)
	}
}

// TestUpdate: an Update refuses what it revokes on every instance at once,
// host-side decision cache included, and keeps every other cached entry.
func TestUpdate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		update func(jti, sid string) string
	}{
		{"session", func(_, sid string) string {
			return fmt.Sprintf(`{"revoked_sessions":[{"sid":%q,"exp":%d}]}`, sid, time.Now().Unix()+3600)
		}},
		{"jti", func(jti, _ string) string {
			return fmt.Sprintf(`{"revoked":[{"jti":%q,"exp":%d}]}`, jti, time.Now().Unix()+3600)
		}},
		{"cutoff", func(_, _ string) string {
			return fmt.Sprintf(`{"subjects_valid_after":{"users/1":%d}}`, time.Now().Unix())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
			if err := h.Configure(ctx, realConfig(t)); err != nil {
				t.Fatal(err)
			}
			target := todosOf(1, mintSession(t, 1, "jti-target", "sess-target"))
			bystander := todosOf(2, mintSession(t, 2, "jti-other", "sess-other"))
			for range 2 { // decided by the module, then cached
				for req, sid := range map[*edgeauth.Request]string{target: "sess-target", bystander: "sess-other"} {
					if d, err := h.Authorize(ctx, req); err != nil || !d.Allow || d.SID != sid {
						t.Fatalf("before the update: %+v, %v; want allowed in session %s", d, err, sid)
					}
				}
			}
			if err := h.Update(ctx, []byte(tt.update("jti-target", "sess-target"))); err != nil {
				t.Fatal(err)
			}
			if s := h.Stats(); s.ReplayUpdates != 1 {
				t.Errorf("ReplayUpdates = %d, want 1", s.ReplayUpdates)
			}
			// Both instances, and the decision cache, refuse the target.
			for range 4 {
				d, err := h.Authorize(ctx, target)
				if err != nil || d.Allow || d.Status != 401 {
					t.Fatalf("after the update: %+v, %v; want 401", d, err)
				}
			}
			hits := h.Stats().CacheHits
			if d, err := h.Authorize(ctx, bystander); err != nil || !d.Allow || d.SID != "sess-other" {
				t.Fatalf("bystander: %+v, %v", d, err)
			}
			if h.Stats().CacheHits != hits+1 {
				t.Error("the update emptied the decision cache: the bystander's check was not a hit")
			}
		})
	}
}

// TestUpdateRejected: a refused Update changes nothing and is not replayed.
func TestUpdateRejected(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	req := todosOf(1, mintSession(t, 1, "j", "s"))
	for _, bad := range []string{`{"revoked_sessions":[{"sid":"s","exp":1},{"sid":""}]}`, `{"keys":{}}`, `not json`} {
		err := h.Update(ctx, []byte(bad))
		if !errors.Is(err, ErrConfigRejected) {
			t.Fatalf("Update(%s): %v, want ErrConfigRejected", bad, err)
		}
		if d, err := h.Authorize(ctx, req); err != nil || !d.Allow {
			t.Fatalf("after the rejected update %s: %+v, %v", bad, d, err)
		}
	}
	if s := h.Stats(); s.ReplayUpdates != 0 || s.Replaced != 0 {
		t.Fatalf("stats after rejected updates: %+v", s)
	}
}

// TestUpdateReachesReplacements: an instance started after Updates (to
// replace a failed one) gets the Config and every Update since; a
// Configure resets that list.
func TestUpdateReachesReplacements(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1, DecisionCacheEntries: -1})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	reqs := make([]*edgeauth.Request, 3)
	for i := range reqs {
		sid := fmt.Sprint("sess-", i)
		reqs[i] = todosOf(1, mintSession(t, 1, fmt.Sprint("jti-", i), sid))
		if err := h.Update(ctx, revokeSessions(sid)); err != nil {
			t.Fatal(err)
		}
	}
	if s := h.Stats(); s.ReplayUpdates != 3 || s.ReplayBytes == 0 {
		t.Fatalf("stats %+v, want 3 updates to replay", s)
	}
	// Replace the one instance, as after a trap.
	inst, err := h.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.discard(inst, errors.New("test: replaced on purpose"))
	waitRefilled(h)
	for i, req := range reqs {
		if d, err := h.Authorize(ctx, req); err != nil || d.Allow {
			t.Fatalf("session %d on the replacement: %+v, %v; want refused", i, d, err)
		}
	}
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	if s := h.Stats(); s.ReplayUpdates != 0 || s.ReplayBytes != 0 {
		t.Fatalf("stats after Configure %+v, want nothing to replay", s)
	}
	if d, err := h.Authorize(ctx, reqs[0]); err != nil || !d.Allow {
		t.Fatalf("after a Config without the revocation: %+v, %v", d, err)
	}
}

// TestUpdateReplayBound: past the bound, Update asks for a Configure, and
// a Configure makes room again.
func TestUpdateReplayBound(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1})
	h.maxReplayUpdates = 3
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := h.Update(ctx, revokeSessions(fmt.Sprint("s", i))); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if err := h.Update(ctx, revokeSessions("s3")); !errors.Is(err, ErrUpdateUnsupported) {
		t.Fatalf("update past the bound: %v, want ErrUpdateUnsupported", err)
	}
	if d, err := h.Authorize(ctx, todosOf(1, mintSession(t, 1, "j", "s3"))); err != nil || !d.Allow {
		t.Fatalf("the refused update took effect: %+v, %v", d, err)
	}
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	if err := h.Update(ctx, revokeSessions("s3")); err != nil {
		t.Fatalf("update after Configure: %v", err)
	}
	h.maxReplayBytes = h.Stats().ReplayBytes + 10
	if err := h.Update(ctx, revokeSessions("s4")); !errors.Is(err, ErrUpdateUnsupported) {
		t.Fatalf("update past the byte bound: %v, want ErrUpdateUnsupported", err)
	}
}

// TestUpdateRace revokes a session while many callers repeat its token:
// once Update returns, no call may be allowed, whatever was in flight when
// it began (a decision made before the Update must not be served from the
// decision cache after it). Run with -race.
func TestUpdateRace(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		sid := fmt.Sprint("raced-", round)
		req := todosOf(1, mintSession(t, 1, fmt.Sprint("jti-", round), sid))
		raceRevocation(t, h, req, func() error { return h.Update(ctx, revokeSessions(sid)) })
	}
}

// TestConfigureBudget: applying a Config has its own bound, apart from the
// per-request one: a deadline for an unmetered module, fuel for a metered
// one.
func TestConfigureBudget(t *testing.T) {
	ctx := context.Background()
	unmetered := func(opts Options) *Host {
		h := newHost(t, unmeteredFakeModule, opts)
		if err := h.Configure(ctx, fakeConfig("iss")); err != nil {
			t.Fatal(err)
		}
		return h
	}
	// The slow Config takes far longer than the call deadline, well within
	// the configure budget.
	h := unmetered(Options{PoolSize: 2, CallTimeout: 250 * time.Millisecond})
	if err := h.Configure(ctx, fakeConfig("slow")); err != nil {
		t.Fatalf("a Config slower than the call deadline: %v", err)
	}
	mustAllow(t, h, "/ok", "slow")
	// The configure budget stops a Config that never finishes, and so does
	// the configure fuel of a metered module.
	for name, h := range map[string]*Host{
		"deadline": unmetered(Options{PoolSize: 2, ConfigureTimeout: 100 * time.Millisecond}),
		"fuel":     newFakeHost(t, Options{PoolSize: 2, ConfigureFuel: 1 << 24}, "iss"),
	} {
		if err := h.Configure(ctx, fakeConfig("loop")); !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: an endless Config: %v, want ErrTimeout", name, err)
		}
		waitRefilled(h)
		for range 4 {
			mustAllow(t, h, "/ok", "iss")
		}
	}
}

// TestConfigureFuel: for a metered module, applying a Config has its own
// fuel, apart from a check's.
func TestConfigureFuel(t *testing.T) {
	ctx := context.Background()
	large := largeConfig(t, 10_000) // measured: about 4.4 million loop iterations
	req := todosOf(1, mintSession(t, 1, "jti-fuel", "sess-fuel"))
	// A Config that needs more than a check's fuel, well within its own.
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1, CallFuel: 1 << 20})
	if h.bound.Fuel == 0 {
		t.Skip("the module under test is not metered")
	}
	if err := h.Configure(ctx, large); err != nil {
		t.Fatalf("a Config needing more than CallFuel: %v", err)
	}
	if d, err := h.Authorize(ctx, req); err != nil || !d.Allow {
		t.Fatalf("after it: %+v, %v", d, err)
	}
	// The configure fuel stops a Config that needs more; the one in force
	// keeps serving.
	h = newHost(t, loadRealModule(t), Options{PoolSize: 1, ConfigureFuel: 1 << 20})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	if err := h.Configure(ctx, large); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a Config needing more than ConfigureFuel: %v, want ErrTimeout", err)
	}
	waitRefilled(h)
	if d, err := h.Authorize(ctx, req); err != nil || !d.Allow {
		t.Fatalf("the previous Config no longer serves: %+v, %v", d, err)
	}
}

// TestConfigureFailureKeepsServing: whatever way a Config fails to apply,
// the Host keeps serving every request under the previous one.
func TestConfigureFailureKeepsServing(t *testing.T) {
	tests := []struct {
		name   string
		config []byte
		want   error
	}{
		{"rejected", fakeConfig(""), ErrConfigRejected},
		{"trap", fakeConfig("trap"), ErrTrap},
		{"endless", fakeConfig("loop"), ErrTimeout},
		// The 16 MiB cap stops the allocation loop long before the fuel.
		{"out of memory", fakeConfig("oom"), ErrTrap},
		{"too large", fmt.Appendf(nil, `{"issuer":"big","pad":%q}`, strings.Repeat("x", 9<<20)), ErrInputTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHost(t, Options{PoolSize: 2, ConfigureFuel: 1 << 24, MemoryLimitMB: 16}, "iss")
			if err := h.Configure(context.Background(), tt.config); !errors.Is(err, tt.want) {
				t.Fatalf("Configure: %v, want %v", err, tt.want)
			}
			waitRefilled(h)
			for range 4 { // every instance, the replacement included
				mustAllow(t, h, "/ok", "iss")
			}
			if got := len(h.pool); got != 2 {
				t.Errorf("pool holds %d idle instances, want 2", got)
			}
		})
	}
}

// largeConfig is realConfig with n revocation entries, half jti and half
// sid, named like the origin names them (22 base64url characters).
func largeConfig(tb testing.TB, n int) []byte {
	return realConfigWith(tb, func(cfg map[string]any) {
		exp := time.Now().Add(time.Hour).Unix()
		jtis := make([]map[string]any, n/2)
		for i := range jtis {
			jtis[i] = map[string]any{"jti": fmt.Sprintf("j%021d", i), "exp": exp}
		}
		sids := make([]map[string]any, n-n/2)
		for i := range sids {
			sids[i] = map[string]any{"sid": fmt.Sprintf("s%021d", i), "exp": exp}
		}
		cfg["revoked"], cfg["revoked_sessions"] = jtis, sids
	})
}

// TestLargeConfig: a Config with 100,000 revocation entries is accepted
// under the default options (its own budget, the default memory cap) and
// replaced by another one as large; Updates on top reach a replacement
// instance.
func TestLargeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("configures 100,000 entries several times")
	}
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1})
	doc := largeConfig(t, 100_000)
	for round := range 2 {
		start := time.Now()
		if err := h.Configure(ctx, doc); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		t.Logf("round %d: Configure of %d bytes took %v", round, len(doc), time.Since(start))
	}
	refused := func(what string, req *edgeauth.Request) {
		t.Helper()
		if d, err := h.Authorize(ctx, req); err != nil || d.Allow || d.ErrorDescription != "the token has been revoked" {
			t.Fatalf("%s: %+v, %v; want revoked", what, d, err)
		}
	}
	refused("a listed jti", todosOf(1, mintSession(t, 1, fmt.Sprintf("j%021d", 4242), "")))
	refused("a listed sid", todosOf(1, mintSession(t, 1, "jti-x", fmt.Sprintf("s%021d", 49_999))))
	var took []time.Duration
	for i := range 50 {
		start := time.Now()
		if err := h.Update(ctx, revokeSessions(fmt.Sprint("late-", i))); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("Update of one session over 100,000 entries: median %v, max %v", took[len(took)/2], took[len(took)-1])
	inst, err := h.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("instance memory after two 100,000-entry Configs and 50 Updates: %d MiB", inst.MemoryBytes()>>20)
	start := time.Now()
	h.discard(inst, errors.New("test: replaced on purpose"))
	waitRefilled(h)
	t.Logf("a replacement instance took %v to start, configure and replay 50 Updates", time.Since(start))
	refused("an updated sid on the replacement", todosOf(1, mintSession(t, 1, "jti-y", "late-49")))
}

// BenchmarkUpdate: one logout (one session) applied to every instance of
// a Host whose Config holds 100,000 revocation entries.
func BenchmarkUpdate(b *testing.B) {
	for _, pool := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", pool), func(b *testing.B) {
			ctx := context.Background()
			h := newHost(b, loadRealModule(b), Options{PoolSize: pool})
			if err := h.Configure(ctx, largeConfig(b, 100_000)); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				if h.Stats().ReplayUpdates == maxReplayUpdates {
					b.StopTimer()
					if err := h.Configure(ctx, realConfig(b)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				i++
				if err := h.Update(ctx, revokeSessions(fmt.Sprint("bench-", i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
