package bench

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"
)

// Scenario is one end-to-end configuration of the origin under load.
type Scenario struct {
	Name string
	// Env is added to the origin's environment (on top of BaseEnv).
	Env map[string]string
	// Tokens is how many distinct tokens the load cycles through: 1 for a
	// repeated token (cache hits), more than the caches hold for misses.
	Tokens int
}

// E2E is what one Scenario measured.
type E2E struct {
	Scenario Scenario
	Result   *Result
	// CPUPerRequest is the origin's CPU time (user + system) per answered
	// request during the window.
	CPUPerRequest time.Duration
	// Rounds holds every round of an Interleaved run, slowest first.
	Rounds []*E2E
	// ConfigPushes counts the configs the wasm auth step accepted from the
	// start of the origin to the end of this measurement (from its log):
	// logins and reads must not make the control plane push again.
	ConfigPushes int
}

// E2EOptions are the settings shared by every scenario.
type E2EOptions struct {
	Origin      string // the origin binary
	Module      string // the ABI v1 module
	WorkDir     string // scratch space: one folder per scenario
	CacheDir    string // wazero compilation cache shared by every run
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	Todos       int // todos on the measured list
}

// BaseEnv is every scenario's origin configuration: a fresh SQLite file,
// cheap bcrypt (logins are setup, not the measurement), no login rate
// limit, the access log on at info level as in production (written to a
// file).
func (o E2EOptions) BaseEnv(dir string) map[string]string {
	return map[string]string{
		"DATABASE_PATH":          filepath.Join(dir, "origin.db"),
		"SERVER_ENABLE_SECURITY": "true",
		"AUTH_MODULE":            o.Module,
		"AUTH_CACHE_DIR":         o.CacheDir,
		"AUTH_BCRYPT_COST":       "4",
		"LOG_LEVEL":              "info",
		// Setup logs in thousands of times; the limiter guards only the
		// credential endpoints, never the measured GET.
		"RATE_LIMIT_ENABLED": "false",
	}
}

// Prepared is a running origin with its account, ready to be measured
// (several times, interleaved with other scenarios).
type Prepared struct {
	Scenario Scenario
	origin   *Origin
	client   *http.Client
	// urls and headers are the measured requests: the i-th token reads
	// its own user's list.
	urls, headers []string
	next          atomic.Uint64
	opts          E2EOptions
}

// Prepare starts a fresh origin for s and sets up an account whose list
// holds o.Todos todos, with s.Tokens distinct tokens. Close it when done.
func Prepare(ctx context.Context, o E2EOptions, s Scenario) (*Prepared, error) {
	dir, err := os.MkdirTemp(o.WorkDir, "scenario-")
	if err != nil {
		return nil, err
	}
	env := o.BaseEnv(dir)
	for k, v := range s.Env {
		env[k] = v
	}
	org, err := StartOrigin(ctx, o.Origin, dir, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	p := &Prepared{Scenario: s, origin: org, client: NewClient(o.Concurrency), opts: o}
	accts, err := SetupAccounts(ctx, p.client, org.Base, o.Todos, max(1, s.Tokens), 8)
	if err != nil {
		org.Stop()
		return nil, fmt.Errorf("%s: setup: %w", s.Name, err)
	}
	for _, a := range accts {
		for _, t := range a.Tokens {
			p.urls, p.headers = append(p.urls, a.TodosURL(org.Base)), append(p.headers, "Bearer "+t)
		}
	}
	return p, nil
}

// Close stops the origin.
func (p *Prepared) Close() error { return p.origin.Stop() }

// Measure runs one load window against the prepared origin.
func (p *Prepared) Measure(ctx context.Context) (*E2E, error) {
	var cpuBefore, cpuAfter time.Duration
	res, err := Run(ctx, Load{
		Client: p.client, Concurrency: p.opts.Concurrency, Warmup: p.opts.Warmup, Duration: p.opts.Duration,
		Status:      http.StatusOK,
		WindowStart: func() { cpuBefore, _ = p.origin.CPUTime() },
		WindowEnd:   func() { cpuAfter, _ = p.origin.CPUTime() },
		Request: func(w, i int) (*http.Request, error) {
			// One shared cycle through the tokens, so that concurrent
			// workers do not turn a cycle of misses into hits by walking
			// it in step.
			n := (p.next.Add(1) - 1) % uint64(len(p.headers))
			req, err := http.NewRequest(http.MethodGet, p.urls[n], nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", p.headers[n])
			return req, nil
		},
	})
	if err != nil {
		return nil, err
	}
	e := &E2E{Scenario: p.Scenario, Result: res, ConfigPushes: p.origin.countLog(`"msg":"wasmhost: config accepted"`)}
	if res.Requests > 0 {
		e.CPUPerRequest = (cpuAfter - cpuBefore) / time.Duration(res.Requests)
	}
	// Errors (a 503 when a module call overran its deadline, say) are
	// reported with the figures, not fatal: they are a result too.
	return e, nil
}

// Interleaved prepares every scenario, then measures them in turn, rounds
// times, so that a burst of load from elsewhere on the machine cannot
// favour one scenario over another; for each scenario it returns the round
// with the most requests/s. Other load on a shared machine only ever slows
// a round down, so the best round is the closest to the undisturbed
// figure (as the fastest run is for a micro-benchmark); Rounds keeps them
// all for the spread.
func Interleaved(ctx context.Context, o E2EOptions, scenarios []Scenario, rounds int, progress func(string)) ([]*E2E, error) {
	var ps []*Prepared
	defer func() {
		for _, p := range ps {
			p.Close()
		}
	}()
	for _, s := range scenarios {
		progress("prepare " + s.Name)
		p, err := Prepare(ctx, o, s)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	runs := make([][]*E2E, len(ps))
	for r := range rounds {
		for i, p := range ps {
			progress(fmt.Sprintf("round %d/%d: %s", r+1, rounds, p.Scenario.Name))
			e, err := p.Measure(ctx)
			if err != nil {
				return nil, err
			}
			runs[i] = append(runs[i], e)
		}
	}
	out := make([]*E2E, len(ps))
	for i, rs := range runs {
		slices.SortFunc(rs, func(a, b *E2E) int { return cmp.Compare(a.Result.RPS(), b.Result.RPS()) })
		out[i] = rs[len(rs)-1]
		out[i].Rounds = rs
	}
	return out, nil
}
