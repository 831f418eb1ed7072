package controlplane_test

import (
	"context"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// BenchmarkRefresh is a full rebuild (store reads, two JSON documents,
// hashes) with nothing changed, so nothing is pushed: the cost every
// logout pays on top of its write.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b, origin.AlgEdDSA)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.cp.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPoll is one idle poll: what a running origin spends every
// PollInterval when nothing changed.
func BenchmarkPoll(b *testing.B) {
	f := newFixture(b, origin.AlgEdDSA)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.cp.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
