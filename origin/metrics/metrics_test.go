package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/metrics/metricstest"
	"github.com/craftingapis/todos/wasmhost"
)

// scrape fetches the exposition from Handler, as Prometheus would, and
// parses it.
func scrape(t *testing.T, m *Metrics) metricstest.Families {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics answered %d", rec.Code)
	}
	fams, err := metricstest.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func mustValue(t *testing.T, fams metricstest.Families, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := fams.Value(name, labels)
	if !ok {
		t.Fatalf("%s%v is missing", name, labels)
	}
	if got != want {
		t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func TestObserveRequest(t *testing.T) {
	m := New()
	m.ObserveRequest("GET", "/users/{id}", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "/users/{id}", 200, 3*time.Millisecond)
	m.ObserveRequest("BREW", "(unmatched)", 405, time.Millisecond)
	fams := scrape(t, m)
	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"counted by template", NameRequests, map[string]string{"method": "GET", "route": "/users/{id}", "status": "200"}, 2},
		{"unknown method folded", NameRequests, map[string]string{"method": "OTHER", "route": "(unmatched)", "status": "405"}, 1},
		{"timed", NameRequestDuration, map[string]string{"method": "GET", "route": "/users/{id}"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustValue(t, fams, tt.metric, tt.labels, tt.want) })
	}
	if _, ok := fams.Value(NameRequests, map[string]string{"method": "BREW"}); ok {
		t.Fatal("a client's method became a label value")
	}
}

type fakeAuthorizer struct {
	d   edgeauth.Decision
	err error
}

func (f fakeAuthorizer) Authorize(context.Context, *edgeauth.Request) (edgeauth.Decision, error) {
	return f.d, f.err
}

func TestAuthorizerCountsOutcomes(t *testing.T) {
	expired := edgeauth.Decision{Status: 401, Error: edgeauth.CodeInvalidToken, ErrorDescription: "the token has expired"}
	tests := []struct {
		name            string
		d               edgeauth.Decision
		err             error
		outcome, reason string
	}{
		{"public", edgeauth.Decision{Allow: true, Status: 200}, nil, OutcomeAllow, edgeauth.ReasonPublic},
		{"token", edgeauth.Decision{Allow: true, Status: 200, Subject: "users/1"}, nil, OutcomeAllow, edgeauth.ReasonValidToken},
		{"token with its reason", edgeauth.Decision{Allow: true, Status: 200, Subject: "users/1", Reason: edgeauth.ReasonValidToken}, nil, OutcomeAllow, edgeauth.ReasonValidToken},
		{"error beside an allowing decision", edgeauth.Decision{Allow: true, Status: 200, Subject: "users/1", Reason: edgeauth.ReasonValidToken}, wasmhost.ErrTrap, OutcomeError, ErrorTrap},
		{"expired", expired, nil, OutcomeDeny, edgeauth.ReasonExpired},
		{"missing", edgeauth.Decision{Status: 401}, nil, OutcomeDeny, edgeauth.ReasonMissing},
		{"owner mismatch", edgeauth.Decision{Status: 404, Error: edgeauth.CodeNotFound, ErrorDescription: "not found"}, nil, OutcomeDeny, edgeauth.ReasonNotFound},
		{"foreign denial", edgeauth.Decision{Status: 401, ErrorDescription: "nope"}, nil, OutcomeDeny, edgeauth.ReasonOther},
		{"timeout", edgeauth.Decision{}, fmt.Errorf("wasmhost: authorize: %w", wasmhost.ErrTimeout), OutcomeError, ErrorTimeout},
		{"trap", edgeauth.Decision{}, fmt.Errorf("x: %w", wasmhost.ErrTrap), OutcomeError, ErrorTrap},
		{"bad output", edgeauth.Decision{}, wasmhost.ErrBadOutput, OutcomeError, ErrorBadOutput},
		{"closed", edgeauth.Decision{}, wasmhost.ErrClosed, OutcomeError, ErrorClosed},
		{"client gone", edgeauth.Decision{}, fmt.Errorf("wait: %w", context.Canceled), OutcomeError, ErrorCanceled},
		{"anything else", edgeauth.Decision{}, errors.New("boom"), OutcomeError, ErrorOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			a := m.Authorizer(fakeAuthorizer{tt.d, tt.err})
			d, err := a.Authorize(context.Background(), &edgeauth.Request{Method: "GET", Path: "/"})
			if !errors.Is(err, tt.err) || d.Status != tt.d.Status || d.Allow != tt.d.Allow {
				t.Fatalf("the decorator changed the answer: %+v, %v", d, err)
			}
			fams := scrape(t, m)
			mustValue(t, fams, NameDecisions, map[string]string{"outcome": tt.outcome, "reason": tt.reason}, 1)
			mustValue(t, fams, NameAuthDuration, map[string]string{"outcome": tt.outcome}, 1)
			// Every other pre-declared series is present and still 0.
			if total, _ := fams.Value(NameDecisions, nil); total != 1 {
				t.Fatalf("decisions sum to %v, want 1", total)
			}
			mustValue(t, fams, NameDecisions, map[string]string{"outcome": OutcomeDeny, "reason": edgeauth.ReasonRevoked}, 0)
		})
	}
}

