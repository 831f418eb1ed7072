package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHammer runs many goroutines against a small pool (run it with -race):
// every answer must be the echo of its own request, and the traps mixed in
// must cost only their own calls.
func TestHammer(t *testing.T) {
	const (
		workers   = 16
		perWorker = 150
		trapEvery = 101
	)
	h := newFakeHost(t, Options{PoolSize: 3}, "iss")
	var traps atomic.Uint64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if (w*perWorker+i)%trapEvery == 0 {
					_, err := h.Authorize(context.Background(), get("/trap"))
					if !errors.Is(err, ErrTrap) {
						t.Errorf("trap call: err = %v, want ErrTrap", err)
					}
					traps.Add(1)
					continue
				}
				path := fmt.Sprintf("/w/%d/%d", w, i)
				d, err := h.Authorize(context.Background(), get(path))
				if err != nil {
					t.Errorf("Authorize(%s): %v", path, err)
					return
				}
				if d.Subject != "GET "+path || d.JTI != "iss" {
					t.Errorf("Authorize(%s) = %+v: another caller's answer", path, d)
					return
				}
			}
		})
	}
	wg.Wait()
	waitRefilled(h)
	s := h.Stats()
	if s.Calls != workers*perWorker || s.Replaced != traps.Load() || s.Busy != 0 {
		t.Errorf("Stats = %+v, want %d calls and %d replaced", s, workers*perWorker, traps.Load())
	}
	if len(h.pool) != 3 {
		t.Errorf("pool holds %d idle instances after the hammer, want 3", len(h.pool))
	}
}

// TestConfigureUnderLoad swaps Configs while workers call without pause: no
// call may fail, and every call that starts after Configure(gen-k) returned
// must be decided under gen-k or later. Rejected and trapping Configs mixed
// in must change nothing.
func TestConfigureUnderLoad(t *testing.T) {
	const (
		workers = 6
		gens    = 12
	)
	h := newFakeHost(t, Options{PoolSize: 3}, "gen-0")
	var (
		current atomic.Int64 // last generation whose Configure returned
		stop    atomic.Bool
		calls   atomic.Int64
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				floor := current.Load()
				path := fmt.Sprintf("/w/%d/%d", w, i)
				d, err := h.Authorize(context.Background(), get(path))
				calls.Add(1)
				if err != nil {
					t.Errorf("Authorize during reconfiguration: %v", err)
					return
				}
				gen, err := strconv.ParseInt(strings.TrimPrefix(d.JTI, "gen-"), 10, 64)
				if err != nil || gen < floor || d.Subject != "GET "+path {
					t.Errorf("call started after gen-%d returned was decided as %+v", floor, d)
					return
				}
			}
		})
	}
	// Every step waits for the workers to have made more calls, so calls
	// overlap each reconfiguration however loaded the machine is.
	moreCalls := func() {
		mark := calls.Load()
		for calls.Load() < mark+workers && !t.Failed() {
			runtime.Gosched()
		}
	}
	for k := int64(1); k <= gens; k++ {
		moreCalls()
		switch k % 4 {
		case 1: // rejected: the module's reason comes back, nothing changes
			err := h.Configure(context.Background(), fakeConfig(""))
			if !errors.Is(err, ErrConfigRejected) || !strings.Contains(err.Error(), "issuer is required") {
				t.Errorf("rejected config: err = %v", err)
			}
		case 2: // traps inside the module: an error, nothing changes
			if err := h.Configure(context.Background(), fakeConfig("trap")); !errors.Is(err, ErrTrap) {
				t.Errorf("trapping config: err = %v, want ErrTrap", err)
			}
		}
		if err := h.Configure(context.Background(), fakeConfig(fmt.Sprintf("gen-%d", k))); err != nil {
			t.Fatalf("Configure(gen-%d): %v", k, err)
		}
		current.Store(k)
	}
	moreCalls()
	stop.Store(true)
	wg.Wait()
	// Every instance, including replacements of the ones the trapping
	// Configs killed, must now serve the last Config.
	waitRefilled(h)
	final := fmt.Sprintf("gen-%d", gens)
	for range 3 * len(h.pool) {
		mustAllow(t, h, "/final", final)
	}
	// The pool channel is FIFO, so the sequential calls above went round
	// every instance once at least: each must now hold the last generation.
	for range h.opts.PoolSize {
		inst := <-h.pool
		if want := h.config.Load().gen; inst.gen != want {
			t.Errorf("instance on generation %d, want %d", inst.gen, want)
		}
		defer func() { h.pool <- inst }()
	}
}
