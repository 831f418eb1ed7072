// Command benchreport runs the project's benchmarks — the token check native
// and in wasm, the module's and the host's caches, module compile and
// instance start-up, and the origin end to end under load — and prints one
// table, which it also writes to build/bench/BENCHMARKS.md with the machine,
// the Go version and the date. `make bench` runs it. The run kept in the
// repository, tests/bench/BENCHMARKS.md, is a copy of one such file,
// committed on purpose: a run never rewrites a tracked file.
//
// Run it from the repository root after `make build` (it needs
// build/origin and build/edgeauth.wasm):
//
//	go run ./tests/cmd/benchreport [-duration 8s] [-quick] [-seed tests/bench/seed]
//
// The HTTP runs include the seed's stack (tests/bench/seed: Restify,
// jsonwebtoken, better-sqlite3 on Node), measured in the same rounds as the
// origin so that the origin/seed ratio is a side-by-side figure; its npm
// dependencies are installed first if missing (`npm ci`, needs node and
// npm). -seed "" leaves it out.
//
// Figures are printed, never asserted: on a shared 2-core machine they are
// only as steady as the machine's load (the report records the load average
// before and after).
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/craftingapis/todos/tests/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

type options struct {
	out, origin, module, rawLog string
	seed                        string // the seed stack's folder; "" skips it
	duration, warmup            time.Duration
	concurrency, rounds         int
	quick, skipMicro, skipE2E   bool
}

func run() error {
	var o options
	flag.StringVar(&o.out, "out", "build/bench/BENCHMARKS.md", "report file (empty: print only)")
	flag.StringVar(&o.origin, "origin", "build/origin", "origin binary (make build)")
	flag.StringVar(&o.module, "module", "build/edgeauth.wasm", "ABI v1 module (make wasm)")
	flag.StringVar(&o.rawLog, "raw", "build/bench/raw.txt", "raw go test output")
	flag.StringVar(&o.seed, "seed", "tests/bench/seed", "the seed stack's server, measured beside the origin (empty: skip it)")
	flag.DurationVar(&o.duration, "duration", 8*time.Second, "measured window of each HTTP run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warmup of each HTTP run")
	flag.IntVar(&o.concurrency, "c", 32, "HTTP concurrency")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds per HTTP scenario (the best is reported)")
	flag.BoolVar(&o.quick, "quick", false, "shorter runs (a smoke test of the report, not figures)")
	flag.BoolVar(&o.skipMicro, "skip-micro", false, "skip the go test benchmarks")
	flag.BoolVar(&o.skipE2E, "skip-e2e", false, "skip the HTTP runs")
	flag.Parse()
	if o.quick {
		o.duration, o.warmup, o.rounds = 2*time.Second, 300*time.Millisecond, 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	r := &report{started: time.Now(), loadBefore: loadavg()}
	for _, p := range []string{o.origin, o.module} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w (run `make build` first)", err)
		}
	}
	var err error
	if r.moduleRaw, r.moduleGz, err = moduleSize(o.module); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.rawLog), 0o755); err != nil {
		return err
	}
	raw, err := os.Create(o.rawLog)
	if err != nil {
		return err
	}
	defer raw.Close()
	if !o.skipMicro {
		if err := r.micro(ctx, o, raw); err != nil {
			return err
		}
	}
	if !o.skipE2E {
		if err := r.e2e(ctx, o); err != nil {
			return err
		}
	}
	r.loadAfter = loadavg()
	text := r.render()
	fmt.Print(text)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(o.out, []byte(text), 0o644)
	}
	return nil
}

type report struct {
	started               time.Time
	loadBefore, loadAfter string
	moduleRaw, moduleGz   int
	native, module, host  bench.Metrics // edgeauth native, edgeauth in wazero, wasmhost
	e2eRuns               []*bench.E2E
	pool                  []*bench.E2E
}