func configDoc(revoked int, kids ...string) []byte {
	var ks, rs []string
	for _, k := range kids {
		ks = append(ks, fmt.Sprintf(`{"kty":"OKP","kid":%q,"alg":"EdDSA","crv":"Ed25519","x":"AAAA"}`, k))
	}
	for i := range revoked {
		rs = append(rs, fmt.Sprintf(`{"jti":"j%d","exp":1}`, i))
	}
	return []byte(fmt.Sprintf(`{"issuer":"i","audiences":["a"],"keys":{"keys":[%s]},"revoked":[%s]}`,
		strings.Join(ks, ","), strings.Join(rs, ",")))
}

// fakeSink answers both calls with err().
type fakeSink func() error

func (f fakeSink) Configure(context.Context, []byte) error { return f() }
func (f fakeSink) Update(context.Context, []byte) error    { return f() }

// switchSink fails with err while *fail is true.
func switchSink(fail *bool, err error) controlplane.Sink {
	return fakeSink(func() error {
		if *fail {
			return err
		}
		return nil
	})
}

func TestSinkCountsUpdatesAndRotations(t *testing.T) {
	m := New()
	refuse := errors.New("refused")
	var fail bool
	sink := m.Sink(switchSink(&fail, refuse))
	steps := []struct {
		name      string
		doc       []byte
		fail      bool
		rotations float64
		keys      float64
		revoked   float64
	}{
		{"first config is the baseline", configDoc(0, "k1"), false, 0, 1, 0},
		{"a logout", configDoc(1, "k1"), false, 0, 1, 1},
		{"a rotation", configDoc(1, "k1", "k2"), false, 1, 2, 1},
		{"a refused config changes nothing", configDoc(0, "k1", "k2", "k3"), true, 1, 2, 1},
		{"the old key retires", configDoc(1, "k2"), false, 1, 1, 1},
		{"two new keys at once", configDoc(0, "k2", "k3", "k4"), false, 3, 3, 0},
	}
	var ok, failed float64
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			fail = s.fail
			err := sink.Configure(context.Background(), s.doc)
			if s.fail != (err != nil) || (err != nil && !errors.Is(err, refuse)) {
				t.Fatalf("sink = %v", err)
			}
			if s.fail {
				failed++
			} else {
				ok++
			}
			fams := scrape(t, m)
			mustValue(t, fams, NameKeyRotations, nil, s.rotations)
			mustValue(t, fams, NameVerifyingKeys, nil, s.keys)
			mustValue(t, fams, NameRevokedTokens, nil, s.revoked)
			mustValue(t, fams, NameConfigUpdates, map[string]string{"result": ResultSuccess}, ok)
			mustValue(t, fams, NameConfigUpdates, map[string]string{"result": ResultFailure}, failed)
		})
	}
}

func TestSinkCountsDeltas(t *testing.T) {
	m := New()
	refuse := errors.New("refused")
	var fail bool
	sink := m.Sink(switchSink(&fail, refuse))
	for _, f := range []bool{false, false, true} {
		fail = f
		if err := sink.Update(context.Background(), []byte(`{"revoked_sessions":[{"sid":"s","exp":1}]}`)); (err != nil) != f {
			t.Fatalf("Update = %v", err)
		}
	}
	fams := scrape(t, m)
	mustValue(t, fams, NameConfigDeltas, map[string]string{"result": ResultSuccess}, 2)
	mustValue(t, fams, NameConfigDeltas, map[string]string{"result": ResultFailure}, 1)
	mustValue(t, fams, NameConfigUpdates, map[string]string{"result": ResultSuccess}, 0)
}

