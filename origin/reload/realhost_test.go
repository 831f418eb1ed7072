package reload

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/wasmhost"
)

// TestSwapRealHostsUnderLoad swaps real wazero hosts of the edgeauth module
// while 8 workers ask without pause for 2 seconds: no request may fail or be
// decided without the config in force.
func TestSwapRealHostsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the module")
	}
	module, err := os.ReadFile(edgeauthtest.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(os.TempDir(), "reload-test-wazero-cache")
	newHost := func() *wasmhost.Host {
		h, err := wasmhost.New(context.Background(), module, wasmhost.Options{PoolSize: 2, CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	s := NewSwapper(newHost())
	defer s.Close(context.Background())
	cfg := []byte(`{"issuer":"https://i.test","audiences":["a"],"keys":{"keys":[]},"public":[{"method":"GET","path":"/p"}],"default":"deny"}`)
	if err := s.Configure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var failed, denied, calls atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				d, err := s.Authorize(context.Background(), &edgeauth.Request{Method: "GET", Path: "/p"})
				calls.Add(1)
				switch {
				case err != nil:
					failed.Add(1)
					t.Log(err)
				case !d.Allow:
					denied.Add(1) // a host without the config would deny
				}
			}
		})
	}
	swaps := 0
	for ctx.Err() == nil && swaps < 3 {
		if err := s.Swap(context.Background(), newHost()); err != nil {
			t.Fatal(err)
		}
		swaps++
	}
	wg.Wait()
	if failed.Load() != 0 || denied.Load() != 0 {
		t.Fatalf("%d failed and %d denied of %d calls across %d swaps", failed.Load(), denied.Load(), calls.Load(), swaps)
	}
	if swaps == 0 {
		t.Fatal("no swap happened under load")
	}
	if st := s.Stats(); st.Calls != uint64(calls.Load()) || st.PoolSize != 2 {
		t.Fatalf("stats %+v after %d calls", st, calls.Load())
	}
	t.Logf("%d calls, %d swaps, 0 failed", calls.Load(), swaps)
}
