package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// heyOut is hey 0.1.4's summary (histogram bars shortened), with the
// status and error lines given.
func heyOut(statuses, errs string) string {
	s := "\nSummary:\n  Total:\t10.0004 secs\n  Slowest:\t0.0260 secs\n  Fastest:\t0.0000 secs\n  Average:\t0.0002 secs\n" +
		"  Requests/sec:\t21719.8097\n  \n  Total data:\t543225 bytes\n  Size/request:\t25 bytes\n\n" +
		"Response time histogram:\n  0.000 [1]\t|\n  0.003 [21668]\t|■■■■\n\n\n" +
		"Latency distribution:\n  10% in 0.0001 secs\n  50% in 0.0012 secs\n  99% in 0.0104 secs\n\n" +
		"Details (average, fastest, slowest):\n  DNS+dialup:\t0.0000 secs, 0.0000 secs, 0.0260 secs\n" +
		"  resp wait:\t0.0002 secs, 0.0000 secs, 0.0260 secs\n\n" +
		"Status code distribution:\n" + statuses + "\n\n"
	if errs != "" {
		s += "Error distribution:\n" + errs + "\n"
	}
	return s
}

func TestParseHey(t *testing.T) {
	tests := []struct {
		name      string
		out       string
		requests  uint64
		errors    uint64
		firstErr  string
		wantError bool
	}{
		{"all 200", heyOut("  [200]\t217298 responses", ""), 217298, 0, "", false},
		{"other statuses are errors", heyOut("  [200]\t100 responses\n  [503]\t7 responses", ""), 100, 7, "status 503", false},
		{"transport errors", heyOut("  [200]\t100 responses",
			"  [3]\tGet \"http://127.0.0.1:1/x\": context deadline exceeded"), 100, 3, `Get "http://127.0.0.1:1/x": context deadline exceeded`, false},
		{"no summary", "connection refused\n", 0, 0, "", true},
		{"bad status line", heyOut("  [200]\tmany responses", ""), 0, 0, "", true},
		{"bad latency line", strings.Replace(heyOut("  [200]\t1 responses", ""), "99% in 0.0104 secs", "99% at noon", 1), 0, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseHey([]byte(tt.out))
			if tt.wantError {
				if !errors.Is(err, ErrHey) {
					t.Fatalf("err = %v, want ErrHey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != tt.requests || res.Errors != tt.errors || res.FirstError != tt.firstErr {
				t.Fatalf("requests %d errors %d first %q, want %d %d %q", res.Requests, res.Errors, res.FirstError, tt.requests, tt.errors, tt.firstErr)
			}
			if res.Elapsed != 10000400*time.Microsecond || res.Quantile(0.5) != 1200*time.Microsecond || res.Quantile(0.99) != 10400*time.Microsecond {
				t.Fatalf("elapsed %v p50 %v p99 %v", res.Elapsed, res.Quantile(0.5), res.Quantile(0.99))
			}
		})
	}
}

func FuzzParseHey(f *testing.F) {
	f.Add([]byte(heyOut("  [200]\t5 responses", "  [1]\tboom")))
	f.Add([]byte("Summary:\n  Total:\t-1 secs\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		res, err := ParseHey(out)
		if err != nil {
			if !errors.Is(err, ErrHey) {
				t.Fatalf("err = %v, want ErrHey", err)
			}
			return
		}
		if res.Elapsed <= 0 || res.RPS() < 0 {
			t.Fatalf("accepted a summary without a run: %+v", res)
		}
	})
}
