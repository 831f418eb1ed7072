package edgeauth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// sidToken is the standard EdDSA token with claims changed by kv pairs (a
// nil value deletes the claim).
func sidToken(tb testing.TB, kv ...any) string {
	tb.Helper()
	c := baseClaims()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return mint(tb, "EdDSA", baseHeader("EdDSA", "ed"), c)
}

func TestSIDClaim(t *testing.T) {
	cfg := baseConfig(t)
	cfg["revoked_sessions"] = []map[string]any{{"sid": "sess-revoked", "exp": testNow + 3600}}
	a := newTestAuthorizer(t, cfg)
	tests := []struct {
		name    string
		sid     any // nil: no sid claim
		raw     string
		want    string // "" allowed, else the denial's description
		wantSID string
	}{
		{name: "absent", want: ""},
		{name: "present", sid: "sess-1", wantSID: "sess-1"},
		{name: "128 bytes", sid: strings.Repeat("s", 128), wantSID: strings.Repeat("s", 128)},
		{name: "128 bytes of two-byte runes", sid: strings.Repeat("é", 64), wantSID: strings.Repeat("é", 64)},
		{name: "129 bytes", sid: strings.Repeat("s", 129), want: desc(denyClaims)},
		{name: "empty", sid: "", want: desc(denyClaims)},
		{name: "number", sid: 7, want: desc(denyClaims)},
		{name: "array", sid: []string{"sess-1"}, want: desc(denyClaims)},
		{name: "null", raw: "null", want: desc(denyClaims)},
		{name: "revoked", sid: "sess-revoked", want: desc(denyRevoked)},
		{name: "revoked case variant is another session", sid: "Sess-revoked", wantSID: "Sess-revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tok string
			switch {
			case tt.raw != "":
				claims := mustJSON(t, baseClaims())
				claims = append(claims[:len(claims)-1], []byte(`,"sid":`+tt.raw+`}`)...)
				tok = signRaw(t, "EdDSA", mustJSON(t, baseHeader("EdDSA", "ed")), claims)
			case tt.sid != nil:
				tok = sidToken(t, "sid", tt.sid)
			default:
				tok = sidToken(t)
			}
			for _, pass := range []string{"verified", "cache hit"} {
				d := a.Authorize(request("GET", "/users/42/todos", "Bearer "+tok))
				if tt.want == "" {
					if !d.Allow || d.SID != tt.wantSID || d.JTI != "jti-1" {
						t.Fatalf("%s: got %+v, want allowed with sid %q", pass, d, tt.wantSID)
					}
					continue
				}
				if d.Allow || d.ErrorDescription != tt.want {
					t.Fatalf("%s: got %+v, want %q", pass, d, tt.want)
				}
			}
		})
	}
}

func TestDecisionJSONSID(t *testing.T) {
	d := Decision{Allow: true, Status: 200, Subject: "users/1", Scopes: []string{}, JTI: "j", SID: "s", ExpiresAt: 9}
	got := string(AppendDecisionJSON(nil, &d))
	want := `{"allow":true,"status":200,"subject":"users/1","scopes":[],"jti":"j","sid":"s","expires_at":9}`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	back, err := ParseDecisionJSON([]byte(got))
	if err != nil || back.SID != "s" {
		t.Fatalf("parsed %+v, %v", back, err)
	}
	if _, err := ParseDecisionJSON([]byte(`{"allow":true,"status":200,"sid":1}`)); !errors.Is(err, ErrMalformedDecision) {
		t.Fatalf("a numeric sid parsed: %v", err)
	}
}

// newClockedAuthorizer is newTestAuthorizer with its clock at testNow: an
// Update forgets entries that are dead at the Authorizer's clock.
func newClockedAuthorizer(tb testing.TB, cfg map[string]any) *Authorizer {
	tb.Helper()
	a := NewAuthorizer(Options{Now: func() time.Time { return time.Unix(testNow, 0) }})
	if err := a.Configure(mustJSON(tb, cfg)); err != nil {
		tb.Fatalf("Configure: %v", err)
	}
	return a
}

