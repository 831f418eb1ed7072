package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost/internal/testmodules"
)

func TestNewRejects(t *testing.T) {
	abi := func(edit func(fs []testmodules.Func) []testmodules.Func) []byte {
		return testmodules.Assemble(edit(testmodules.ABIShaped(1)), nil, true)
	}
	tests := []struct {
		name    string
		module  []byte
		opts    Options
		want    error  // nil: any error
		message string // a substring the error must carry
	}{
		{"empty module", testmodules.Assemble(nil, nil, false), Options{}, ErrNotABIv1, `no export "_initialize"`},
		{"abi_version 2", testmodules.Assemble(testmodules.ABIShaped(2), nil, true), Options{}, ErrNotABIv1, "returned 2"},
		{"abi_version -1", testmodules.Assemble(testmodules.ABIShaped(-1), nil, true), Options{}, ErrNotABIv1, "returned -1"},
		{"no authorize", abi(func(fs []testmodules.Func) []testmodules.Func { return fs[:5] }), Options{}, ErrNotABIv1, `no export "edgeauth_authorize"`},
		{"authorize returns i32", abi(func(fs []testmodules.Func) []testmodules.Func {
			fs[5].Results = []byte{testmodules.I32}
			return fs
		}), Options{}, ErrNotABIv1, "(i32, i32) -> (i32), want (i32, i32) -> (i64)"},
		{"alloc takes i64", abi(func(fs []testmodules.Func) []testmodules.Func {
			fs[2].Params = []byte{testmodules.I64}
			return fs
		}), Options{}, ErrNotABIv1, "edgeauth_alloc"},
		{"update returns i32", abi(func(fs []testmodules.Func) []testmodules.Func {
			return append(fs, testmodules.Func{Export: "edgeauth_update", Params: []byte{testmodules.I32, testmodules.I32}, Results: []byte{testmodules.I32}})
		}), Options{}, ErrNotABIv1, `"edgeauth_update" has signature (i32, i32) -> (i32)`},
		{"no memory", testmodules.Assemble(testmodules.ABIShaped(1), nil, false), Options{}, ErrNotABIv1, `no exported memory "memory"`},
		{"imports beyond WASI", testmodules.Assemble(testmodules.ABIShaped(1), []testmodules.Import{{Module: "env", Name: "fetch"}}, true), Options{}, ErrNotABIv1, "env.fetch"},
		{"alloc returns 0", abi(func(fs []testmodules.Func) []testmodules.Func {
			fs[2].Const = 0
			return fs
		}), Options{}, ErrBadOutput, "edgeauth_alloc"},
		{"not wasm", []byte("\x7fELF not a module"), Options{}, nil, "compile"},
		{"empty", nil, Options{}, nil, "compile"},
		{"negative pool", fakeModule, Options{PoolSize: -1}, ErrInvalidOptions, "PoolSize"},
		{"memory limit beyond wasm32", fakeModule, Options{MemoryLimitMB: 4097}, ErrInvalidOptions, "MemoryLimitMB"},
		{"memory limit too small to start", fakeModule, Options{MemoryLimitMB: 1}, nil, "memory"},
		{"cache dir is a file", fakeModule, Options{CacheDir: "/dev/null"}, nil, "cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.CacheDir == "" {
				opts.CacheDir = cacheDir
			}
			h, err := New(context.Background(), tt.module, opts)
			if err == nil {
				_ = h.Close(context.Background())
				t.Fatal("New succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("New error %q is not %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("New error %q does not mention %q", err, tt.message)
			}
		})
	}
}

// A module with the right shape that answers nonsense loads, but every call
// fails closed with ErrBadOutput: its configure and authorize return an
// empty result, which is not JSON.
func TestHollowModuleFailsClosed(t *testing.T) {
	h := newHost(t, testmodules.Assemble(testmodules.ABIShaped(1), nil, true), Options{PoolSize: 1})
	if err := h.Configure(context.Background(), fakeConfig("iss")); !errors.Is(err, ErrBadOutput) {
		t.Errorf("Configure: err = %v, want ErrBadOutput", err)
	}
	d, err := h.Authorize(context.Background(), get("/x"))
	if !errors.Is(err, ErrBadOutput) || d.Allow {
		t.Errorf("Authorize = %+v, %v; want ErrBadOutput", d, err)
	}
	waitRefilled(h)
	if r := h.Stats().Replaced; r != 2 {
		t.Errorf("Replaced = %d, want 2", r)
	}
}

