package main

import (
	_ "embed"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/craftingapis/todos/tests/bench"
)

// notes explains the method and the findings that a run does not measure;
// it follows the table in BENCHMARKS.md.
//
//go:embed notes.md
var notes string

// row is one line of the table.
type row struct{ figure, measured, target, met string }

func (r *report) render() string {
	var rows []row
	add := func(figure, measured, target string, met *bool) {
		m := ""
		if met != nil {
			m = "no"
			if *met {
				m = "yes"
			}
		}
		rows = append(rows, row{figure, measured, target, m})
	}
	ns := func(m bench.Metrics, name, unit string) (float64, bool) {
		v, ok := m[name][unit]
		return v, ok
	}
	yes := func(b bool) *bool { return &b }

	if r.native != nil {
		targets := map[string]float64{"HS256": 3, "EdDSA": 8, "ES256": 8}
		for _, alg := range []string{"EdDSA", "ES256", "RS256", "PS256", "HS256"} {
			n, ok1 := ns(r.native, "BenchmarkAuthorize/"+alg, "ns/op")
			w, ok2 := ns(r.module, "BenchmarkModuleAuthorize/"+alg, "ns/op")
			if !ok1 || !ok2 {
				continue
			}
			ratio := w / n
			target, met := "—", (*bool)(nil)
			if t, ok := targets[alg]; ok {
				target, met = fmt.Sprintf("≤ %g×", t), yes(ratio <= t)
			}
			add("Full check "+alg+": native / wasm (ratio)", fmt.Sprintf("%s / %s (%.1f×)", fmtNs(n), fmtNs(w), ratio), target, met)
		}
		for _, alg := range []string{"HS256", "EdDSA", "ES256"} {
			d, ok1 := ns(r.host, "BenchmarkAuthorize/deadline/serial/miss-"+alg, "ns/op")
			nd, ok2 := ns(r.host, "BenchmarkAuthorize/no-deadline/serial/miss-"+alg, "ns/op")
			if ok1 && ok2 {
				add("Full check "+alg+" through wasmhost: call deadline on / off", fmt.Sprintf("%s / %s", fmtNs(d), fmtNs(nd)), "—", nil)
			}
		}
		n, _ := ns(r.native, "BenchmarkAuthorizeCached/EdDSA", "ns/op")
		w, _ := ns(r.module, "BenchmarkModuleAuthorizeCached/EdDSA", "ns/op")
		add("Cache hit (EdDSA): native / in the module (wasm)", fmt.Sprintf("%s / %s (%.1f×)", fmtNs(n), fmtNs(w), w/n), "—", nil)
		d, _ := ns(r.host, "BenchmarkAuthorize/deadline/serial/hit-EdDSA", "ns/op")
		h, _ := ns(r.host, "BenchmarkHostCacheHit/serial", "ns/op")
		add("Cache hit through wasmhost: module cache (deadline on) / host decision cache", fmt.Sprintf("%s / %s", fmtNs(d), fmtNs(h)), "—", nil)
		if v, ok := ns(r.host, "BenchmarkNew/cold", "ns/op"); ok {
			add("Module compile, cold (New, 1 instance)", fmtNs(v), "—", nil)
		}
		if v, ok := ns(r.host, "BenchmarkNew/warm-cache", "ns/op"); ok {
			add("Module compile from the warm cache (New, 1 instance)", fmtNs(v), "≤ 100 ms", yes(v <= 100e6))
		}
		if v, ok := ns(r.host, "BenchmarkInstanceStart/instantiate", "ns/op"); ok {
			add("Instance start-up (instantiate + _initialize)", fmtNs(v), "≤ 15 ms", yes(v <= 15e6))
		}
		if v, ok := ns(r.host, "BenchmarkInstanceStart/instantiate+configure", "ns/op"); ok {
			add("Instance start-up + first Configure", fmtNs(v), "—", nil)
		}
		if v, ok := ns(r.host, "BenchmarkInstanceStart/instantiate", "MiB/instance"); ok {
			add("Memory per instance at start", fmt.Sprintf("%.2f MiB", v), "≤ 8 MiB", yes(v <= 8))
		}
		if v, ok := ns(r.host, "BenchmarkAuthorize/deadline/memory", "MiB/instance"); ok {
			add("Memory per instance after thousands of checks (cache full)", fmt.Sprintf("%.2f MiB", v), "≤ 8 MiB", yes(v <= 8))
		}
	}
	add("Module size raw / gzip -9", fmt.Sprintf("%s / %s", fmtBytes(r.moduleRaw), fmtBytes(r.moduleGz)), "≤ 1.2 MB gzipped", yes(r.moduleGz <= 1_200_000))

	var off, cached, seed *bench.E2E
	for _, e := range r.e2eRuns {
		res := e.Result
		p99 := res.Latency.Quantile(0.99)
		target, met := "—", (*bool)(nil)
		switch e.Scenario.Name {
		case "security off":
			off = e
		case "wasm with its caches (default)":
			cached = e
			target, met = "p99 < 10 ms", yes(p99 < 10*time.Millisecond)
		case bench.SeedName:
			seed = e
		}
		add("HTTP GET /users/{id}/todos (10 todos), c=32: "+e.Scenario.Name, fmtRun(e), target, met)
	}
	for _, e := range r.e2eRuns {
		if e.Scenario.Name == "wasm, cache misses" {
			add(fmt.Sprintf("Configs pushed to the wasm auth step over %d logins and the load (log lines)", e.Scenario.Tokens),
				strconv.Itoa(e.ConfigPushes), "1 (the first)", yes(e.ConfigPushes == 1))
		}
	}
	if off != nil && cached != nil {
		ratio := cached.Result.RPS() / off.Result.RPS()
		add("Wasm with its caches vs security off (req/s)", fmt.Sprintf("%.0f%%", 100*ratio), "≥ 90%", yes(ratio >= 0.9))
		// CPU per request hardly depends on other load on the machine: a
		// second view of the same target.
		cpu := float64(off.CPUPerRequest) / float64(cached.CPUPerRequest)
		add("Wasm with its caches vs security off (inverse CPU per request)", fmt.Sprintf("%.0f%% (%s vs %s)", 100*cpu, fmtDur(cached.CPUPerRequest), fmtDur(off.CPUPerRequest)), "≥ 90%", yes(cpu >= 0.9))
	}
	if cached != nil && seed != nil && seed.Result.RPS() > 0 {
		// Both measured in the same rounds of one run, so the ratio
		// never rests on a figure remembered from another machine.
		ratio := cached.Result.RPS() / seed.Result.RPS()
		add("Wasm with its caches vs the seed stack (req/s, same run)", fmt.Sprintf("%.2f× (%s vs %s req/s)", ratio, thousands(cached.Result.RPS()), thousands(seed.Result.RPS())), "≥ 4×", yes(ratio >= 4))
		if cached.CPUPerRequest > 0 {
			// Node serves from one thread, so req/s also depends on how
			// the two CPUs are shared with the load generator; server CPU
			// per request does not.
			cpu := float64(seed.CPUPerRequest) / float64(cached.CPUPerRequest)
			add("Wasm with its caches vs the seed stack (inverse CPU per request)", fmt.Sprintf("%.1f× (%s vs %s)", cpu, fmtDur(cached.CPUPerRequest), fmtDur(seed.CPUPerRequest)), "—", nil)
		}
	} else if cached != nil {
		// A target without its figure is shown as such, never dropped.
		add("Wasm with its caches vs the seed stack (req/s, same run)", "not measured", "≥ 4×", nil)
	}
	for _, e := range r.pool {
		add("Pool sizing, HTTP, c=32: "+e.Scenario.Name, fmtRun(e), "—", nil)
	}
	for _, size := range []int{1, 2, 4} {
		if v, ok := ns(r.host, fmt.Sprintf("BenchmarkPoolSize/pool-%d/miss-HS256", size), "ns/op"); ok {
			add(fmt.Sprintf("Pool sizing, wasmhost alone, 32 callers, HS256 misses: pool %d", size), fmtNs(v)+"/call", "—", nil)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`go run ./tests/cmd/benchreport`, to build/bench/BENCHMARKS.md) on %s.\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %d CPUs (nproc), %s; %s %s/%s. Load average before: %s; after: %s.\n",
		runtime.NumCPU(), cpuModel(), goVersion(), runtime.GOOS, runtime.GOARCH, r.loadBefore, r.loadAfter)
	fmt.Fprintf(&b, "The load generator (tests/bench) and the origin share these CPUs, so absolute req/s are compressed;\n"+
		"ratios measured in the same run are the figures to judge. \"wasm\" in a full check is the module under wazero\n"+
		"without the call deadline (edgeauth BenchmarkModuleAuthorize); through wasmhost the deadline is on by default.\n\n")
	fmt.Fprintf(&b, "| Figure | Measured | Target | Met |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.figure, r.measured, r.target, r.met)
	}
	b.WriteString(notes)
	return b.String()
}

func fmtRun(e *bench.E2E) string {
	res := e.Result
	s := fmt.Sprintf("%s req/s · p50 %s · p99 %s · %s CPU/req",
		thousands(res.RPS()), fmtDur(res.Latency.Quantile(0.5)), fmtDur(res.Latency.Quantile(0.99)), fmtDur(e.CPUPerRequest))
	if n := len(e.Rounds); n > 1 {
		s += fmt.Sprintf(" (best of %d rounds; all: %s–%s req/s)", n, thousands(e.Rounds[0].Result.RPS()), thousands(e.Rounds[n-1].Result.RPS()))
	}
	if res.Errors > 0 {
		s += fmt.Sprintf(" · **%d errors** (first: %s)", res.Errors, res.FirstError)
	}
	return s
}

func fmtDur(d time.Duration) string { return fmtNs(float64(d)) }

func fmtNs(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f s", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

func fmtBytes(n int) string {
	if n >= 1e6 {
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.0f kB", float64(n)/1e3)
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
