package wasmhost

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

func authReq(method, path string, auth ...string) *edgeauth.Request {
	r := &edgeauth.Request{Method: method, Path: path}
	if auth != nil {
		r.Headers = map[string][]string{"authorization": auth}
	}
	return r
}

func TestDecisionKey(t *testing.T) {
	now := int64(1)
	tests := []struct {
		name string
		req  *edgeauth.Request
		ok   bool
	}{
		{"one bearer value", authReq("GET", "/a", "Bearer t"), true},
		{"no authorization", authReq("GET", "/a"), false},
		{"two authorization values", authReq("GET", "/a", "Bearer t", "Bearer u"), false},
		{"empty authorization", authReq("GET", "/a", ""), false},
		{"caller clock", &edgeauth.Request{Method: "GET", Path: "/a", Now: &now,
			Headers: map[string][]string{"authorization": {"Bearer t"}}}, false},
		{"oversized token", authReq("GET", "/a", "Bearer "+strings.Repeat("x", maxCachedKeyBytes)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := appendDecisionKey(nil, tt.req); ok != tt.ok {
				t.Fatalf("cacheable = %t, want %t", ok, tt.ok)
			}
		})
	}
	// Requests that differ only in where method, path and token split must
	// not share a key.
	distinct := []*edgeauth.Request{
		authReq("GET", "/a", "Bearer t"),
		authReq("GE", "T/a", "Bearer t"),
		authReq("GET", "/a/", "Bearer t"),
		authReq("GET", "/aB", "earer t"),
		authReq("POST", "/a", "Bearer t"),
	}
	seen := map[string]int{}
	for i, r := range distinct {
		k, _ := appendDecisionKey(nil, r)
		if j, dup := seen[string(k)]; dup {
			t.Errorf("requests %d and %d share the key %q", j, i, k)
		}
		seen[string(k)] = i
	}
}

func allowed(sub string, exp int64) *edgeauth.Decision {
	return &edgeauth.Decision{Allow: true, Status: 200, Subject: sub, Scopes: []string{"todos:read"}, JTI: "j-" + sub, ExpiresAt: exp}
}

func TestDecisionCacheRules(t *testing.T) {
	const now = 1_000
	tests := []struct {
		name   string
		d      *edgeauth.Decision
		getAt  int64
		cached bool
	}{
		{"allowed token", allowed("users/1", now+60), now, true},
		{"read just before exp", allowed("users/1", now+60), now + 59, true},
		{"read at exp", allowed("users/1", now+60), now + 60, false},
		{"already expired", allowed("users/1", now), now, false},
		{"denied", &edgeauth.Decision{Status: 401, Error: "invalid_token"}, now, false},
		{"allowed without a token (public route)", &edgeauth.Decision{Allow: true, Status: 200}, now, false},
		{"allowed without exp", allowed("users/1", 0), now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDecisionCache(1, 64, 1<<20)
			key, _ := appendDecisionKey(nil, authReq("GET", "/users/1/todos", "Bearer t"))
			c.put(key, tt.d, now, 1)
			got, ok := c.get(key, tt.getAt)
			if ok != tt.cached {
				t.Fatalf("hit = %t, want %t", ok, tt.cached)
			}
			if ok && (got.Subject != tt.d.Subject || got.JTI != tt.d.JTI || got.ExpiresAt != tt.d.ExpiresAt || !got.Allow) {
				t.Fatalf("got %+v, want %+v", got, *tt.d)
			}
		})
	}
}

func TestDecisionCacheCopies(t *testing.T) {
	c := newDecisionCache(1, 64, 1<<20)
	key, _ := appendDecisionKey(nil, authReq("GET", "/x", "Bearer t"))
	d := allowed("users/1", 100)
	c.put(key, d, 1, 1)
	d.Scopes[0] = "changed by the caller after put"
	got, _ := c.get(key, 1)
	got.Scopes[0] = "changed by the caller after get"
	again, _ := c.get(key, 1)
	if again.Scopes[0] != "todos:read" {
		t.Fatalf("the cached scopes were changed through a caller's copy: %q", again.Scopes)
	}
}

// TestDecisionCacheComparesKeys holds a hit to the whole key, not its hash:
// an entry filed under a key's hash but holding another key (what a hash
// collision would look like) is a miss, and a put under that hash replaces it.
func TestDecisionCacheComparesKeys(t *testing.T) {
	c := newDecisionCache(1, 64, 1<<20)
	key, _ := appendDecisionKey(nil, authReq("GET", "/x", "Bearer t"))
	c.put(key, allowed("users/1", 100), 1, 1)
	h, s := c.shard(key)
	s.entries[h].key = "another key with the same hash"
	if d, hit := c.get(key, 1); hit {
		t.Fatalf("hit %+v for an entry holding another key", d)
	}
	c.put(key, allowed("users/2", 100), 1, 1)
	if d, hit := c.get(key, 1); !hit || d.Subject != "users/2" {
		t.Fatalf("get after put = %+v, %t; want users/2", d, hit)
	}
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
}

