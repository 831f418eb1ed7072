package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Hey runs hey (github.com/rakyll/hey, Debian's package "hey"), the load
// generator people reach for, so that the origin is also judged by a
// generator this repository did not write. It is closed loop, like Run:
// Concurrency workers each send the next request when the answer is in.
type Hey struct {
	Bin         string // "hey" when empty
	Concurrency int
	// Warmup is an unmeasured run before each measured one (connections
	// open, caches warm); Duration is the measured run (hey -z).
	Warmup, Duration time.Duration
}

// ErrHey wraps a hey run that failed or printed no summary.
var ErrHey = errors.New("bench: hey")

// Run sends GET url with the Authorization header auth ("" for none) for
// h.Duration and returns what hey measured. cpu, when set, is the server's
// CPU time, read before and after the measured run for CPUPerRequest.
func (h Hey) Run(ctx context.Context, name, url, auth string, cpu func() (time.Duration, error)) (*E2E, error) {
	if h.Warmup > 0 {
		if _, err := h.exec(ctx, url, auth, h.Warmup); err != nil {
			return nil, err
		}
	}
	var before, after time.Duration
	var err error
	if cpu != nil {
		if before, err = cpu(); err != nil {
			return nil, err
		}
	}
	out, err := h.exec(ctx, url, auth, h.Duration)
	if err != nil {
		return nil, err
	}
	if cpu != nil {
		if after, err = cpu(); err != nil {
			return nil, err
		}
	}
	res, err := ParseHey(out)
	if err != nil {
		return nil, err
	}
	e := &E2E{Scenario: Scenario{Name: name, Tokens: 1}, Result: res}
	if res.Requests > 0 {
		e.CPUPerRequest = (after - before) / time.Duration(res.Requests)
	}
	return e, nil
}

func (h Hey) exec(ctx context.Context, url, auth string, d time.Duration) ([]byte, error) {
	bin := h.Bin
	if bin == "" {
		bin = "hey"
	}
	args := []string{"-z", d.String(), "-c", strconv.Itoa(h.Concurrency), "-disable-compression"}
	if auth != "" {
		args = append(args, "-H", "Authorization: "+auth)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w: %s", ErrHey, bin, err, tail(stderr.Bytes(), 500))
	}
	return out, nil
}

// ParseHey reads hey's summary: the run's length, the 50th and 99th
// percentile latencies, the status codes and the errors. Requests counts
// the 200 answers; any other status and every transport error is an
// error, the first of them described in FirstError.
func ParseHey(out []byte) (*Result, error) {
	res := &Result{quantiles: map[float64]time.Duration{}}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasSuffix(line, ":") && !strings.Contains(line, "\t"):
			section = line
			continue
		}
		switch section {
		case "Summary:":
			if v, ok := strings.CutPrefix(line, "Total:"); ok {
				secs, err := parseSecs(v)
				if err != nil {
					return nil, err
				}
				res.Elapsed = secs
			}
		case "Latency distribution:":
			// "99% in 0.0104 secs"
			pct, v, ok := strings.Cut(line, "% in ")
			if !ok {
				return nil, fmt.Errorf("%w: bad latency line %q", ErrHey, line)
			}
			p, err := strconv.Atoi(pct)
			if err != nil {
				return nil, fmt.Errorf("%w: bad latency line %q", ErrHey, line)
			}
			d, err := parseSecs(v)
			if err != nil {
				return nil, err
			}
			res.quantiles[float64(p)/100] = d
		case "Status code distribution:", "Error distribution:":
			// "[200]	21729 responses" or "[3]	Get ...: error text"
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "["), "]")
			if !ok {
				return nil, fmt.Errorf("%w: bad distribution line %q", ErrHey, line)
			}
			v = strings.TrimSpace(v)
			if section == "Error distribution:" {
				n, err := strconv.ParseUint(k, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%w: bad error line %q", ErrHey, line)
				}
				res.Errors += n
				if res.FirstError == "" {
					res.FirstError = v
				}
				continue
			}
			count, ok := strings.CutSuffix(v, " responses")
			n, err := strconv.ParseUint(count, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("%w: bad status line %q", ErrHey, line)
			}
			if k == "200" {
				res.Requests += n
			} else {
				res.Errors += n
				if res.FirstError == "" {
					res.FirstError = "status " + k
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if res.Elapsed <= 0 || res.quantiles[0.99] == 0 && res.Requests > 0 {
		return nil, fmt.Errorf("%w: no summary in %q", ErrHey, tail(out, 500))
	}
	return res, nil
}

// parseSecs reads hey's "\t0.0104 secs".
func parseSecs(s string) (time.Duration, error) {
	v, ok := strings.CutSuffix(strings.TrimSpace(s), " secs")
	f, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("%w: bad duration %q", ErrHey, s)
	}
	return time.Duration(f * float64(time.Second)), nil
}
