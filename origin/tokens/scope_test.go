package tokens

import (
	"slices"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// FuzzNarrowScope: whatever is asked, a granted scope is a duplicate-free
// subset of the default in its order, and it is granted only if every
// requested token was allowed.
func FuzzNarrowScope(f *testing.F) {
	for _, s := range []string{"", "todos:read", "users:write todos:read", "admin", "todos:read  x", origin.DefaultScope} {
		f.Add(s)
	}
	allowed := strings.Split(origin.DefaultScope, " ")
	f.Fuzz(func(t *testing.T, req string) {
		got, err := NarrowScope(req)
		if err != nil {
			if origin.ErrorCode(err) != origin.EINVALIDSCOPE {
				t.Fatalf("error code %q", origin.ErrorCode(err))
			}
			return
		}
		if req == "" {
			if got != origin.DefaultScope {
				t.Fatalf("empty request gave %q", got)
			}
			return
		}
		for _, r := range strings.Split(req, " ") {
			if !slices.Contains(allowed, r) {
				t.Fatalf("granted %q for a request containing %q", got, r)
			}
		}
		last := -1
		for _, g := range strings.Split(got, " ") {
			i := slices.Index(allowed, g)
			if i <= last {
				t.Fatalf("granted %q: not a duplicate-free subset in order", got)
			}
			if !slices.Contains(strings.Split(req, " "), g) {
				t.Fatalf("granted %q which %q did not ask for", g, req)
			}
			last = i
		}
	})
}