// TestUpdate: an Update merges into the Config in force, and a token it
// refuses is refused at once, from the verified-token cache too.
func TestUpdate(t *testing.T) {
	plain := sidToken(t)                                         // jti-1, no sid
	inSession := sidToken(t, "jti", "jti-2", "sid", "sess-1")    // sid sess-1
	otherSession := sidToken(t, "jti", "jti-3", "sid", "sess-2") // sid sess-2
	subject7 := sidToken(t, "jti", "jti-4", "sub", "users/7")    // iat testNow-60
	tokens := []string{plain, inSession, otherSession, subject7}
	const ok = ""
	tests := []struct {
		name    string
		updates []string // applied in order; the last one's error is checked
		wantErr string   // a fragment of the last update's error; "" accepted
		want    [4]string
	}{
		{name: "empty", updates: []string{`{}`}, want: [4]string{ok, ok, ok, ok}},
		{name: "null members", updates: []string{`{"revoked":null,"revoked_sessions":null,"subjects_valid_after":null}`}, want: [4]string{ok, ok, ok, ok}},
		{name: "revoke a jti", updates: []string{`{"revoked":[{"jti":"jti-1","exp":1700003600}]}`},
			want: [4]string{desc(denyRevoked), ok, ok, ok}},
		{name: "revoke a session", updates: []string{`{"revoked_sessions":[{"sid":"sess-1","exp":1700003600}]}`},
			want: [4]string{ok, desc(denyRevoked), ok, ok}},
		{name: "revoke a session escaped", updates: []string{`{"revoked_sessions":[{"sid":"sess\u002d1","exp":1700003600}]}`},
			want: [4]string{ok, desc(denyRevoked), ok, ok}},
		{name: "cutoff", updates: []string{`{"subjects_valid_after":{"users/7":1700000000}}`},
			want: [4]string{ok, ok, ok, desc(denySuperseded)}},
		{name: "cutoff only moves later", updates: []string{`{"subjects_valid_after":{"users/7":1700000000}}`, `{"subjects_valid_after":{"users/7":1}}`},
			want: [4]string{ok, ok, ok, desc(denySuperseded)}},
		{name: "updates add up", updates: []string{`{"revoked":[{"jti":"jti-1","exp":1700003600}]}`, `{"revoked_sessions":[{"sid":"sess-2","exp":1700003600}]}`},
			want: [4]string{desc(denyRevoked), ok, desc(denyRevoked), ok}},
		{name: "all at once", updates: []string{`{"revoked":[{"jti":"jti-1","exp":1700003600}],"revoked_sessions":[{"sid":"sess-1","exp":1700003600},{"sid":"sess-2","exp":1700003600}],"subjects_valid_after":{"users/7":1700000000}}`},
			want: [4]string{desc(denyRevoked), desc(denyRevoked), desc(denyRevoked), desc(denySuperseded)}},
		{name: "rejected after a valid entry changes nothing", updates: []string{`{"revoked_sessions":[{"sid":"sess-1","exp":1700003600},{"sid":"","exp":1}]}`},
			wantErr: "update: revoked_sessions: sid", want: [4]string{ok, ok, ok, ok}},
		{name: "rejected by a later member changes nothing", updates: []string{`{"revoked":[{"jti":"jti-1","exp":1700003600}],"subjects_valid_after":{"users/7":"x"}}`},
			wantErr: "update: subjects_valid_after", want: [4]string{ok, ok, ok, ok}},
		{name: "unknown member", updates: []string{`{"revoked":[],"keys":{"keys":[]}}`}, wantErr: `update: unknown member "keys"`, want: [4]string{ok, ok, ok, ok}},
		{name: "unknown entry member", updates: []string{`{"revoked":[{"jti":"jti-1","exp":1,"sid":"s"}]}`}, wantErr: `update: revoked: unknown member "sid"`, want: [4]string{ok, ok, ok, ok}},
		{name: "sid too long", updates: []string{`{"revoked_sessions":[{"sid":"` + strings.Repeat("s", 129) + `","exp":1}]}`}, wantErr: "update: revoked_sessions: sid", want: [4]string{ok, ok, ok, ok}},
		{name: "not an object", updates: []string{`[]`}, wantErr: "update: an update must be a JSON object", want: [4]string{ok, ok, ok, ok}},
		{name: "not strict JSON", updates: []string{`{"revoked":[],"revoked":[]}`}, wantErr: "update: not strict JSON", want: [4]string{ok, ok, ok, ok}},
		{name: "empty input", updates: []string{``}, wantErr: "update: not strict JSON", want: [4]string{ok, ok, ok, ok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newClockedAuthorizer(t, baseConfig(t))
			for _, tok := range tokens { // fill the verified-token cache
				if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); !d.Allow {
					t.Fatalf("before the update: %+v", d)
				}
			}
			var err error
			for _, u := range tt.updates {
				err = a.Update([]byte(u))
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Update: %v", err)
			case tt.wantErr != "" && (!errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Update error %v, want one wrapping ErrInvalidConfig with %q", err, tt.wantErr)
			}
			if n := a.policy.Load().cache.len(); n != len(tokens) {
				t.Fatalf("the update changed the verified-token cache: %d entries", n)
			}
			for i, tok := range tokens {
				d := a.Authorize(request("GET", "/x", "Bearer "+tok))
				if d.Allow != (tt.want[i] == ok) || d.ErrorDescription != tt.want[i] {
					t.Errorf("token %d: got %+v, want %q", i, d, tt.want[i])
				}
			}
		})
	}
}