func TestDecisionCacheBounds(t *testing.T) {
	tests := []struct {
		name       string
		maxEntries int
		maxBytes   int
		tokenBytes int
	}{
		{"entries bound", 64, 1 << 30, 50},
		{"bytes bound", 1 << 20, 64 << 10, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDecisionCache(1, tt.maxEntries, tt.maxBytes)
			for i := range 5000 {
				tok := fmt.Sprintf("Bearer %0*d", tt.tokenBytes, i)
				key, _ := appendDecisionKey(nil, authReq("GET", "/x", tok))
				c.put(key, allowed("users/1", 100), 1, 1)
			}
			entries, bytes := 0, 0
			for i := range c.shards {
				s := &c.shards[i]
				entries += len(s.entries)
				bytes += s.bytes
				if len(s.entries) > s.maxEntries || s.bytes > s.maxBytes {
					t.Fatalf("shard %d holds %d entries / %d bytes, bounds %d / %d", i, len(s.entries), s.bytes, s.maxEntries, s.maxBytes)
				}
			}
			if entries == 0 || entries > tt.maxEntries || bytes > tt.maxBytes {
				t.Fatalf("cache holds %d entries / %d bytes, bounds %d / %d", entries, bytes, tt.maxEntries, tt.maxBytes)
			}
		})
	}
	if newDecisionCache(1, 0, 1) != nil || newDecisionCache(1, 1, -1) != nil {
		t.Fatal("a cache with no room must be disabled (nil)")
	}
}

// TestDecisionCacheConcurrent hammers one cache from many goroutines; run
// with -race.
func TestDecisionCacheConcurrent(t *testing.T) {
	c := newDecisionCache(1, 256, 1<<20)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				key, _ := appendDecisionKey(nil, authReq("GET", "/x", fmt.Sprintf("Bearer %d-%d", w, i%300)))
				if d, ok := c.get(key, 1); ok && d.Subject != fmt.Sprintf("users/%d", w) {
					t.Errorf("worker %d got %q", w, d.Subject)
					return
				}
				c.put(key, allowed(fmt.Sprintf("users/%d", w), 100), 1, 1)
			}
		})
	}
	wg.Wait()
	if n := c.len(); n > 256 {
		t.Fatalf("%d entries, bound 256", n)
	}
}

// realConfigWith returns realConfig with edit applied to its JSON object.
func realConfigWith(tb testing.TB, edit func(cfg map[string]any)) []byte {
	tb.Helper()
	var cfg map[string]any
	if err := json.Unmarshal(realConfig(tb), &cfg); err != nil {
		tb.Fatal(err)
	}
	edit(cfg)
	b, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestDecisionCacheRealModule checks, against the real module, that a
// repeated token is answered by the host-side cache, and that every Config
// change that withdraws a token — revocation, subjects_valid_after, key
// retirement — takes effect on the very next call.
func TestDecisionCacheRealModule(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(cfg map[string]any, jti string)
	}{
		{"revocation", func(cfg map[string]any, jti string) {
			cfg["revoked"] = []map[string]any{{"jti": jti, "exp": time.Now().Add(time.Hour).Unix()}}
		}},
		{"subjects_valid_after", func(cfg map[string]any, _ string) {
			cfg["subjects_valid_after"] = map[string]int64{"users/1": time.Now().Unix()}
		}},
		{"key retirement", func(cfg map[string]any, _ string) {
			keys := cfg["keys"].(map[string]any)["keys"].([]any)
			var kept []any
			for _, k := range keys {
				if k.(map[string]any)["kid"] != "ed" {
					kept = append(kept, k)
				}
			}
			cfg["keys"] = map[string]any{"keys": kept}
		}},
	}
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Configure(ctx, realConfig(t)); err != nil {
				t.Fatal(err)
			}
			jti := "cache-" + strings.ReplaceAll(tt.name, " ", "-")
			req := todosOf(1, mint(t, "EdDSA", 1, jti, time.Hour))
			before := h.Stats()
			for range 3 {
				if d, err := h.Authorize(ctx, req); err != nil || !d.Allow {
					t.Fatalf("valid token: %+v, %v", d, err)
				}
			}
			after := h.Stats()
			if calls, hits := after.Calls-before.Calls, after.CacheHits-before.CacheHits; calls != 1 || hits != 2 {
				t.Fatalf("3 identical checks: %d module calls, %d cache hits; want 1 and 2", calls, hits)
			}
			// The same token on another route is decided by the module.
			if d, err := h.Authorize(ctx, todosOf(2, mint(t, "EdDSA", 1, jti, time.Hour))); err != nil || d.Status != 404 {
				t.Fatalf("stranger's route: %+v, %v; want 404", d, err)
			}
			if err := h.Configure(ctx, realConfigWith(t, func(cfg map[string]any) { tt.edit(cfg, jti) })); err != nil {
				t.Fatal(err)
			}
			d, err := h.Authorize(ctx, req)
			if err != nil || d.Allow || d.Status != 401 {
				t.Fatalf("after the change: %+v, %v; want 401", d, err)
			}
		})
	}
}