// micro runs the go test benchmarks.
func (r *report) micro(ctx context.Context, o options, raw *os.File) error {
	// The native/wasm ratios come from benchmarks run minutes apart; three
	// runs each, keeping the fastest, damp the machine's other load.
	benchtime, count := "1s", 3
	if o.quick {
		benchtime, count = "100ms", 1
	}
	step := func(name string) { fmt.Fprintf(os.Stderr, "benchreport: %s...\n", name) }
	step("token check, native and in wazero (edgeauth)")
	m, err := bench.GoBench(ctx, ".", "./edgeauth/", `^Benchmark(Module)?Authorize(Cached)?$`, benchtime, count, raw)
	if err != nil {
		return err
	}
	r.native, r.module = m, m
	step("wasmhost: calls, caches, instance start-up")
	if r.host, err = bench.GoBench(ctx, ".", "./wasmhost/", `^Benchmark(Authorize|HostCacheHit|InstanceStart|PoolSize)$`, benchtime, 1, raw); err != nil {
		return err
	}
	step("wasmhost: compile cold and from the cache")
	n, err := bench.GoBench(ctx, ".", "./wasmhost/", `^BenchmarkNew$`, "3x", 1, raw)
	if err != nil {
		return err
	}
	for k, v := range n {
		r.host[k] = v
	}
	return nil
}

// e2e runs the HTTP scenarios and the pool-size sweep.
func (r *report) e2e(ctx context.Context, o options) error {
	work, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	eo := bench.E2EOptions{
		Origin: abs(o.origin), Module: abs(o.module), WorkDir: work, CacheDir: filepath.Join(work, "wazero-cache"),
		Concurrency: o.concurrency, Warmup: o.warmup, Duration: o.duration, Todos: 10,
	}
	// More distinct tokens than the module caches of 8 instances hold
	// (1024 each), cycled in order, with the host cache off: the module's
	// cache is FIFO, so every check is a full one, whatever the pool size.
	missTokens := 10_000
	if o.quick {
		missTokens = 1500
	}
	off := map[string]string{"AUTH_DECISION_CACHE_ENTRIES": "-1"}
	scenarios := []bench.Scenario{
		{Name: "security off", Env: map[string]string{"SERVER_ENABLE_SECURITY": "false"}, Tokens: 1},
		{Name: "native check (auth.engine=native)", Env: map[string]string{"AUTH_ENGINE": "native"}, Tokens: 1},
		{Name: "wasm, cache misses", Env: off, Tokens: missTokens},
		{Name: "wasm, module cache only (host cache off)", Env: off, Tokens: 1},
		{Name: "wasm with its caches (default)", Tokens: 1},
	}
	progress := func(s string) { fmt.Fprintf(os.Stderr, "benchreport: HTTP: %s\n", s) }
	if o.seed == "" {
		r.e2eRuns, err = bench.Interleaved(ctx, eo, scenarios, o.rounds, progress)
	} else {
		// The seed's stack takes its turn in every round, so the
		// origin/seed ratio is measured under the same machine load.
		progress("npm dependencies of " + o.seed)
		if err := bench.EnsureSeedDeps(ctx, o.seed, os.Stderr); err != nil {
			return err
		}
		r.e2eRuns, err = bench.InterleavedWithSeed(ctx, eo, o.seed, scenarios, o.rounds, progress)
	}
	if err != nil {
		return err
	}
	pool := eo
	pool.Duration = max(o.duration/2, time.Second)
	var sizes []bench.Scenario
	for _, size := range []int{1, 2, 4, 8} {
		sizes = append(sizes, bench.Scenario{Name: fmt.Sprintf("pool %d, cache misses", size), Tokens: missTokens,
			Env: map[string]string{"AUTH_DECISION_CACHE_ENTRIES": "-1", "AUTH_POOL_SIZE": strconv.Itoa(size)}})
	}
	if r.pool, err = bench.Interleaved(ctx, pool, sizes, o.rounds, progress); err != nil {
		return err
	}
	return nil
}

func moduleSize(path string) (raw, gz int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(b); err != nil {
		return 0, 0, err
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	return len(b), buf.Len(), nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}
