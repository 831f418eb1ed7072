package wasmhost

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestRealModuleCacheTurnover sends the real module more distinct valid
// tokens than its token cache holds, and some again at different distances,
// with the host's decision cache off: misses evict entries and reuse what
// they leave (the wasm build recycles evicted entries), and every Decision
// must still carry its own token's subject, jti and scopes, on a miss and
// on a hit alike.
func TestRealModuleCacheTurnover(t *testing.T) {
	h := newHost(t, loadRealModule(t), Options{PoolSize: 1, DecisionCacheEntries: -1})
	ctx := context.Background()
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatal(err)
	}
	const n = 1500 // more than the module's 1,024-entry token cache
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = mint(t, "HS256", i+1, fmt.Sprintf("turnover-%d", i), time.Hour)
	}
	check := func(i int) {
		t.Helper()
		d, err := h.Authorize(ctx, todosOf(i+1, tokens[i]))
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if !d.Allow || d.Subject != fmt.Sprintf("users/%d", i+1) || d.JTI != fmt.Sprintf("turnover-%d", i) ||
			!slices.Equal(d.Scopes, []string{"todos:read", "todos:write"}) {
			t.Fatalf("token %d decided %+v", i, d)
		}
	}
	for i := range n {
		check(i) // a miss
		if i >= 1 {
			check(i - 1) // a hit on the newest entry but one
		}
		if i >= 1000 {
			check(i - 1000) // a hit among the oldest entries
		}
	}
	for i := 0; i < n; i += 3 {
		check(i) // misses again for the evicted, hits for the recent
	}
}
