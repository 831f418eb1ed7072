package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LogoutScale configures RunLogoutScale.
type LogoutScale struct {
	Base string // the origin, e.g. http://127.0.0.1:port
	// EdgeConfigToken is the origin's edge.configToken, to fetch the full
	// edge config.
	EdgeConfigToken string
	Pid             int // the origin's process, for its memory
	Users           int // accounts signed in
	SessionsPerUser int // sessions of each (at most the origin's per-user cap)
	Workers         int // concurrent clients signing in and out
	// SampleEvery: every SampleEvery-th logged-out access token is tried
	// again right after its 204, and must be refused.
	SampleEvery int
	// Window is the number of logouts whose latencies are compared at the
	// start and at the end.
	Window int
}

// LogoutScaleReport is what RunLogoutScale measured.
type LogoutScaleReport struct {
	Sessions             int
	SignInTook, Took     time.Duration // signing every session in; ending them all
	First, Last          Histogram     // logout latency of the first and last Window logouts
	All                  Histogram     // of every logout
	Sampled, Refused     int           // logged-out tokens tried again, and refused
	Reads                Histogram     // GET /users/{id}/todos during the logouts
	ReadErrors           int
	DocBytes, DocGzBytes int // the full edge config at the end
	RSS, PeakRSS         int64
}

// RunLogoutScale signs Users × SessionsPerUser sessions in, then ends them
// all with DELETE /authenticate from Workers clients while one more client
// reads a todo list with a live token, and measures both. The origin should
// run with a low bcrypt cost, rate limits off, and an access-token lifetime
// longer than the run, so that every revocation stays alive until the end.
func RunLogoutScale(ctx context.Context, o LogoutScale) (*LogoutScaleReport, error) {
	c := NewClient(o.Workers + 1)
	rep := &LogoutScaleReport{Sessions: o.Users * o.SessionsPerUser}

	reader, err := Setup(ctx, c, o.Base, 10, 1, 1)
	if err != nil {
		return nil, err
	}
	const password = "correct horse battery staple"
	type session struct{ token, todos string }
	sessions := make([]session, rep.Sessions)
	start := time.Now()
	err = parallel(o.Workers, o.Users, func(u int) error {
		email := fmt.Sprintf("scale-%d@example.com", u)
		var created struct {
			ID int64 `json:"id"`
		}
		if err := call(ctx, c, "POST", o.Base+"/users", "", map[string]any{"email": email, "password": password, "name": "Scale"}, http.StatusCreated, &created); err != nil {
			return err
		}
		todos := o.Base + "/users/" + strconv.FormatInt(created.ID, 10) + "/todos"
		for s := range o.SessionsPerUser {
			var tok struct {
				Token string `json:"token"`
			}
			if err := call(ctx, c, "POST", o.Base+"/authenticate", "", map[string]any{"email": email, "password": password}, http.StatusOK, &tok); err != nil {
				return err
			}
			// Interleaved, so that consecutive logouts are of different users.
			sessions[s*o.Users+u] = session{tok.Token, todos}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.SignInTook = time.Since(start)

	// The reader runs until the logouts are done.
	readCtx, stopReads := context.WithCancel(ctx)
	var readWG sync.WaitGroup
	readWG.Go(func() {
		for readCtx.Err() == nil {
			t0 := time.Now()
			if err := call(readCtx, c, "GET", reader.TodosURL(o.Base), reader.Tokens[0], nil, http.StatusOK, nil); err != nil {
				if readCtx.Err() == nil {
					rep.ReadErrors++
				}
				continue
			}
			rep.Reads.Record(time.Since(t0))
		}
	})

	latencies := make([]time.Duration, rep.Sessions)
	var next atomic.Int64
	var mu sync.Mutex
	var sampleErr error
	start = time.Now()
	err = parallel(o.Workers, o.Workers, func(int) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= rep.Sessions {
				return nil
			}
			s := sessions[i]
			t0 := time.Now()
			if err := call(ctx, c, "DELETE", o.Base+"/authenticate", s.token, nil, http.StatusNoContent, nil); err != nil {
				return fmt.Errorf("logout %d: %w", i, err)
			}
			latencies[i] = time.Since(t0)
			if i%o.SampleEvery == 0 {
				err := call(ctx, c, "GET", s.todos, s.token, nil, http.StatusUnauthorized, nil)
				mu.Lock()
				rep.Sampled++
				if err == nil {
					rep.Refused++
				} else if sampleErr == nil {
					sampleErr = fmt.Errorf("logged-out token %d: %w", i, err)
				}
				mu.Unlock()
			}
		}
	})
	rep.Took = time.Since(start)
	stopReads()
	readWG.Wait()
	if err != nil {
		return nil, err
	}
	for i, d := range latencies {
		rep.All.Record(d)
		if i < o.Window {
			rep.First.Record(d)
		}
		if i >= len(latencies)-o.Window {
			rep.Last.Record(d)
		}
	}

	doc, err := fetchDocument(ctx, c, o.Base+"/.well-known/edgeauth.json", o.EdgeConfigToken)
	if err != nil {
		return nil, err
	}
	rep.DocBytes = len(doc)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(doc)
	w.Close()
	rep.DocGzBytes = gz.Len()
	rep.RSS, rep.PeakRSS, err = memory(o.Pid)
	if err != nil {
		return nil, err
	}
	return rep, sampleErr
}

// parallel runs fn(0..n-1) on at most workers goroutines and returns the
// first error.
func parallel(workers, n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, workers)
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func fetchDocument(ctx context.Context, c *http.Client, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("bench: %s: status %d", url, resp.StatusCode)
	}
	return b, err
}

// memory reads a process's resident set size and its peak, in bytes, from
// /proc (Linux only).
func memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("bench: no VmRSS/VmHWM in /proc status")
	}
	return rss, peak, nil
}

// String renders the report as the lines the README quotes.
func (r *LogoutScaleReport) String() string {
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sessions signed in: %d in %v\n", r.Sessions, r.SignInTook.Round(time.Second))
	fmt.Fprintf(&b, "sessions ended: %d in %v (%.0f logouts/s)\n", r.All.Count(), r.Took.Round(time.Second), float64(r.All.Count())/r.Took.Seconds())
	fmt.Fprintf(&b, "logout latency, first %d: median %s, p99 %s\n", r.First.Count(), ms(r.First.Quantile(0.5)), ms(r.First.Quantile(0.99)))
	fmt.Fprintf(&b, "logout latency, last %d: median %s, p99 %s\n", r.Last.Count(), ms(r.Last.Quantile(0.5)), ms(r.Last.Quantile(0.99)))
	fmt.Fprintf(&b, "logout latency, all: median %s, p99 %s, max %s\n", ms(r.All.Quantile(0.5)), ms(r.All.Quantile(0.99)), ms(r.All.Max()))
	fmt.Fprintf(&b, "logged-out tokens tried right after their 204: %d, refused: %d\n", r.Sampled, r.Refused)
	fmt.Fprintf(&b, "GET /users/{id}/todos during the logouts: %d, median %s, p99 %s, errors %d\n", r.Reads.Count(), ms(r.Reads.Quantile(0.5)), ms(r.Reads.Quantile(0.99)), r.ReadErrors)
	fmt.Fprintf(&b, "full edge config at the end: %d bytes (%d gzipped)\n", r.DocBytes, r.DocGzBytes)
	fmt.Fprintf(&b, "origin memory at the end: RSS %.1f MiB, peak %.1f MiB\n", float64(r.RSS)/(1<<20), float64(r.PeakRSS)/(1<<20))
	return b.String()
}
