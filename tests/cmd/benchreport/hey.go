package main

import (
	"fmt"
	"time"

	"github.com/craftingapis/todos/tests/bench"
)

// renderHey adds the rows of the runs under hey: each server, then the
// origin against the floor and against the seed's stack.
func (r *report) renderHey(add func(figure, measured, target string, met *bool)) {
	yes := func(b bool) *bool { return &b }
	var floor, off, cached, seed *bench.E2E
	for _, e := range r.heyRuns {
		switch e.Scenario.Name {
		case bench.FloorName:
			floor = e
		case "security off":
			off = e
		case "wasm with its caches (default)":
			cached = e
		case bench.SeedName:
			seed = e
		}
		add("hey -c 32, GET /users/{id}/todos, Go servers at GOMAXPROCS=1: "+e.Scenario.Name, fmtRun(e), "—", nil)
	}
	if cached == nil {
		return
	}
	p99 := cached.Result.Quantile(0.99)
	add("hey: the origin (wasm with its caches): p99", fmtDur(p99), "< 10 ms", yes(p99 < 10*time.Millisecond))
	if floor != nil && floor.Result.RPS() > 0 {
		ratio := cached.Result.RPS() / floor.Result.RPS()
		add("hey: the origin vs the lean floor (req/s, same run)", fmt.Sprintf("%.2f× (%s vs %s req/s)", ratio, thousands(cached.Result.RPS()), thousands(floor.Result.RPS())), "≥ 0.9×", yes(ratio >= 0.9))
		add("hey: CPU per request, the origin / the lean floor", fmt.Sprintf("%s / %s (+%s)", fmtDur(cached.CPUPerRequest), fmtDur(floor.CPUPerRequest), fmtDur(cached.CPUPerRequest-floor.CPUPerRequest)), "—", nil)
	}
	if off != nil {
		add("hey: CPU per request, the origin / security off", fmt.Sprintf("%s / %s", fmtDur(cached.CPUPerRequest), fmtDur(off.CPUPerRequest)), "—", nil)
	}
	if seed != nil && seed.Result.RPS() > 0 {
		ratio := cached.Result.RPS() / seed.Result.RPS()
		add("hey: the origin vs the seed stack (req/s, same run)", fmt.Sprintf("%.2f× (%s vs %s req/s)", ratio, thousands(cached.Result.RPS()), thousands(seed.Result.RPS())), "≥ 4.5×", yes(ratio >= 4.5))
	} else {
		add("hey: the origin vs the seed stack (req/s, same run)", "not measured", "≥ 4.5×", nil)
	}
}
