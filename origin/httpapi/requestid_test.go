package httpapi

import (
	"regexp"
	"sync"
	"testing"
)

// TestRequestIDsUnique draws ids from several goroutines at once (so that
// the pool holds several generators) and from a second source (another
// server in the same process): no id may repeat, as it would if two
// generators shared a seed.
func TestRequestIDsUnique(t *testing.T) {
	const workers, each = 8, 2000
	format := regexp.MustCompile(`^[0-9a-f]{32}$`)
	sources := []*requestIDs{newRequestIDs(), newRequestIDs()}
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			g := sources[w%len(sources)]
			for range each {
				ids[w] = append(ids[w], g.next())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	for _, list := range ids {
		for _, id := range list {
			if !format.MatchString(id) {
				t.Fatalf("id %q is not 32 hex digits", id)
			}
			if seen[id] {
				t.Fatalf("id %q drawn twice", id)
			}
			seen[id] = true
		}
	}
}
