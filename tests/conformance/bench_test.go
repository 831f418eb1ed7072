package conformance_test

import (
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
)

// BenchmarkCorpus measures one pass over the whole corpus per engine
// (reconfiguring between named configs as Run does); divide by the vector
// count for the mean cost of a vector, config changes included.
func BenchmarkCorpus(b *testing.B) {
	files := loadCorpus(b)
	for _, e := range []struct {
		name    string
		engines func(testing.TB) conformance.Engines
	}{
		{"native", func(testing.TB) conformance.Engines { return nativeEngines() }},
		{"wazero", wazeroEngines},
	} {
		b.Run(e.name, func(b *testing.B) {
			engines := e.engines(b)
			n := conformance.Count(files)
			b.ResetTimer()
			for b.Loop() {
				for _, f := range files {
					current := ""
					for i := range f.Vectors {
						if _, err := conformance.Decide(b, f, &f.Vectors[i], engines, &current); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/vector")
		})
	}
}
