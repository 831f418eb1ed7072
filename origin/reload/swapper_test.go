package reload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost"
)

// fakeHost answers every request with its own name as the subject.
type fakeHost struct {
	name string

	mu        sync.Mutex
	configs   []string
	updates   []string // taken since the last config
	refuse    error    // Configure's answer
	noUpdates bool     // Update fails, like a module without edgeauth_update

	// admit makes "not closed, so count me in flight" one step, as
	// wasmhost's admission is: Close cannot slip between the check and the
	// count and then miss a call still running.
	admit    sync.Mutex
	closed   atomic.Bool
	inflight sync.WaitGroup
	calls    atomic.Uint64
	// gate, when set, holds Authorize until it is closed; admitted says
	// whether the held call counts as inside the Host (Close waits for it)
	// or as one that arrived after Close began (it then gets ErrClosed).
	gate     chan struct{}
	admitted bool
	entered  chan struct{}
}

func newFake(name string) *fakeHost { return &fakeHost{name: name, entered: make(chan struct{}, 16)} }

func (f *fakeHost) Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	if f.gate != nil {
		if f.admitted {
			f.inflight.Add(1)
			defer f.inflight.Done()
		}
		f.entered <- struct{}{}
		<-f.gate
		if !f.admitted {
			return edgeauth.Decision{}, fmt.Errorf("fake: %w", wasmhost.ErrClosed)
		}
	} else {
		f.admit.Lock()
		if f.closed.Load() {
			f.admit.Unlock()
			return edgeauth.Decision{}, fmt.Errorf("fake: %w", wasmhost.ErrClosed)
		}
		f.inflight.Add(1)
		f.admit.Unlock()
		defer f.inflight.Done()
	}
	f.calls.Add(1)
	return edgeauth.Decision{Allow: true, Status: 200, Subject: f.name}, nil
}

func (f *fakeHost) Configure(ctx context.Context, doc []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		return f.refuse
	}
	f.configs = append(f.configs, string(doc))
	f.updates = nil
	return nil
}

func (f *fakeHost) Update(ctx context.Context, doc []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noUpdates {
		return fmt.Errorf("fake: %w", wasmhost.ErrUpdateUnsupported)
	}
	f.updates = append(f.updates, string(doc))
	return nil
}

func (f *fakeHost) taken() (configs int, last string, updates []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.configs) > 0 {
		last = f.configs[len(f.configs)-1]
	}
	return len(f.configs), last, append([]string(nil), f.updates...)
}

func (f *fakeHost) lastConfig() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.configs) == 0 {
		return ""
	}
	return f.configs[len(f.configs)-1]
}

func (f *fakeHost) Stats() wasmhost.Stats {
	return wasmhost.Stats{PoolSize: 2, Calls: f.calls.Load()}
}

