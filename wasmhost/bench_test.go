package wasmhost

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost/internal/abi"
	"github.com/craftingapis/todos/wasmhost/meter"
)

// Benchmarks against the real module. Each case runs under each way of
// bounding a call (see boundVariants), serially and in parallel over a pool
// of GOMAXPROCS instances.
//
//	go test -run '^$' -bench . -benchtime 2s ./wasmhost/

func BenchmarkAuthorize(b *testing.B) {
	module := loadRealModule(b)
	cases := []struct {
		name   string
		tokens func(b *testing.B) []string
	}{
		// No crypto: the host's own cost plus the module's JSON round trip.
		{"deny-no-token", func(*testing.B) []string { return []string{""} }},
		// The module's verified-token cache answers.
		{"hit-EdDSA", func(b *testing.B) []string { return []string{mint(b, "EdDSA", 1, "hit", time.Hour)} }},
		// 4096 distinct tokens cycle through a 1024-entry cache: full checks.
		{"miss-HS256", func(b *testing.B) []string { return mintMany(b, "HS256", 4096) }},
		{"miss-EdDSA", func(b *testing.B) []string { return mintMany(b, "EdDSA", 4096) }},
		{"miss-ES256", func(b *testing.B) []string { return mintMany(b, "ES256", 4096) }},
	}
	for _, dl := range boundVariants(b, module) {
		// The host-side decision cache is off here, so "hit" measures the
		// module's own cache; BenchmarkHostCacheHit measures the host's.
		h := newHost(b, dl.module, Options{CallTimeout: dl.timeout, DecisionCacheEntries: -1})
		if err := h.Configure(context.Background(), realConfig(b)); err != nil {
			b.Fatal(err)
		}
		for _, c := range cases {
			tokens := c.tokens(b)
			reqs := make([]*edgeauth.Request, len(tokens))
			for i, tok := range tokens {
				reqs[i] = todosOf(1, tok)
			}
			b.Run(dl.name+"/serial/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					mustDecide(b, h, reqs[i%len(reqs)])
					i++
				}
			})
			b.Run(dl.name+"/parallel/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				runParallel(b, h, reqs)
			})
		}
		b.Run(dl.name+"/memory", func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(float64(maxInstanceMemory(h))/(1<<20), "MiB/instance")
		})
	}
}

type boundVariant struct {
	name    string
	module  []byte
	timeout time.Duration
}

// boundVariants are the ways a call can be bounded: fuel (the module as
// make wasm meters it), wazero's deadline, and nothing, which is the
// module's own cost. A module that is already metered can only run on fuel.
func boundVariants(b *testing.B, module []byte) []boundVariant {
	if ok, err := meter.Metered(module, meter.DefaultExport); err != nil {
		b.Fatal(err)
	} else if ok {
		return []boundVariant{{name: "fuel", module: module}}
	}
	metered, err := meter.Instrument(module, meter.DefaultExport)
	if err != nil {
		b.Fatal(err)
	}
	return []boundVariant{
		{name: "fuel", module: metered},
		{name: "deadline", module: module},
		{name: "no-bound", module: module, timeout: -1},
	}
}

// runParallel spreads reqs over the benchmark's goroutines through one
// shared counter, so that a cycle of distinct tokens stays a cycle (each
// goroutine starting at token 0 would turn misses into cache hits).
func runParallel(b *testing.B, h *Host, reqs []*edgeauth.Request) {
	var next atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mustDecide(b, h, reqs[next.Add(1)%uint64(len(reqs))])
		}
	})
}

// mustDecide fails the benchmark on a host error or on an unexpected
// decision, so a broken module cannot post fast numbers.
func mustDecide(b *testing.B, h *Host, req *edgeauth.Request) {
	d, err := h.Authorize(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	if want := req.Headers != nil; d.Allow != want {
		b.Fatalf("decision %+v for %s", d, req.Path)
	}
}

func mintMany(b *testing.B, alg string, n int) []string {
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = mint(b, alg, 1, fmt.Sprintf("%s-%d", alg, i), time.Hour)
	}
	return tokens
}

