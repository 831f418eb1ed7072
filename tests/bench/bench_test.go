package bench

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"tiny exact values", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(100)) }},
		{"microseconds", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(5000)) * time.Microsecond }},
		{"long tail", func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * float64(time.Millisecond)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h Histogram
			vals := make([]time.Duration, 20000)
			for i := range vals {
				vals[i] = tt.gen(r)
				h.Record(vals[i])
			}
			slices.Sort(vals)
			if h.Count() != uint64(len(vals)) || h.Max() != vals[len(vals)-1] {
				t.Fatalf("count %d max %v, want %d %v", h.Count(), h.Max(), len(vals), vals[len(vals)-1])
			}
			for _, q := range []float64{0.5, 0.9, 0.99} {
				want := vals[int(q*float64(len(vals)))]
				got := h.Quantile(q)
				if got > want || float64(want-got) > 0.02*float64(want)+1 {
					t.Errorf("q%.2f = %v, want %v (within 2%%, never above)", q, got, want)
				}
			}
		})
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every value falls in a bucket whose lower bound is at most the value
	// and within 1/64 of it; indexes never decrease.
	prev := 0
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		i := histIndex(v)
		if i < prev || i >= 64*histSub {
			t.Fatalf("index %d for %d (previous %d)", i, v, prev)
		}
		if lo := histLow(i); lo > v || float64(v-lo) > float64(v)/64 {
			t.Fatalf("bucket %d low %d for value %d", i, lo, v)
		}
		prev = i
	}
}

func TestRun(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	tests := []struct {
		name   string
		path   string
		errors bool
	}{
		{"all good", "/ok", false},
		{"wrong status counts as errors", "/fail", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), Load{
				Client: NewClient(4), Concurrency: 4, Warmup: 20 * time.Millisecond, Duration: 200 * time.Millisecond,
				Request: func(w, i int) (*http.Request, error) { return http.NewRequest("GET", srv.URL+tt.path, nil) },
				Status:  http.StatusOK,
			})
			if err != nil {
				t.Fatal(err)
			}
			if tt.errors {
				if res.Errors == 0 || res.Requests != 0 || res.FirstError == "" {
					t.Fatalf("errors %d requests %d first %q", res.Errors, res.Requests, res.FirstError)
				}
				return
			}
			if res.Errors != 0 || res.Requests == 0 || res.Latency.Count() != res.Requests || res.RPS() <= 0 {
				t.Fatalf("requests %d errors %d (%s) histogram %d", res.Requests, res.Errors, res.FirstError, res.Latency.Count())
			}
			if uint64(served.Load()) < res.Requests {
				t.Fatalf("counted %d requests, server saw %d", res.Requests, served.Load())
			}
		})
	}
	if _, err := Run(context.Background(), Load{}); err != ErrBadLoad {
		t.Fatalf("empty load: %v", err)
	}
}

func TestParseGoBench(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkAuthorize/EdDSA-2         	   21920	     54600 ns/op	     520 B/op	       6 allocs/op
BenchmarkAuthorize/deadline/memory-2 	 1000000000	         0.0000010 ns/op	        10.75 MiB/instance
BenchmarkX 	 10	 5.5 ns/op
BenchmarkX 	 10	 4.5 ns/op
BenchmarkX 	 10	 6.5 ns/op
PASS
`)
	m := ParseGoBench(out)
	tests := []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkAuthorize/EdDSA", "ns/op", 54600},
		{"BenchmarkAuthorize/EdDSA", "allocs/op", 6},
		{"BenchmarkAuthorize/deadline/memory", "MiB/instance", 10.75},
		{"BenchmarkX", "ns/op", 4.5}, // -count 3: the fastest run
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.unit, func(t *testing.T) {
			if got, ok := m[tt.name][tt.unit]; !ok || got != tt.want {
				t.Fatalf("got %v (%t), want %v; parsed %v", got, ok, tt.want, m)
			}
		})
	}
	if len(m) != 3 {
		t.Fatalf("parsed %d benchmarks, want 3: %v", len(m), m)
	}
}