func (f *fakeHost) Close(ctx context.Context) error {
	f.admit.Lock()
	f.closed.Store(true)
	f.admit.Unlock()
	done := make(chan struct{})
	go func() { f.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func subjectOf(t *testing.T, s *Swapper) string {
	t.Helper()
	d, err := s.Authorize(context.Background(), &edgeauth.Request{Method: "GET", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	return d.Subject
}

func TestSwapCarriesConfigAndClosesOld(t *testing.T) {
	ctx := context.Background()
	a, b := newFake("a"), newFake("b")
	s := NewSwapper(a)
	if err := s.Configure(ctx, []byte("cfg1")); err != nil {
		t.Fatal(err)
	}
	if got := subjectOf(t, s); got != "a" {
		t.Fatalf("before the swap: %q", got)
	}
	if err := s.Swap(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := subjectOf(t, s); got != "b" {
		t.Fatalf("after the swap: %q", got)
	}
	if b.lastConfig() != "cfg1" {
		t.Fatalf("new host got config %q, want the one in force", b.lastConfig())
	}
	if !a.closed.Load() {
		t.Fatal("old host not closed")
	}
	if err := s.Configure(ctx, []byte("cfg2")); err != nil || b.lastConfig() != "cfg2" || a.lastConfig() != "cfg1" {
		t.Fatalf("Configure after the swap went to the wrong host: a=%q b=%q err=%v", a.lastConfig(), b.lastConfig(), err)
	}
	if st := s.Stats(); st.Calls != 2 || st.PoolSize != 2 {
		t.Fatalf("stats %+v: calls must add up across hosts", st)
	}
}

// TestSwapCarriesUpdates: a new host gets the config and every update
// since; one that cannot take updates gets them merged into one config.
func TestSwapCarriesUpdates(t *testing.T) {
	ctx := context.Background()
	cfg := `{"issuer":"i","revoked":[{"jti":"j1","exp":5}],"subjects_valid_after":{"users/1":10}}`
	upd1 := `{"revoked_sessions":[{"sid":"s1","exp":7}],"subjects_valid_after":{"users/1":12,"users/2":3}}`
	upd2 := `{"revoked":[{"jti":"j1","exp":9}],"revoked_sessions":[{"sid":"s1","exp":6},{"sid":"s2","exp":8}]}`
	a := newFake("a")
	s := NewSwapper(a)
	if err := s.Configure(ctx, []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{upd1, upd2} {
		if err := s.Update(ctx, []byte(u)); err != nil {
			t.Fatal(err)
		}
	}

	b := newFake("b")
	if err := s.Swap(ctx, b); err != nil {
		t.Fatal(err)
	}
	if n, last, updates := b.taken(); n != 1 || last != cfg || len(updates) != 2 || updates[0] != upd1 || updates[1] != upd2 {
		t.Fatalf("new host took %d configs (last %s) and updates %v", n, last, updates)
	}

	old := newFake("old")
	old.noUpdates = true
	if err := s.Swap(ctx, old); err != nil {
		t.Fatal(err)
	}
	n, last, _ := old.taken()
	var got struct {
		Issuer          string                       `json:"issuer"`
		Revoked         []edgeauth.Revocation        `json:"revoked"`
		RevokedSessions []edgeauth.SessionRevocation `json:"revoked_sessions"`
		Subjects        map[string]int64             `json:"subjects_valid_after"`
	}
	if err := json.Unmarshal([]byte(last), &got); err != nil || n != 2 {
		t.Fatalf("a host without updates took %d configs, last %s (%v)", n, last, err)
	}
	slices.SortFunc(got.RevokedSessions, func(x, y edgeauth.SessionRevocation) int { return strings.Compare(x.SID, y.SID) })
	if got.Issuer != "i" || !slices.Equal(got.Revoked, []edgeauth.Revocation{{JTI: "j1", Exp: 9}}) ||
		!slices.Equal(got.RevokedSessions, []edgeauth.SessionRevocation{{SID: "s1", Exp: 7}, {SID: "s2", Exp: 8}}) ||
		!maps.Equal(got.Subjects, map[string]int64{"users/1": 12, "users/2": 3}) {
		t.Fatalf("merged config = %s", last)
	}

	// A config resets what a new host must replay.
	if err := s.Configure(ctx, []byte(`{"issuer":"j"}`)); err != nil {
		t.Fatal(err)
	}
	c := newFake("c")
	if err := s.Swap(ctx, c); err != nil {
		t.Fatal(err)
	}
	if n, last, updates := c.taken(); n != 1 || last != `{"issuer":"j"}` || len(updates) != 0 {
		t.Fatalf("after a config: %d configs (last %s), updates %v", n, last, updates)
	}
}

// An update the host refuses is not remembered, and its error returned.
func TestUpdateRefused(t *testing.T) {
	ctx := context.Background()
	a := newFake("a")
	a.noUpdates = true
	s := NewSwapper(a)
	if err := s.Configure(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, []byte(`{"revoked_sessions":[{"sid":"s","exp":1}]}`)); !errors.Is(err, wasmhost.ErrUpdateUnsupported) {
		t.Fatalf("Update = %v", err)
	}
	b := newFake("b")
	if err := s.Swap(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, _, updates := b.taken(); len(updates) != 0 {
		t.Fatalf("a refused update was replayed: %v", updates)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, []byte(`{}`)); !errors.Is(err, ErrSwapClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
}

func TestSwapRefusedConfigKeepsOld(t *testing.T) {
	ctx := context.Background()
	a, bad := newFake("a"), newFake("bad")
	bad.refuse = wasmhost.ErrConfigRejected
	s := NewSwapper(a)
	if err := s.Configure(ctx, []byte("cfg")); err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(ctx, bad); !errors.Is(err, wasmhost.ErrConfigRejected) {
		t.Fatalf("Swap = %v, want the refusal", err)
	}
	if !bad.closed.Load() || a.closed.Load() {
		t.Fatal("the refused host must be closed and the old one kept")
	}
	if got := subjectOf(t, s); got != "a" {
		t.Fatalf("serving on %q after a failed swap", got)
	}
}

func TestSwapBeforeAnyConfig(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	s := NewSwapper(a)
	if err := s.Swap(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.lastConfig() != "" {
		t.Fatal("a config was invented")
	}
}

// TestInFlightFinishesOnOld: a call inside the old host when the swap
// happens is answered by the old host, and the old host is closed only
// after it.
func TestInFlightFinishesOnOld(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	a.gate, a.admitted = make(chan struct{}), true
	s := NewSwapper(a)
	got := make(chan string, 1)
	go func() { got <- subjectOf(t, s) }()
	<-a.entered
	swapped := make(chan error, 1)
	go func() { swapped <- s.Swap(context.Background(), b) }()
	// New requests go to b at once, while a still holds its call.
	deadline := time.Now().Add(5 * time.Second)
	for s.cur.Load().h != Host(b) {
		if time.Now().After(deadline) {
			t.Fatal("new requests never reached the new host")
		}
		time.Sleep(time.Millisecond)
	}
	if got := subjectOfNoGate(s); got != "b" {
		t.Fatalf("a new request went to %q during the swap", got)
	}
	select {
	case err := <-swapped:
		t.Fatalf("Swap returned (%v) while the old host still had a call inside", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(a.gate)
	if s := <-got; s != "a" {
		t.Fatalf("in-flight call answered by %q, want the old host", s)
	}
	if err := <-swapped; err != nil {
		t.Fatal(err)
	}
}

func subjectOfNoGate(s *Swapper) string {
	d, _ := s.Authorize(context.Background(), &edgeauth.Request{})
	return d.Subject
}

// TestRetryAfterClosedRace: a call that picked the old host but reached it
// only after its Close began gets ErrClosed from it, and the Swapper retries
// it on the new host.
func TestRetryAfterClosedRace(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	a.gate, a.admitted = make(chan struct{}), false
	s := NewSwapper(a)
	got := make(chan string, 1)
	go func() { got <- subjectOf(t, s) }()
	<-a.entered
	if err := s.Swap(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	close(a.gate)
	if s := <-got; s != "b" {
		t.Fatalf("answered by %q, want a retry on the new host", s)
	}
}

func TestSwapDrainTimeout(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	a.gate, a.admitted = make(chan struct{}), true
	s := NewSwapper(a)
	go subjectOfNoGate(s)
	<-a.entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Swap(ctx, b); !errors.Is(err, ErrDrain) {
		t.Fatalf("Swap = %v, want ErrDrain", err)
	}
	if got := subjectOfNoGate(s); got != "b" {
		t.Fatalf("after a slow drain the new host must serve, got %q", got)
	}
	close(a.gate)
}

func TestClose(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	s := NewSwapper(a)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !a.closed.Load() {
		t.Fatal("host not closed")
	}
	if err := s.Swap(context.Background(), b); !errors.Is(err, ErrSwapClosed) || !b.closed.Load() {
		t.Fatalf("Swap after Close = %v (new host closed: %v)", err, b.closed.Load())
	}
	if err := s.Configure(context.Background(), []byte("x")); !errors.Is(err, ErrSwapClosed) {
		t.Fatalf("Configure after Close = %v", err)
	}
	if _, err := s.Authorize(context.Background(), &edgeauth.Request{}); !errors.Is(err, wasmhost.ErrClosed) {
		t.Fatalf("Authorize after Close = %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal("second Close:", err)
	}
}

// TestSwapUnderLoad swaps fake hosts while 8 workers call without pause:
// no call may fail, and the call counter never goes down.
func TestSwapUnderLoad(t *testing.T) {
	s := NewSwapper(newFake("h0"))
	if err := s.Configure(context.Background(), []byte("cfg")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var failures, calls atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := s.Authorize(context.Background(), &edgeauth.Request{}); err != nil {
					failures.Add(1)
				}
				calls.Add(1)
			}
		})
	}
	var last uint64
	for i := 1; i <= 50; i++ {
		if err := s.Swap(context.Background(), newFake(fmt.Sprint("h", i))); err != nil {
			t.Fatal(err)
		}
		if c := s.Stats().Calls; c < last {
			t.Fatalf("calls went down from %d to %d", last, c)
		} else {
			last = c
		}
	}
	cancel()
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d of %d calls failed during swaps", failures.Load(), calls.Load())
	}
	if st := s.Stats(); st.Calls != uint64(calls.Load()) {
		t.Fatalf("stats count %d calls, workers made %d", st.Calls, calls.Load())
	}
}