// maxInstanceMemory returns the largest linear memory in h's pool; call it
// only while no call runs.
func maxInstanceMemory(h *Host) uint32 {
	var most uint32
	for range h.opts.PoolSize {
		inst := <-h.pool
		if inst != nil {
			most = max(most, inst.MemoryBytes())
		}
		defer func() { h.pool <- inst }()
	}
	return most
}

// BenchmarkInstanceStart measures one new instance of the real module:
// instantiate (with _initialize) and the ABI checks, then the same plus the
// first Configure, which a replacement instance pays before serving.
func BenchmarkInstanceStart(b *testing.B) {
	for _, configure := range []bool{false, true} {
		name := "instantiate"
		if configure {
			name = "instantiate+configure"
		}
		b.Run(name, func(b *testing.B) {
			h := newHost(b, loadRealModule(b), Options{PoolSize: 1})
			cfg := realConfig(b)
			var mem uint32
			for b.Loop() {
				in, err := abi.Instantiate(context.Background(), h.rt, h.cm, h.mc, h.bound, h.configureBound)
				if err != nil {
					b.Fatal(err)
				}
				if configure {
					if ok, reason, err := in.Configure(cfg); !ok || err != nil {
						b.Fatal(reason, err)
					}
				}
				mem = in.MemoryBytes()
				_ = in.Close(context.Background())
			}
			b.ReportMetric(float64(mem)/(1<<20), "MiB/instance")
		})
	}
}

// BenchmarkNew measures New with one instance: compiling the real module
// cold (fresh cache directory each time) and from a warm cache directory.
func BenchmarkNew(b *testing.B) {
	module := loadRealModule(b)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			benchNew(b, module, b.TempDir())
		}
	})
	b.Run("warm-cache", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "cache")
		benchNew(b, module, dir)
		for b.Loop() {
			benchNew(b, module, dir)
		}
	})
}

func benchNew(b *testing.B, module []byte, dir string) {
	h, err := New(context.Background(), module, Options{PoolSize: 1, CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	_ = h.Close(context.Background())
}

// BenchmarkPoolSize drives 16 goroutines per CPU (like an origin under
// concurrency 32 on two cores) against pools of several sizes, to choose the
// default. More instances than CPUs cannot run more calls at once; they
// lengthen the tail instead: a goroutine descheduled in the middle of a
// call keeps its instance. With four instances per CPU the longest call
// (waiting included) grew by orders of magnitude and some calls overran the
// default deadline, failing the benchmark; so pool-8 is left out.
func BenchmarkPoolSize(b *testing.B) {
	module := loadRealModule(b)
	tokens := map[string][]string{
		"hit-EdDSA":  {mint(b, "EdDSA", 1, "pool", time.Hour)},
		"miss-HS256": mintMany(b, "HS256", 4096),
	}
	for _, size := range []int{1, 2, 4} {
		h := newHost(b, module, Options{PoolSize: size, DecisionCacheEntries: -1})
		if err := h.Configure(context.Background(), realConfig(b)); err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"hit-EdDSA", "miss-HS256"} {
			reqs := make([]*edgeauth.Request, len(tokens[name]))
			for i, tok := range tokens[name] {
				reqs[i] = todosOf(1, tok)
			}
			b.Run(fmt.Sprintf("pool-%d/%s", size, name), func(b *testing.B) {
				b.SetParallelism(16)
				runParallel(b, h, reqs)
			})
		}
	}
}

// BenchmarkHostCacheHit measures a repeated token through Host.Authorize
// with the host-side decision cache on (the default): the module is not
// entered, so the call deadline costs nothing.
func BenchmarkHostCacheHit(b *testing.B) {
	h := newHost(b, loadRealModule(b), Options{})
	if err := h.Configure(context.Background(), realConfig(b)); err != nil {
		b.Fatal(err)
	}
	req := todosOf(1, mint(b, "EdDSA", 1, "host-hit", time.Hour))
	mustDecide(b, h, req)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mustDecide(b, h, req)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		runParallel(b, h, []*edgeauth.Request{req})
	})
	if h.Stats().CacheHits == 0 {
		b.Fatal("no cache hits")
	}
}