func TestAuthorizeBeforeConfigDenies(t *testing.T) {
	h := newHost(t, fakeModule, Options{PoolSize: 1})
	d, err := h.Authorize(context.Background(), get("/todos"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow || d.Status != 401 {
		t.Fatalf("decision before any config = %+v, want 401", d)
	}
}

func TestAuthorizeEcho(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 2}, "iss-1")
	req := &edgeauth.Request{Method: "DELETE", Path: "/users/7/todos/3", Headers: map[string][]string{"authorization": {"Bearer a", "Bearer b"}}}
	d, err := h.Authorize(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allow || d.Status != 200 || d.Subject != "DELETE /users/7/todos/3" || d.JTI != "iss-1" ||
		len(d.Scopes) != 2 || d.Scopes[0] != "Bearer a" || d.Scopes[1] != "Bearer b" {
		t.Fatalf("decision = %+v", d)
	}
	// wazero's default clock is frozen at 2022-01-01, under which an expired
	// token would pass: the module must see the real time.
	if now := time.Now().Unix(); d.ExpiresAt < now-5 || d.ExpiresAt > now+5 {
		t.Errorf("module clock says %d, real time is %d", d.ExpiresAt, now)
	}
	if s := h.Stats(); s.Calls != 1 || s.Busy != 0 || s.PoolSize != 2 || s.Replaced != 0 {
		t.Errorf("Stats = %+v", s)
	}
}

// wazero's default random source is seeded, so two instances would draw the
// same bytes; a real source makes them differ.
func TestAuthorizeRandomIsReal(t *testing.T) {
	var seen []string
	for range 2 {
		h := newHost(t, fakeModule, Options{PoolSize: 1})
		d, err := h.Authorize(context.Background(), get("/random"))
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, d.Subject)
	}
	if seen[0] == seen[1] || len(seen[0]) != 32 {
		t.Fatalf("two fresh instances drew %q and %q", seen[0], seen[1])
	}
}

func TestAuthorizeCanceledCtxSpendsNothing(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 1}, "iss")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Authorize(ctx, get("/gone")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if c := h.Stats().Calls; c != 0 {
		t.Errorf("Calls = %d: a canceled request reached the module", c)
	}
}

func TestAuthorizeNilRequest(t *testing.T) {
	h := newHost(t, fakeModule, Options{PoolSize: 1})
	if _, err := h.Authorize(context.Background(), nil); !errors.Is(err, ErrNilRequest) {
		t.Fatalf("err = %v, want ErrNilRequest", err)
	}
}

func TestAuthorizeInputTooLarge(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 1}, "iss")
	req := get("/big")
	req.Headers["authorization"] = []string{strings.Repeat("x", 1<<20)}
	if _, err := h.Authorize(context.Background(), req); !errors.Is(err, ErrInputTooLarge) {
		t.Fatalf("err = %v, want ErrInputTooLarge", err)
	}
	if r := h.Stats().Replaced; r != 0 {
		t.Errorf("an oversized request cost %d instances", r)
	}
	mustAllow(t, h, "/after", "iss")
}

// Inputs larger than the first 4 KiB guest buffer make the host free it and
// allocate a larger one; the module must see every byte. The fake module
// decodes the largest input with encoding/json, slow in wasm and slower
// under -race on a loaded machine: the deadline is far above the default so
// that the test judges the bytes, not the speed.
func TestAuthorizeGrowsInputBuffer(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 1, CallTimeout: time.Minute}, "iss")
	for _, n := range []int{10, 4 << 10, 5 << 10, 100 << 10, 600 << 10, 64} {
		value := strings.Repeat("v", n-1) + "!"
		req := get(fmt.Sprintf("/grow/%d", n))
		req.Headers["authorization"] = []string{value}
		d, err := h.Authorize(context.Background(), req)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if len(d.Scopes) != 1 || d.Scopes[0] != value {
			t.Fatalf("%d bytes: the module saw a different header", n)
		}
	}
	if r := h.Stats().Replaced; r != 0 {
		t.Errorf("Replaced = %d", r)
	}
}

// A module that misbehaves must cost one call and one instance, never the
// host: the call fails closed, the instance is replaced (with the Config in
// force), and the next calls succeed.
func TestAuthorizeSurvivesModuleFailure(t *testing.T) {
	modules := []struct {
		name   string
		module []byte
	}{
		{"deadline", unmeteredFakeModule},
		{"fuel", fakeModule},
	}
	tests := []struct {
		path    string
		want    error
		timeout time.Duration // the call deadline (the unmetered module's bound)
	}{
		{"/trap", ErrTrap, 5 * time.Second},
		{"/loop", ErrTimeout, 200 * time.Millisecond},
		// The 16 MiB limit must stop the allocation loop long before the
		// deadline: the error is a trap (Go's out-of-memory abort), not a
		// timeout.
		{"/oom", ErrTrap, 10 * time.Second},
		{"/bad-json", ErrBadOutput, 5 * time.Second},
		{"/bad-status", ErrBadOutput, 5 * time.Second},
		{"/out-of-bounds", ErrBadOutput, 5 * time.Second},
	}
	for _, m := range modules {
		for _, tt := range tests {
			t.Run(m.name+strings.ReplaceAll(tt.path, "/", "-"), func(t *testing.T) {
				h := newHost(t, m.module, Options{PoolSize: 2, CallTimeout: tt.timeout, MemoryLimitMB: 16})
				if err := h.Configure(context.Background(), fakeConfig("iss")); err != nil {
					t.Fatal(err)
				}
				// The error names the bound that stopped the call (a loop
				// that no bound stopped would hang the test until go
				// test's own timeout); how long that took depends on the
				// machine's load, so it is logged, not judged.
				start := time.Now()
				d, err := h.Authorize(context.Background(), get(tt.path))
				t.Logf("failing call took %v", time.Since(start))
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if d.Allow || d.Status != 0 {
					t.Errorf("failed call returned decision %+v, want the zero Decision", d)
				}
				waitRefilled(h)
				if s := h.Stats(); s.Replaced != 1 {
					t.Errorf("Replaced = %d, want 1", s.Replaced)
				}
				for range 4 {
					mustAllow(t, h, "/ok", "iss")
				}
				if got := len(h.pool); got != 2 {
					t.Errorf("pool holds %d idle instances, want 2", got)
				}
			})
		}
	}
}

