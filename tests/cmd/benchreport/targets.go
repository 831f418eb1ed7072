package main

import (
	"fmt"
	"time"

	"github.com/craftingapis/todos/tests/bench"
)

// addRow adds a row to the table; met is nil for a figure without a target.
type addRow func(figure, measured, target string, met *bool)

func yes(b bool) *bool { return &b }

// servers are the runs the targets compare, picked by scenario name; nil
// when not measured.
type servers struct{ floor, off, cached, miss, seed *bench.E2E }

func pick(runs []*bench.E2E) servers {
	var s servers
	for _, e := range runs {
		switch e.Scenario.Name {
		case bench.FloorName:
			s.floor = e
		case "security off":
			s.off = e
		case "wasm with its caches (default)":
			s.cached = e
		case "wasm, cache misses":
			s.miss = e
		case bench.SeedName:
			s.seed = e
		}
	}
	return s
}

// renderTargets adds the performance targets' figures, first in the table,
// each met or not; a figure that was not measured says so.
func (r *report) renderTargets(add addRow) {
	// Under hey, in one interleaved run.
	hey := pick(r.heyRuns)
	floor, cached, seed := hey.floor, hey.cached, hey.seed
	ratio := func(figure, target string, limit float64, a, b *bench.E2E) {
		if a == nil || b == nil || b.Result.RPS() == 0 {
			add(figure, "not measured", target, nil)
			return
		}
		q := a.Result.RPS() / b.Result.RPS()
		add(figure, fmt.Sprintf("%.2f× (%s vs %s req/s; CPU/req %s vs %s)", q, thousands(a.Result.RPS()), thousands(b.Result.RPS()),
			fmtDur(a.CPUPerRequest), fmtDur(b.CPUPerRequest)), target, yes(q >= limit))
	}
	ratio("Target: under hey -c 32, the origin (wasm with its caches) / the lean floor, req/s", "≥ 0.9×", 0.9, cached, floor)
	ratio("Target: under hey -c 32, the origin / the seed stack, req/s", "≥ 4.5×", 4.5, cached, seed)
	if cached != nil {
		p99 := cached.Result.Quantile(0.99)
		add("Target: under hey -c 32, the origin's p99", fmtDur(p99), "< 10 ms", yes(p99 < 10*time.Millisecond))
	} else {
		add("Target: under hey -c 32, the origin's p99", "not measured", "< 10 ms", nil)
	}

	// A full check: the module under wazero with its runaway bound (fuel)
	// against the minimal native check.
	for _, t := range []struct {
		alg   string
		limit float64
	}{{"EdDSA", 5}, {"ES256", 6}, {"HS256", 6}} {
		figure := "Target: full check " + t.alg + ", the module under wazero with fuel / the minimal native check"
		target := fmt.Sprintf("≤ %g×", t.limit)
		w, ok1 := r.full["BenchmarkAuthorize/fuel/serial/miss-"+t.alg]["ns/op"]
		n, ok2 := r.full["BenchmarkCheck/"+t.alg]["ns/op"]
		if !ok1 || !ok2 || n == 0 {
			add(figure, "not measured", target, nil)
			continue
		}
		add(figure, fmt.Sprintf("%s / %s (%.1f×)", fmtNs(w), fmtNs(n), w/n), target, yes(w/n <= t.limit))
	}

	// Every request a cache miss, against security off (the project's own
	// generator: hey sends one token).
	own := pick(r.e2eRuns)
	miss, off := own.miss, own.off
	if miss != nil && off != nil && off.Result.RPS() > 0 {
		q := miss.Result.RPS() / off.Result.RPS()
		add("Target: every request a cache miss (EdDSA) / security off, req/s", fmt.Sprintf("%.0f%% (%s vs %s req/s)", 100*q,
			thousands(miss.Result.RPS()), thousands(off.Result.RPS())), "≥ 25%", yes(q >= 0.25))
	} else {
		add("Target: every request a cache miss (EdDSA) / security off, req/s", "not measured", "≥ 25%", nil)
	}

	// Size and start-up.
	add("Target: module size, gzip -9 (raw)", fmt.Sprintf("%s (%s)", fmtBytes(r.moduleGz), fmtBytes(r.moduleRaw)), "≤ 1.2 MB", yes(r.moduleGz <= 1_200_000))
	if v, ok := r.host["BenchmarkInstanceStart/instantiate"]["ns/op"]; ok {
		add("Target: instance ready (instantiate + _initialize)", fmtNs(v), "≤ 15 ms", yes(v <= 15e6))
	} else {
		add("Target: instance ready (instantiate + _initialize)", "not measured", "≤ 15 ms", nil)
	}
	start, ok1 := r.host["BenchmarkInstanceStart/instantiate"]["MiB/instance"]
	used, ok2 := r.host["BenchmarkAuthorize/fuel/memory"]["MiB/instance"]
	if ok1 || ok2 {
		add("Target: memory per instance, at start / after thousands of checks", fmt.Sprintf("%.2f / %.2f MiB", start, used), "≤ 8 MiB", yes(max(start, used) <= 8))
	} else {
		add("Target: memory per instance", "not measured", "≤ 8 MiB", nil)
	}
}