// TestDecisionCachePanicSparesInstances breaks the decision cache so that
// storing a Decision panics, after the instance that made it went back to
// the pool. That call must fail closed without a panic escaping, and no
// instance may be discarded: the one that answered is healthy and may
// already be serving another call.
func TestDecisionCachePanicSparesInstances(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	c := h.decisions.Load()
	if c == nil {
		t.Fatal("no decision cache")
	}
	for i := range c.shards {
		c.shards[i].entries = nil // a lookup still misses; an insertion panics
	}
	req := todosOf(1, mint(t, "EdDSA", 1, "cache-panic", time.Hour))
	d, err := func() (d edgeauth.Decision, err error) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Authorize panicked: %v", r)
			}
		}()
		return h.Authorize(ctx, req)
	}()
	if err == nil || d.Allow || d.Status != 0 {
		t.Fatalf("Authorize with a failing cache = %+v, %v; want an error and the zero Decision", d, err)
	}
	// Checked before anything waits on the pool: a wrongly discarded
	// instance would leave its replacement blocked on a full pool.
	if s := h.Stats(); s.Replaced != 0 {
		t.Fatalf("Replaced = %d after a cache panic, want 0: a healthy instance was discarded", s.Replaced)
	}
	// The one instance still answers; a request without a token is not
	// cached, so it does not reach the broken cache.
	if d, err := h.Authorize(ctx, todosOf(1, "")); err != nil || d.Status != 401 {
		t.Fatalf("next call: %+v, %v; want 401 from the same instance", d, err)
	}
}

// TestDecisionCacheConfigureRace revokes a token while many callers repeat
// it: once Configure returns, no call may be allowed, whatever was in
// flight when it began (an old-generation decision must not reach the new
// cache). Run with -race.
func TestDecisionCacheConfigureRace(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	const jti = "raced"
	req := todosOf(1, mint(t, "HS256", 1, jti, time.Hour))
	revoked := realConfigWith(t, func(cfg map[string]any) {
		cfg["revoked"] = []map[string]any{{"jti": jti, "exp": time.Now().Add(time.Hour).Unix()}}
	})
	for range 5 {
		if err := h.Configure(ctx, realConfig(t)); err != nil {
			t.Fatal(err)
		}
		raceRevocation(t, h, req, func() error { return h.Configure(ctx, revoked) })
	}
}

// raceRevocation has 4 callers repeat req (allowed at first) while revoke
// runs: no call that begins after revoke returns may be allowed, whatever
// was in flight when it began. It revokes once every caller is busy, and
// stops once they have made calls after it.
func raceRevocation(t *testing.T, h *Host, req *edgeauth.Request, revoke func() error) {
	t.Helper()
	const callers, enough = 4, 32
	var revoked atomic.Bool
	var before, after atomic.Int64
	warm, done, stop := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var warmOnce, doneOnce sync.Once
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				late := revoked.Load()
				d, err := h.Authorize(context.Background(), req)
				switch {
				case err != nil:
					t.Error(err)
					return
				case late && d.Allow:
					t.Error("a revoked token was allowed after the revocation returned")
					return
				case !late && before.Add(1) == enough:
					warmOnce.Do(func() { close(warm) })
				case late && after.Add(1) == enough:
					doneOnce.Do(func() { close(done) })
				}
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	defer func() { close(stop); <-finished }()
	select {
	case <-warm:
	case <-finished:
		return // a caller failed
	}
	if err := revoke(); err != nil {
		t.Error(err)
		return
	}
	revoked.Store(true)
	select {
	case <-done:
	case <-finished:
	}
}

// BenchmarkDecisionCacheHit is the host's cost of a repeated token on a
// route: key, lookup, copy; with Updates since the Config, also the check
// of what they revoked.
func BenchmarkDecisionCacheHit(b *testing.B) {
	b.Run("no updates", func(b *testing.B) { benchDecisionCacheHit(b, 0) })
	b.Run("4096 revoked sessions", func(b *testing.B) { benchDecisionCacheHit(b, 4096) })
}

func benchDecisionCacheHit(b *testing.B, revoked int) {
	c := newDecisionCache(1, DefaultDecisionCacheEntries, DefaultDecisionCacheBytes)
	for i := range revoked {
		c.revoke(uint64(2+i), &edgeauth.ConfigUpdate{RevokedSessions: []edgeauth.SessionRevocation{{SID: fmt.Sprint("s", i)}}})
	}
	req := authReq("GET", "/users/1/todos", "Bearer "+strings.Repeat("t", 300))
	key, _ := appendDecisionKey(nil, req)
	c.put(key, allowed("users/1", 1<<40), 1, 1)
	b.ReportAllocs()
	for b.Loop() {
		var buf [512]byte
		k, _ := appendDecisionKey(buf[:0], req)
		if _, ok := c.get(k, 1); !ok {
			b.Fatal("miss")
		}
	}
}