func TestAuthorizeWaitsForInstanceWithinCtx(t *testing.T) {
	h := newFakeHost(t, Options{PoolSize: 1}, "iss")
	held := <-h.pool // every instance busy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Authorize(ctx, get("/wait"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("gave up after %v", took)
	}
	h.pool <- held
	mustAllow(t, h, "/after", "iss")
}

func TestClose(t *testing.T) {
	t.Run("waits for calls already inside", func(t *testing.T) {
		h, err := New(context.Background(), fakeModule, Options{PoolSize: 1, CacheDir: cacheDir})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Configure(context.Background(), fakeConfig("iss")); err != nil {
			t.Fatal(err)
		}
		held := <-h.pool
		type result struct {
			d   edgeauth.Decision
			err error
		}
		inside := make(chan result)
		go func() {
			d, err := h.Authorize(context.Background(), get("/inside"))
			inside <- result{d, err}
		}()
		for h.state.Load() == 0 { // until the call has entered
			time.Sleep(time.Millisecond)
		}
		closed := make(chan error)
		go func() { closed <- h.Close(context.Background()) }()
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v with a call inside", err)
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := h.Authorize(context.Background(), get("/late")); !errors.Is(err, ErrClosed) {
			t.Errorf("call after Close began: err = %v, want ErrClosed", err)
		}
		if err := h.Configure(context.Background(), fakeConfig("x")); !errors.Is(err, ErrClosed) {
			t.Errorf("Configure after Close began: err = %v, want ErrClosed", err)
		}
		h.pool <- held
		if r := <-inside; r.err != nil || !r.d.Allow {
			t.Errorf("call inside during Close: %+v, %v", r.d, r.err)
		}
		if err := <-closed; err != nil {
			t.Errorf("Close = %v", err)
		}
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("second Close = %v", err)
		}
	})
	t.Run("gives up at ctx and fails the waiting call", func(t *testing.T) {
		h, err := New(context.Background(), fakeModule, Options{PoolSize: 1, CacheDir: cacheDir})
		if err != nil {
			t.Fatal(err)
		}
		<-h.pool // never returned
		inside := make(chan error)
		go func() {
			_, err := h.Authorize(context.Background(), get("/stuck"))
			inside <- err
		}()
		for h.state.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := h.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want context.DeadlineExceeded", err)
		}
		if err := <-inside; !errors.Is(err, ErrClosed) {
			t.Errorf("stuck call: err = %v, want ErrClosed", err)
		}
	})
}

func TestParseDecision(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"allowed", `{"allow":true,"status":200,"subject":"users/1","scopes":["a"],"jti":"j","expires_at":9}`, true},
		{"denied 401", `{"allow":false,"status":401,"www_authenticate":"Bearer realm=\"api\""}`, true},
		{"denied 400", `{"allow":false,"status":400}`, true},
		{"denied 403", `{"allow":false,"status":403}`, true},
		{"denied 404", `{"allow":false,"status":404}`, true},
		{"allowed with 401", `{"allow":true,"status":401}`, false},
		{"denied with 200", `{"allow":false,"status":200}`, false},
		{"denied with 500", `{"allow":false,"status":500}`, false},
		{"no status", `{"allow":true}`, false},
		{"empty object", `{}`, false},
		{"not JSON", `{allow:true`, false},
		{"empty", ``, false},
		{"allow as string", `{"allow":"true","status":200}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDecision([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("parseDecision(%s) = %+v, %v; want ok=%t", tt.in, d, err, tt.ok)
			}
			if err != nil && (!errors.Is(err, ErrBadOutput) || d.Allow) {
				t.Errorf("rejection = %+v, %v; want zero Decision and ErrBadOutput", d, err)
			}
		})
	}
}

func FuzzParseDecision(f *testing.F) {
	f.Add([]byte(`{"allow":true,"status":200,"subject":"users/1"}`))
	f.Add([]byte(`{"allow":false,"status":401}`))
	f.Add([]byte(`{"allow":true,"status":401}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := parseDecision(in)
		if err != nil {
			if d.Allow || !errors.Is(err, ErrBadOutput) {
				t.Fatalf("rejected input gave %+v, %v", d, err)
			}
			return
		}
		if d.Allow != (d.Status == 200) {
			t.Fatalf("accepted inconsistent decision %+v", d)
		}
	})
}