func TestWatchControlPlane(t *testing.T) {
	m := New()
	st := controlplane.Stats{RevokedSessions: 12, Subjects: 3, Revoked: 1, Updates: 5}
	m.WatchControlPlane(func() controlplane.Stats { return st })
	fams := scrape(t, m)
	mustValue(t, fams, NameRevokedSessions, nil, 12)
	mustValue(t, fams, NameSubjectCutoffs, nil, 3)
	mustValue(t, fams, NamePendingUpdates, nil, 5)
}

// reuseAuth answers every refresh with its err.
type reuseAuth struct {
	origin.AuthService
	err error
}

func (a reuseAuth) Refresh(context.Context, string) (*origin.Token, error) { return nil, a.err }

func TestAuthServiceCountsReuse(t *testing.T) {
	m := New()
	reused := fmt.Errorf("invalid grant: %w", origin.ErrRefreshTokenReused)
	for _, err := range []error{nil, errors.New("invalid grant"), reused, reused} {
		got, _ := m.AuthService(reuseAuth{err: err}).Refresh(context.Background(), "t")
		if got != nil {
			t.Fatal("the wrapper invented a token")
		}
	}
	mustValue(t, scrape(t, m), NameRefreshReuse, nil, 2)
}

func TestWatchPoolAndReloads(t *testing.T) {
	m := New()
	st := wasmhost.Stats{PoolSize: 4, Busy: 1, Calls: 10, CacheHits: 7, Replaced: 2}
	m.WatchPool(func() wasmhost.Stats { return st })
	m.ModuleLoaded([]byte{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89})
	m.ModuleReload(errors.New("not ABI v1"))
	m.ModuleReload(nil)
	m.ModuleLoaded([]byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07})
	m.ConfigReload(nil)
	fams := scrape(t, m)
	mustValue(t, fams, NamePoolInstances, nil, 4)
	mustValue(t, fams, NamePoolBusy, nil, 1)
	mustValue(t, fams, NameModuleCalls, nil, 10)
	mustValue(t, fams, NameInstancesReplaced, nil, 2)
	mustValue(t, fams, NameCacheHits, nil, 7)
	mustValue(t, fams, NameModuleReloads, map[string]string{"result": ResultSuccess}, 1)
	mustValue(t, fams, NameModuleReloads, map[string]string{"result": ResultFailure}, 1)
	mustValue(t, fams, NameConfigReloads, map[string]string{"result": ResultSuccess}, 1)
	mustValue(t, fams, NameConfigReloads, map[string]string{"result": ResultFailure}, 0)
	mustValue(t, fams, NameModuleInfo, map[string]string{"sha256": "010203040506"}, 1)
	if n := len(fams[NameModuleInfo].GetMetric()); n != 1 {
		t.Fatalf("module info has %d series, want only the current module", n)
	}
	st.Busy, st.Calls = 0, 11
	fams = scrape(t, m)
	mustValue(t, fams, NamePoolBusy, nil, 0)
	mustValue(t, fams, NameModuleCalls, nil, 11)
}

// TestLint holds every metric to Prometheus' naming conventions (units,
// _total on counters, help text).
func TestLint(t *testing.T) {
	m := New()
	m.WatchPool(func() wasmhost.Stats { return wasmhost.Stats{} })
	m.ObserveRequest("GET", "/healthz", 200, time.Millisecond)
	m.ModuleLoaded([]byte{1})
	problems, err := lintGathered(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, Namespace+"_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

// BenchmarkAuthorizer measures what the decorator adds to every request.
func BenchmarkAuthorizer(b *testing.B) {
	m := New()
	// A verified token allowed, as the module answers it.
	a := m.Authorizer(fakeAuthorizer{d: edgeauth.Decision{Allow: true, Status: 200, Subject: "users/1", Reason: edgeauth.ReasonValidToken}})
	req := &edgeauth.Request{Method: "GET", Path: "/users/1"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = a.Authorize(ctx, req)
	}
}

// BenchmarkObserveRequest measures the per-request cost of the HTTP metrics.
func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("GET", "/users/{id}/todos", 200, time.Millisecond)
	}
}

func lintGathered(m *Metrics) ([]promlint.Problem, error) {
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		return nil, err
	}
	return promlint.NewWithMetricFamilies(mfs).Lint()
}
