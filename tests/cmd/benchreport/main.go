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
// -scenarios REGEXP runs only the origin's HTTP scenarios whose names match
// (with -skip-micro and -hey "", one scenario can be profiled on its own).
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
	"regexp"
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
	hey, floor                  string // hey's binary ("" skips the hey runs) and the floor server's
	heyDuration                 time.Duration
	scenarios                   *regexp.Regexp // the origin's HTTP scenarios to run, by name
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
	flag.BoolVar(&o.skipE2E, "skip-e2e", false, "skip the HTTP runs of the project's own load generator")
	flag.StringVar(&o.hey, "hey", "hey", "hey's binary, for the HTTP runs under hey (empty: skip them)")
	flag.StringVar(&o.floor, "floor", "build/floor", "the lean floor server (go build -o build/floor ./tests/bench/floor)")
	flag.DurationVar(&o.heyDuration, "hey-duration", 10*time.Second, "measured window of each hey run (hey -z)")
	only := flag.String("scenarios", "", "run only the origin's HTTP scenarios whose name matches this regular expression (e.g. 'cache misses|security off'; empty: all)")
	flag.Parse()
	var err error
	if o.scenarios, err = regexp.Compile(*only); err != nil {
		return fmt.Errorf("-scenarios: %w", err)
	}
	if o.quick {
		o.duration, o.warmup, o.rounds, o.heyDuration = 2*time.Second, 300*time.Millisecond, 1, 2*time.Second
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	r := &report{started: time.Now(), loadBefore: loadavg()}
	need := []string{o.origin, o.module}
	if o.hey != "" {
		need = append(need, o.floor)
	}
	for _, p := range need {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w (run `make build` first)", err)
		}
	}
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
	if o.hey != "" {
		if err := r.runHey(ctx, o); err != nil {
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
	// full checks: the module through wasmhost with its bound (fuel) and
	// the minimal native check, measured in turn; bound: the same without
	// the module's fuel, under wazero's deadline and with no bound
	full, bound bench.Metrics
	e2eRuns     []*bench.E2E
	heyRuns     []*bench.E2E // under hey: the floor, the origins, the seed
	pool        []*bench.E2E
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
	// The Targets' ratio: a full check in wasm, bound on as the origin runs
	// it, against the minimal native check, in turn, keeping each one's
	// fastest run.
	r.full = bench.Metrics{}
	for i := range count {
		step(fmt.Sprintf("full checks: the module with fuel / the minimal native check (%d/%d)", i+1, count))
		w, err := bench.GoBench(ctx, ".", "./wasmhost/", `^BenchmarkAuthorize$/^fuel$/^serial$/^miss-`, benchtime, 1, raw)
		if err != nil {
			return err
		}
		n, err := bench.GoBench(ctx, ".", "./tests/bench/minimalcheck/", `^BenchmarkCheck$`, benchtime, 1, raw)
		if err != nil {
			return err
		}
		r.full.Merge(w)
		r.full.Merge(n)
	}
	if unmetered := strings.TrimSuffix(o.module, ".wasm") + ".unmetered.wasm"; fileExists(unmetered) {
		step("the runaway bound: fuel, wazero's deadline, none (the module before make wasm meters it)")
		if r.bound, err = bench.GoBench(ctx, ".", "./wasmhost/", `^BenchmarkAuthorize$/./^serial$/^miss-`, benchtime, 1, raw,
			"EDGEAUTH_MODULE="+abs(unmetered)); err != nil {
			return err
		}
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
	eo, done, err := o.e2eOptions("benchreport-")
	if err != nil {
		return err
	}
	defer done()
	// More distinct tokens than the module caches of 8 instances hold
	// (1024 each), cycled in order, with the host cache off: the module's
	// cache is FIFO, so every check is a full one, whatever the pool size.
	missTokens := 10_000
	if o.quick {
		missTokens = 1500
	}
	off := map[string]string{"AUTH_DECISION_CACHE_ENTRIES": "-1"}
	scenarios := o.pick([]bench.Scenario{
		{Name: "security off", Env: map[string]string{"SERVER_ENABLE_SECURITY": "false"}, Tokens: 1},
		{Name: "native check (auth.engine=native)", Env: map[string]string{"AUTH_ENGINE": "native"}, Tokens: 1},
		{Name: "wasm, cache misses", Env: off, Tokens: missTokens},
		{Name: "wasm, module cache only (host cache off)", Env: off, Tokens: 1},
		{Name: "wasm with its caches (default)", Tokens: 1},
	})
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
	if r.pool, err = bench.Interleaved(ctx, pool, o.pick(sizes), o.rounds, progress); err != nil {
		return err
	}
	return nil
}

// runHey measures the lean floor, the origin and the seed's stack under
// hey, the Go servers at GOMAXPROCS=1 (see bench.HeyOptions.ServerProcs).
func (r *report) runHey(ctx context.Context, o options) error {
	eo, done, err := o.e2eOptions("benchreport-hey-")
	if err != nil {
		return err
	}
	defer done()
	ho := bench.HeyOptions{
		Hey:   bench.Hey{Bin: o.hey, Concurrency: o.concurrency, Warmup: o.warmup, Duration: o.heyDuration},
		Floor: abs(o.floor), Seed: o.seed, ServerProcs: 1,
	}
	scenarios := o.pick([]bench.Scenario{
		{Name: "security off", Env: map[string]string{"SERVER_ENABLE_SECURITY": "false"}, Tokens: 1},
		{Name: "wasm with its caches (default)", Tokens: 1},
	})
	progress := func(s string) { fmt.Fprintf(os.Stderr, "benchreport: hey: %s\n", s) }
	if o.seed != "" {
		if err := bench.EnsureSeedDeps(ctx, o.seed, os.Stderr); err != nil {
			return err
		}
	}
	r.heyRuns, err = bench.HeyInterleaved(ctx, eo, ho, scenarios, o.rounds, progress)
	return err
}

// e2eOptions are the HTTP runs' settings, with a scratch folder named
// after prefix that done removes.
func (o options) e2eOptions(prefix string) (eo bench.E2EOptions, done func(), err error) {
	work, err := os.MkdirTemp("", prefix)
	if err != nil {
		return eo, nil, err
	}
	eo = bench.E2EOptions{
		Origin: abs(o.origin), Module: abs(o.module), WorkDir: work, CacheDir: filepath.Join(work, "wazero-cache"),
		Concurrency: o.concurrency, Warmup: o.warmup, Duration: o.duration, Todos: 10,
	}
	return eo, func() { os.RemoveAll(work) }, nil
}

// pick keeps the scenarios that -scenarios names.
func (o options) pick(all []bench.Scenario) []bench.Scenario {
	var kept []bench.Scenario
	for _, s := range all {
		if o.scenarios.MatchString(s.Name) {
			kept = append(kept, s)
		}
	}
	return kept
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
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
