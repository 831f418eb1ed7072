package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/craftingapis/todos/tests/internal/originproc"
)

// FloorName is the scenario name of the lean floor server (tests/bench/floor).
const FloorName = "lean floor (net/http + gorilla/mux, precomputed body)"

// HeyOptions are the settings of a run under hey.
type HeyOptions struct {
	Hey Hey
	// Floor is the lean floor server's binary (go build ./tests/bench/floor).
	Floor string
	// Seed is the seed stack's folder (see StartSeed); "" leaves it out.
	Seed string
	// ServerProcs is the GOMAXPROCS of every Go server measured (the floor
	// and the origins); 0 leaves Go's default. With the generator on the
	// same CPUs, a server that may run on every CPU spends its idle time
	// spinning in the scheduler instead of sleeping, which hides what its
	// own code costs.
	ServerProcs int
}

// HeyInterleaved measures, under hey, the lean floor server, every origin
// scenario and the seed's stack, in turn, rounds times, keeping each
// one's best round as Interleaved does. The floor answers with the bytes
// the first scenario's origin gives for the measured request. The result
// holds the floor first, then scenarios in order, then the seed.
func HeyInterleaved(ctx context.Context, o E2EOptions, h HeyOptions, scenarios []Scenario, rounds int, progress func(string)) ([]*E2E, error) {
	if len(scenarios) == 0 {
		return nil, ErrBadLoad
	}
	var targets []measurer
	var names []string
	defer func() {
		for _, t := range targets {
			t.Close()
		}
	}()
	procs := map[string]string{}
	if h.ServerProcs > 0 {
		procs["GOMAXPROCS"] = strconv.Itoa(h.ServerProcs)
	}
	var origins []*Prepared
	for _, s := range scenarios {
		progress("prepare " + s.Name + " (hey)")
		s.Env = merged(s.Env, procs)
		p, err := Prepare(ctx, o, s)
		if err != nil {
			return nil, err
		}
		origins = append(origins, p)
		targets = append(targets, &heyTarget{hey: h.Hey, name: s.Name, url: p.urls[0], auth: p.headers[0],
			cpu: p.origin.CPUTime, stop: p.Close})
		names = append(names, s.Name)
	}
	progress("prepare " + FloorName)
	floor, err := startFloor(ctx, o, h, origins[0], procs)
	if err != nil {
		return nil, err
	}
	targets, names = append([]measurer{floor}, targets...), append([]string{FloorName}, names...)
	if h.Seed != "" {
		progress("prepare " + SeedName + " (hey)")
		seed, err := StartSeed(ctx, o, h.Seed)
		if err != nil {
			return nil, err
		}
		targets = append(targets, &heyTarget{hey: h.Hey, name: SeedName, url: seed.URL, auth: seed.header,
			cpu: seed.CPUTime, stop: seed.Close})
		names = append(names, SeedName)
	}
	return bestRounds(ctx, targets, names, rounds, progress)
}

// heyTarget is one server measured with hey.
type heyTarget struct {
	hey       Hey
	name      string
	url, auth string
	cpu       func() (time.Duration, error)
	stop      func() error
}

func (t *heyTarget) Measure(ctx context.Context) (*E2E, error) {
	return t.hey.Run(ctx, t.name, t.url, t.auth, t.cpu)
}

func (t *heyTarget) Close() error { return t.stop() }

// startFloor saves p's answer to the measured request and starts the
// floor server answering it.
func startFloor(ctx context.Context, o E2EOptions, h HeyOptions, p *Prepared, env map[string]string) (*heyTarget, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.urls[0], nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", p.headers[0])
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bench: floor: the origin answered %d: %s", resp.StatusCode, tail(body, 300))
	}
	dir, err := os.MkdirTemp(o.WorkDir, "floor-")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "body.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		return nil, err
	}
	c := originproc.Config{
		Bin: h.Floor, Args: []string{"-body", file}, Dir: dir,
		Env:     append(os.Environ(), "SERVER_HOST=127.0.0.1", "SERVER_PORT=0"),
		LogFile: filepath.Join(dir, "floor.log"),
	}
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	proc, err := originproc.Start(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("bench: floor: %w", err)
	}
	return &heyTarget{hey: h.Hey, name: FloorName, url: proc.Base + req.URL.Path, auth: p.headers[0],
		cpu: func() (time.Duration, error) { return pidCPUTime(proc.Pid()) }, stop: proc.Stop}, nil
}

// merged returns a new map with a's entries, then b's.
func merged(a, b map[string]string) map[string]string {
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
