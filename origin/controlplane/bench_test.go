package controlplane_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// BenchmarkRefresh is a sync with nothing changed: two counter reads.
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

// BenchmarkLogout ends one session (the store's write and the control
// plane's update) with live revocations already held: its cost must not
// grow with them.
func BenchmarkLogout(b *testing.B) {
	for _, live := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			f := newFixture(b, origin.AlgEdDSA)
			ctx := context.Background()
			u := f.user(b, "a@example.com")
			for i := range live {
				sid := fmt.Sprintf("old-%06d", i)
				f.signIn(b, u.ID, sid)
				if err := f.sessions.EndSessionByID(ctx, sid); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				sid := fmt.Sprintf("new-%06d", i)
				i++
				f.signIn(b, u.ID, sid)
				b.StartTimer()
				if err := f.sessions.EndSessionByID(ctx, sid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
