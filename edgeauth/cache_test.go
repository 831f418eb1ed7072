package edgeauth

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestCacheAgainstModel drives caches with random tokens, many of them
// sharing their last bytes (the index's probe runs and deletions) and of
// sizes that make the arena wrap, grow and evict, and checks after every
// put that the cache holds exactly the newest insertions, each answered
// with its own claims, within both bounds.
func TestCacheAgainstModel(t *testing.T) {
	tests := []struct {
		name                 string
		maxEntries, maxBytes int
	}{
		{"entries bound", 16, 1 << 20},
		{"bytes bound", 64, 16 * cacheEntryOverhead},
		{"both, small arena", 8, 4 * (cacheEntryOverhead + 300)},
		{"arena growth", 200, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.maxEntries)))
			c := newTokenCache(tt.maxEntries, tt.maxBytes)
			var order []string // tokens in the order they entered
			infos := map[string]*tokenInfo{}
			var distinct []string
			for i := range 3000 {
				var tok string
				if len(distinct) > 0 && rng.IntN(4) == 0 {
					tok = distinct[rng.IntN(len(distinct))] // a token seen before
				} else {
					suffix := []string{"-sig-aaaa", "-sig-bbbb", strconv.Itoa(i) + "-unique"}[rng.IntN(3)]
					tok = strings.Repeat("x", rng.IntN(300)) + "." + strconv.Itoa(i) + suffix
					distinct = append(distinct, tok)
					infos[tok] = &tokenInfo{sub: "users/" + strconv.Itoa(i), exp: 1000}
				}
				_, cached := c.get([]byte(tok))
				c.put([]byte(tok), infos[tok])
				if !cached {
					order = append(order, tok)
				}
				if c.n > tt.maxEntries || c.bytes > tt.maxBytes {
					t.Fatalf("put %d: %d entries, %d bytes; bounds %d, %d", i, c.n, c.bytes, tt.maxEntries, tt.maxBytes)
				}
				if c.n == 0 || order[len(order)-1] != tok && !cached {
					t.Fatalf("put %d: the token just put is not cached", i)
				}
				live := order[len(order)-c.n:]
				bytes := 0
				for _, l := range live {
					got, ok := c.get([]byte(l))
					if !ok || got != infos[l] {
						t.Fatalf("put %d: a live token is answered with %v, %v", i, got, ok)
					}
					bytes += entrySize(l, infos[l])
				}
				if bytes != c.bytes {
					t.Fatalf("put %d: %d bytes accounted, want %d", i, c.bytes, bytes)
				}
				if i%50 == 0 { // and nothing older is still answered
					for _, old := range order[:len(order)-c.n] {
						if _, ok := c.get([]byte(old)); ok && !slices.Contains(live, old) {
							t.Fatalf("put %d: an evicted token is still answered", i)
						}
					}
				}
			}
		})
	}
}

// TestCacheConcurrent has goroutines fill and read one small cache at
// once, so that entries are evicted and their arena bytes rewritten while
// others look tokens up: a hit must always be the token's own claims (and
// under -race, nothing may be read outside the lock).
func TestCacheConcurrent(t *testing.T) {
	c := newTokenCache(8, 1<<20)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				sub := strconv.Itoa((i*7 + g) % 40)
				tok := []byte(strings.Repeat("t", 10+len(sub)*30) + "." + sub)
				if got, ok := c.get(tok); ok && got.sub != sub {
					t.Errorf("token of %s answered with the claims of %s", sub, got.sub)
					return
				}
				c.put(tok, &tokenInfo{sub: sub, exp: 1000})
			}
		}()
	}
	wg.Wait()
	if n := c.len(); n == 0 || n > 8 {
		t.Fatalf("%d entries, bound 8", n)
	}
}

// TestCacheRecycled: with recycling on (as in wasm), recycled hands back
// only evicted entries' tokenInfos, zeroed, never one the cache still
// answers with, and keeps at most maxFree of them; with it off (natively,
// where a concurrent check may still read an evicted entry), none.
func TestCacheRecycled(t *testing.T) {
	for _, recycle := range []bool{true, false} {
		t.Run(fmt.Sprintf("recycle=%v", recycle), func(t *testing.T) {
			c := newTokenCache(4, 1<<20)
			c.recycle = recycle
			var toks []string
			n := 0
			for i := range 40 {
				tok := "tok-" + strconv.Itoa(i)
				c.put([]byte(tok), &tokenInfo{sub: "users/" + strconv.Itoa(i), jti: tok, exp: int64(i) + 1})
				toks = append(toks, tok)
				// Every fifth put, take back all that was kept, as misses do.
				if i%5 != 4 {
					continue
				}
				kept := 0
				for info := c.recycled(); info != nil; info = c.recycled() {
					n, kept = n+1, kept+1
					for _, tok := range toks {
						if got, hit := c.get([]byte(tok)); hit && got == info {
							t.Fatalf("after put %d: recycled the tokenInfo of %q, still cached", i, tok)
						}
					}
					if info.sub != "" || info.jti != "" || info.exp != 0 || info.scopes != nil {
						t.Fatalf("recycled tokenInfo not zeroed: %+v", *info)
					}
				}
				if kept > maxFree {
					t.Fatalf("kept %d tokenInfos, bound %d", kept, maxFree)
				}
			}
			// 36 evictions, taken back 5 at a time (the first time 1).
			if want := map[bool]int{true: 36, false: 0}[recycle]; n != want {
				t.Fatalf("recycled %d tokenInfos, want %d", n, want)
			}
			// Evictions nobody takes back keep at most maxFree.
			for i := range 20 {
				c.put([]byte("more-"+strconv.Itoa(i)), &tokenInfo{sub: "users/1"})
			}
			kept := 0
			for c.recycled() != nil {
				kept++
			}
			if want := map[bool]int{true: maxFree, false: 0}[recycle]; kept != want {
				t.Fatalf("kept %d tokenInfos of 20 evictions, want %d", kept, want)
			}
		})
	}
}

// TestRecyclingOnlyInWasm: recycling is safe only where no two checks run
// at once.
func TestRecyclingOnlyInWasm(t *testing.T) {
	if recycleInfos != (runtime.GOARCH == "wasm") {
		t.Fatalf("recycleInfos = %v on %s", recycleInfos, runtime.GOARCH)
	}
	if c := newTokenCache(4, 1<<20); c.recycle != recycleInfos {
		t.Fatalf("a new cache recycles: %v, want %v", c.recycle, recycleInfos)
	}
}
