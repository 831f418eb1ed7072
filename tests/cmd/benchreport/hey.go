package main

import (
	"fmt"
)

// renderHey adds the rows of the runs under hey: each server, and where
// the origin's CPU per request goes beyond the floor's (the ratios are
// Targets rows).
func (r *report) renderHey(add addRow) {
	for _, e := range r.heyRuns {
		add("hey -c 32, GET /users/{id}/todos, Go servers at GOMAXPROCS=1: "+e.Scenario.Name, fmtRun(e), "—", nil)
	}
	s := pick(r.heyRuns)
	floor, off, cached := s.floor, s.off, s.cached
	if cached != nil && floor != nil {
		add("hey: CPU per request, the origin / the lean floor", fmt.Sprintf("%s / %s (+%s)", fmtDur(cached.CPUPerRequest),
			fmtDur(floor.CPUPerRequest), fmtDur(cached.CPUPerRequest-floor.CPUPerRequest)), "—", nil)
	}
	if cached != nil && off != nil {
		add("hey: CPU per request, the origin / the origin with security off", fmt.Sprintf("%s / %s", fmtDur(cached.CPUPerRequest), fmtDur(off.CPUPerRequest)), "—", nil)
	}
}
