// Package bench is the repository's load generator and benchmark plumbing:
// a closed-loop HTTP load generator with a latency histogram, a launcher for
// the built origin binary, and the scenario `make bench` measures (an
// authenticated GET /users/{id}/todos with 10 todos). tests/cmd/benchreport
// drives it and writes build/bench/BENCHMARKS.md.
//
// Nothing here asserts speed: figures are printed, and their ratios are
// judged by people, never by `make test`.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Load is one closed-loop run: Concurrency workers, each sending its next
// request as soon as the previous answer is read, for Duration after a
// Warmup whose requests are not counted.
type Load struct {
	Client      *http.Client
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	// Request builds the i-th request of worker w. It is called
	// concurrently from every worker.
	Request func(w, i int) (*http.Request, error)
	// Status is the answer every request must get; anything else (or a
	// transport error) counts as an error.
	Status int
	// WindowStart and WindowEnd, when set, are called as the measured
	// window opens and closes (e.g. to read the server's CPU time).
	WindowStart, WindowEnd func()
}

// Result is what a Load measured.
type Result struct {
	Requests uint64 // answered with Status during the measured window
	Errors   uint64
	Elapsed  time.Duration
	Latency  Histogram
	// FirstError describes the first error seen, for diagnosis.
	FirstError string
}

// RPS is requests per second over the measured window.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// NewClient returns a keep-alive client that holds one connection per
// worker, so that a run measures requests, not TCP handshakes.
func NewClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        concurrency * 2,
			MaxIdleConnsPerHost: concurrency * 2,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// ErrBadLoad is returned for a Load that cannot run.
var ErrBadLoad = errors.New("bench: invalid load")

// Run executes l until its Duration has passed (or ctx ends) and returns
// the measurements of the window after Warmup.
func Run(ctx context.Context, l Load) (*Result, error) {
	if l.Client == nil || l.Concurrency < 1 || l.Duration <= 0 || l.Request == nil || l.Status == 0 {
		return nil, ErrBadLoad
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var measuring atomic.Bool
	var errs atomic.Uint64
	var firstErr sync.Once
	res := &Result{}
	hists := make([]Histogram, l.Concurrency)
	counts := make([]uint64, l.Concurrency)
	var wg sync.WaitGroup
	for w := range l.Concurrency {
		wg.Go(func() {
			h := &hists[w]
			for i := 0; ctx.Err() == nil; i++ {
				req, err := l.Request(w, i)
				if err != nil {
					firstErr.Do(func() { res.FirstError = err.Error() })
					errs.Add(1)
					return
				}
				start := time.Now()
				err = do(l.Client, req.WithContext(ctx), l.Status)
				took := time.Since(start)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					if ctx.Err() != nil {
						return // the run ended mid-request
					}
					errs.Add(1)
					firstErr.Do(func() { res.FirstError = err.Error() })
					continue
				}
				h.Record(took)
				counts[w]++
			}
		})
	}
	select {
	case <-time.After(l.Warmup):
	case <-ctx.Done():
	}
	if l.WindowStart != nil {
		l.WindowStart()
	}
	measuring.Store(true)
	start := time.Now()
	select {
	case <-time.After(l.Duration):
	case <-ctx.Done():
	}
	res.Elapsed = time.Since(start)
	if l.WindowEnd != nil {
		l.WindowEnd()
	}
	cancel()
	wg.Wait()
	for w := range hists {
		res.Latency.Merge(&hists[w])
		res.Requests += counts[w]
	}
	res.Errors = errs.Load()
	return res, nil
}

// do sends req and reads the whole answer, so the connection is reused.
func do(c *http.Client, req *http.Request, status int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, status)
	}
	return nil
}
