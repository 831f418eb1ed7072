// Package metricstest reads metric values in tests by one rule, whether
// from an exposition (Parse, Scrape: what Prometheus would see) or from a
// registry (Gather).
package metricstest

import (
	"fmt"
	"io"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families holds metric families by name.
type Families map[string]*dto.MetricFamily

// Parse reads the text exposition format with the client library's parser.
func Parse(r io.Reader) (Families, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("metricstest: parsing the exposition: %w", err)
	}
	return fams, nil
}

// Scrape fetches url (a /metrics endpoint) and parses it.
func Scrape(url string) (Families, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, fmt.Errorf("metricstest: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metricstest: GET %s answered %d", url, resp.StatusCode)
	}
	return Parse(resp.Body)
}

// Gather collects g's families.
func Gather(g prometheus.Gatherer) (Families, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("metricstest: %w", err)
	}
	f := make(Families, len(mfs))
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f, nil
}

// Value sums the series of family name whose labels include every pair of
// want (nil: all its series): a counter's, gauge's or untyped metric's
// value, a histogram's or summary's sample count. ok is false when no
// series matched.
func (f Families) Value(name string, want map[string]string) (sum float64, ok bool) {
	for _, m := range f[name].GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Summary != nil:
			sum += float64(m.Summary.GetSampleCount())
		}
	}
	return sum, ok
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
