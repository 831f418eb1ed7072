package tokens

import (
	"slices"
	"strings"

	"github.com/craftingapis/todos/origin"
)

// maxScopeLen bounds the scope string /authenticate accepts, so a hostile
// request cannot make us split megabytes.
const maxScopeLen = 256

// NarrowScope returns the scope claim for a requested scope: origin.DefaultScope
// when the request names none, otherwise the requested scopes, de-duplicated
// and in DefaultScope's order. Scope tokens are separated by single spaces
// (RFC 6749 section 3.3); asking for anything outside DefaultScope is
// EINVALIDSCOPE.
func NarrowScope(requested string) (string, error) {
	if requested == "" {
		return origin.DefaultScope, nil
	}
	if len(requested) > maxScopeLen {
		return "", origin.Errorf(origin.EINVALIDSCOPE, "scope is too long")
	}
	allowed := strings.Split(origin.DefaultScope, " ")
	want := strings.Split(requested, " ")
	for _, s := range want {
		if !slices.Contains(allowed, s) {
			return "", origin.Errorf(origin.EINVALIDSCOPE, "scope must be a space-separated subset of %q", origin.DefaultScope)
		}
	}
	var out []string
	for _, s := range allowed {
		if slices.Contains(want, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " "), nil
}
