package metricstest_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/craftingapis/todos/origin/metrics/metricstest"
)

const exposition = `# TYPE req_total counter
req_total{method="GET",status="200"} 2
req_total{method="GET",status="404"} 1
req_total{method="POST",status="200"} 4
# TYPE busy gauge
busy 3
# TYPE took_seconds histogram
took_seconds_bucket{le="0.1"} 1
took_seconds_bucket{le="+Inf"} 5
took_seconds_sum 0.9
took_seconds_count 5
# TYPE other untyped
other 7
`

func TestValue(t *testing.T) {
	fams, err := metricstest.Parse(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
		ok     bool
	}{
		{"one series", "req_total", map[string]string{"method": "GET", "status": "404"}, 1, true},
		{"a partial label set sums its series", "req_total", map[string]string{"method": "GET"}, 3, true},
		{"no labels sum the family", "req_total", nil, 7, true},
		{"no such series", "req_total", map[string]string{"method": "PUT"}, 0, false},
		{"no such family", "absent_total", nil, 0, false},
		{"a gauge", "busy", nil, 3, true},
		{"a histogram counts its samples", "took_seconds", nil, 5, true},
		{"an untyped value", "other", nil, 7, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fams.Value(tt.metric, tt.labels)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Value = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestGatherAgreesWithParse(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "req_total", Help: "h"}, []string{"method"})
	reg.MustRegister(c)
	c.WithLabelValues("GET").Add(2)
	c.WithLabelValues("POST").Inc()
	fams, err := metricstest.Gather(reg)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := fams.Value("req_total", map[string]string{"method": "GET"}); got != 2 || !ok {
		t.Fatalf("Value = %v, %v; want 2, true", got, ok)
	}
	if got, _ := fams.Value("req_total", nil); got != 3 {
		t.Fatalf("Value of the family = %v, want 3", got)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := metricstest.Parse(strings.NewReader("req_total{method=GET} x\n")); err == nil {
		t.Fatal("parsed garbage")
	}
}
