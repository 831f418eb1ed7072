package main

import (
	"fmt"

	"github.com/craftingapis/todos/tests/bench"
)

// renderHey adds the rows of the runs under hey: each server, and where
// the origin's CPU per request goes beyond the floor's (the ratios are
// Targets rows).
func (r *report) renderHey(add addRow) {
	var floor, off, cached *bench.E2E
	for _, e := range r.heyRuns {
		switch e.Scenario.Name {
		case bench.FloorName:
			floor = e
		case "security off":
			off = e
		case "wasm with its caches (default)":
			cached = e
		}
		add("hey -c 32, GET /users/{id}/todos, Go servers at GOMAXPROCS=1: "+e.Scenario.Name, fmtRun(e), "—", nil)
	}
	if cached != nil && floor != nil {
		add("hey: CPU per request, the origin / the lean floor", fmt.Sprintf("%s / %s (+%s)", fmtDur(cached.CPUPerRequest),
			fmtDur(floor.CPUPerRequest), fmtDur(cached.CPUPerRequest-floor.CPUPerRequest)), "—", nil)
	}
	if cached != nil && off != nil {
		add("hey: CPU per request, the origin / the origin with security off", fmt.Sprintf("%s / %s", fmtDur(cached.CPUPerRequest), fmtDur(off.CPUPerRequest)), "—", nil)
	}
}