func TestUpdateNeedsConfig(t *testing.T) {
	a := NewAuthorizer(Options{})
	if err := a.Update([]byte(`{}`)); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "no config") {
		t.Fatalf("Update before Configure: %v", err)
	}
}

// TestConfigureReplacesUpdates: a Config replaces every Update before it.
func TestConfigureReplacesUpdates(t *testing.T) {
	tok := sidToken(t, "sid", "sess-1")
	a := newClockedAuthorizer(t, baseConfig(t))
	if err := a.Update([]byte(`{"revoked_sessions":[{"sid":"sess-1","exp":1700003600}]}`)); err != nil {
		t.Fatal(err)
	}
	if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); d.Allow {
		t.Fatalf("revoked session allowed: %+v", d)
	}
	if err := a.Configure(mustJSON(t, baseConfig(t))); err != nil {
		t.Fatal(err)
	}
	if d := a.Authorize(request("GET", "/x", "Bearer "+tok)); !d.Allow {
		t.Fatalf("after a Config without the session: %+v", d)
	}
}

// TestUpdateForgetsDeadEntries: a module fed only Updates holds about its
// live entries, never forgets a live one, and forgets nothing on Configure.
func TestUpdateForgetsDeadEntries(t *testing.T) {
	clock := testNow
	a := NewAuthorizer(Options{Now: func() time.Time { return time.Unix(clock, 0) }})
	cfg := baseConfig(t)
	cfg["leeway_seconds"] = 0
	cfg["max_lifetime_seconds"] = 600
	// Dead at the clock already: Configure keeps them all the same.
	cfg["revoked_sessions"] = []map[string]any{{"sid": "old-1", "exp": 1}, {"sid": "old-2", "exp": 2}}
	cfg["subjects_valid_after"] = map[string]int64{"users/old": 1}
	if err := a.Configure(mustJSON(t, cfg)); err != nil {
		t.Fatal(err)
	}
	rev := a.policy.Load().rev
	if rev.sids.len() != 2 || rev.subjects.len() != 1 {
		t.Fatalf("Configure forgot entries: %d sessions, %d cutoffs", rev.sids.len(), rev.subjects.len())
	}
	const (
		updates = 2000
		life    = 20 // seconds an update's entries stay live; the clock moves 1 s per update
	)
	for i := range updates {
		clock++
		u := fmt.Sprintf(`{"revoked":[{"jti":"j%d","exp":%d}],"revoked_sessions":[{"sid":"s%d","exp":%d}],"subjects_valid_after":{"users/%d":%d}}`,
			i, clock+life, i, clock+life, i, clock+life-600)
		if i%100 == 0 { // now and then an entry that stays live for the whole test
			u = fmt.Sprintf(`{"revoked_sessions":[{"sid":"long-%d","exp":%d}]}`, i, clock+10*updates)
		}
		if err := a.Update([]byte(u)); err != nil {
			t.Fatal(err)
		}
	}
	// Live now: the last `life` updates' entries, plus the long ones.
	long := updates / 100
	bound := 2*(life+long) + sweepMinimum
	for name, n := range map[string]int{"jtis": rev.jtis.len(), "sids": rev.sids.len(), "subjects": rev.subjects.len()} {
		if n > bound {
			t.Errorf("%s holds %d entries after %d updates, bound %d", name, n, updates, bound)
		}
	}
	if rev.sids.n != rev.sids.len() {
		t.Errorf("the ring holds %d keys, the table %d", rev.sids.n, rev.sids.len())
	}
	// No live entry was forgotten.
	at := func(tok string) Decision {
		now := clock
		return a.Authorize(&Request{Method: "GET", Path: "/x", Headers: map[string][]string{"authorization": {"Bearer " + tok}}, Now: &now})
	}
	live := func(kv ...any) string {
		return sidToken(t, append([]any{"iat", clock - 10, "exp", clock + 100}, kv...)...)
	}
	for i := 0; i < updates; i += 100 {
		if d := at(live("sid", fmt.Sprintf("long-%d", i))); d.ErrorDescription != desc(denyRevoked) {
			t.Fatalf("long-lived session %d: %+v", i, d)
		}
	}
	last := updates - 1
	if d := at(live("jti", fmt.Sprintf("j%d", last))); d.ErrorDescription != desc(denyRevoked) {
		t.Fatalf("the last jti: %+v", d)
	}
	if d := at(live("sid", fmt.Sprintf("s%d", last))); d.ErrorDescription != desc(denyRevoked) {
		t.Fatalf("the last session: %+v", d)
	}
	if d := at(live("sub", fmt.Sprintf("users/%d", last), "iat", clock-600+life-1, "exp", clock+life-1)); d.ErrorDescription != desc(denySuperseded) {
		t.Fatalf("the last cutoff: %+v", d)
	}
}

