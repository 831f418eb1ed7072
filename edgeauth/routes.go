package edgeauth

import "strings"

// pattern is a compiled route path plus its method. A path such as
// "/users/{id}/todos" becomes the segments "users", "{id}", "todos"; a
// variable segment matches exactly one non-empty raw segment.
type pattern struct {
	method string // upper-case
	segs   []string
	isVar  []bool
}

// route is an authenticated route rule.
type route struct {
	pattern
	scopes []string
	// owner is the index of the segment whose value must equal the token
	// subject's id ("users/<value>"); -1 when the route has no owner.
	owner int
	// challenge403 is the WWW-Authenticate value of an insufficient_scope
	// denial, naming the route's scopes; built once per Config.
	challenge403 string
}

// compilePattern validates a Config route's method and path.
func compilePattern(method, path string) (pattern, error) {
	if method == "" || !isToken(method) {
		return pattern{}, configErr("routes: a method must be a non-empty HTTP token")
	}
	if path == "" || path[0] != '/' {
		return pattern{}, configErr(`routes: a path must start with "/"`)
	}
	if strings.ContainsAny(path, "?#") {
		return pattern{}, configErr("routes: a path must not hold a query or fragment")
	}
	pt := pattern{method: strings.ToUpper(method)}
	for _, seg := range strings.Split(path[1:], "/") {
		isVar := strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
		if isVar {
			name := seg[1 : len(seg)-1]
			if name == "" || !isVarName(name) {
				return pattern{}, configErr("routes: a path variable must be {name} with name of [A-Za-z0-9_]")
			}
			for i, other := range pt.segs {
				if pt.isVar[i] && other == name {
					return pattern{}, configErr("routes: a path names one variable twice")
				}
			}
			seg = name
		} else if strings.ContainsAny(seg, "{}") {
			return pattern{}, configErr("routes: a path variable must be a whole segment")
		}
		pt.segs = append(pt.segs, seg)
		pt.isVar = append(pt.isVar, isVar)
	}
	return pt, nil
}

// varIndex returns the segment index of the variable name, or -1.
func (pt *pattern) varIndex(name string) int {
	for i, seg := range pt.segs {
		if pt.isVar[i] && seg == name {
			return i
		}
	}
	return -1
}

// match reports whether method and the raw path match pt. When want >= 0
// it also returns the raw value of segment want. It takes strings or byte
// slices (the ABI path matches on the request document's bytes) and does not
// allocate.
func match[S ~string | ~[]byte](pt *pattern, method, path S, want int) (value S, ok bool) {
	if !asciiEqualUpper(method, pt.method) || len(path) == 0 || path[0] != '/' {
		return value, false
	}
	pos := 1
	for i, seg := range pt.segs {
		if pos > len(path) { // the path has fewer segments
			return value, false
		}
		end := pos
		for end < len(path) && path[end] != '/' {
			end++
		}
		cur := path[pos:end]
		if pt.isVar[i] {
			if len(cur) == 0 {
				return value, false
			}
		} else if string(cur) != seg {
			return value, false
		}
		if i == want {
			value = cur
		}
		pos = end + 1
	}
	if pos != len(path)+1 { // the path has more segments
		return value, false
	}
	return value, true
}

// asciiEqualUpper reports whether s upper-cased (ASCII only) equals upper.
func asciiEqualUpper[S ~string | ~[]byte](s S, upper string) bool {
	if len(s) != len(upper) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token (the syntax of a method).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func isVarName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// isScopeToken reports whether s is an RFC 6749 scope-token, which also makes
// it safe inside the quoted scope="..." of a WWW-Authenticate header.
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7E || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