// TestUpdateCostIsTheUpdates: an Update allocates the same whatever the
// size of the Config in force, so it neither re-parses nor copies it.
func TestUpdateCostIsTheUpdates(t *testing.T) {
	allocs := func(entries int) float64 {
		cfg := baseConfig(t)
		cfg["revoked_sessions"] = sessionEntries(entries)
		a := newClockedAuthorizer(t, cfg)
		i := 0
		return testing.AllocsPerRun(200, func() {
			i++
			if err := a.Update(fmt.Appendf(nil, `{"revoked_sessions":[{"sid":"new-%d","exp":%d}]}`, i, testNow+3600)); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(10), allocs(100_000)
	if large > small+1 {
		t.Fatalf("an Update allocates %.1f times with 10 entries in force, %.1f with 100,000", small, large)
	}
}

func sessionEntries(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"sid": fmt.Sprintf("sess-%07d-abcdefghijkl", i), "exp": testNow + 3600}
	}
	return out
}

// TestUpdateWhileAuthorizing: checks run concurrently with Updates (for
// the race detector), and once Update returns the session it revoked is
// refused by every later check.
func TestUpdateWhileAuthorizing(t *testing.T) {
	a := newClockedAuthorizer(t, baseConfig(t))
	const sessions = 40
	toks := make([]string, sessions)
	for i := range toks {
		toks[i] = sidToken(t, "jti", fmt.Sprint("j", i), "sid", fmt.Sprint("s", i))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a.Authorize(request("GET", "/x", "Bearer "+toks[i%sessions]))
			}
		}()
	}
	for i := range sessions {
		if err := a.Update(fmt.Appendf(nil, `{"revoked_sessions":[{"sid":"s%d","exp":%d}]}`, i, testNow+3600)); err != nil {
			t.Fatal(err)
		}
		if d := a.Authorize(request("GET", "/x", "Bearer "+toks[i])); d.Allow {
			t.Fatalf("session %d allowed after its revocation: %+v", i, d)
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkUpdate: one logout (one session) merged into a Config that
// already holds 100,000 entries.
func BenchmarkUpdate(b *testing.B) {
	cfg := baseConfig(b)
	cfg["revoked_sessions"] = sessionEntries(100_000)
	a := newClockedAuthorizer(b, cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := a.Update(fmt.Appendf(nil, `{"revoked_sessions":[{"sid":"new-%d","exp":%d}]}`, i, testNow+3600)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConfigureLarge: a Config with 100,000 revocation entries, half
// jti, half sid.
func BenchmarkConfigureLarge(b *testing.B) {
	cfg := baseConfig(b)
	cfg["revoked_sessions"] = sessionEntries(50_000)
	jtis := make([]map[string]any, 50_000)
	for i := range jtis {
		jtis[i] = map[string]any{"jti": fmt.Sprintf("jti-%07d-abcdefghijkl", i), "exp": testNow + 3600}
	}
	cfg["revoked"] = jtis
	doc := mustJSON(b, cfg)
	a := NewAuthorizer(Options{})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := a.Configure(doc); err != nil {
			b.Fatal(err)
		}
	}
}
