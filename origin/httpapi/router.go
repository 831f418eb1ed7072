package httpapi

import (
	"fmt"
	"net/http"
	"strings"
)

// router matches a request's escaped path against the route templates
// segment by segment: a segment "{name}" matches any non-empty segment and
// names it, any other segment matches itself. That is what gorilla/mux did
// with these templates (its default variable pattern [^/]+, one regular
// expression per route tried in turn, FuzzRouter holds the two to the same
// answers); matching without regular expressions, and keeping the
// variables in the request's state instead of two context values and two
// copies of the request, made it most of the cost of routing.
//
// No two templates may match the same path (newRouter refuses them), so
// the order of the routes changes nothing.
type router struct {
	paths []*routePath
}

// maxPathVars is the most variables a template may name.
const maxPathVars = 2

// routePath is one template and the handlers of the methods served there.
type routePath struct {
	template string
	segs     []string // the template's segments, after its leading "/"
	vars     []string // for each segment, its variable's name, or ""
	handlers map[string]http.Handler
	methods  []string // as added, for listing
}

// pathVars are the variables of a matched path: slices of the path itself.
type pathVars struct {
	n      int
	names  [maxPathVars]string
	values [maxPathVars]string
}

// get returns the value of the variable name, "" when there is none.
func (v *pathVars) get(name string) string {
	for i := range v.n {
		if v.names[i] == name {
			return v.values[i]
		}
	}
	return ""
}

// add serves method at template with h; GET is served for HEAD too
// (withHead). It fails on a template it cannot match as gorilla/mux did,
// one that could match a path another template matches, and a method
// already served at template.
func (rt *router) add(method, template string, h http.Handler) error {
	p, err := rt.path(template)
	if err != nil {
		return err
	}
	for _, m := range withHead(method) {
		if _, dup := p.handlers[m]; dup {
			return fmt.Errorf("httpapi: %s %s is served twice", m, template)
		}
		p.handlers[m] = h
		p.methods = append(p.methods, m)
	}
	return nil
}

// path returns template's routePath, adding it when new.
func (rt *router) path(template string) (*routePath, error) {
	for _, p := range rt.paths {
		if p.template == template {
			return p, nil
		}
	}
	if !strings.HasPrefix(template, "/") {
		return nil, fmt.Errorf("httpapi: route template %q does not begin with /", template)
	}
	p := &routePath{template: template, segs: strings.Split(template[1:], "/"), handlers: map[string]http.Handler{}}
	p.vars = make([]string, len(p.segs))
	n := 0
	for i, s := range p.segs {
		if strings.ContainsAny(s, "{}") {
			name, ok := strings.CutPrefix(s, "{")
			name, ok2 := strings.CutSuffix(name, "}")
			if !ok || !ok2 || name == "" || strings.ContainsAny(name, "{}:") {
				return nil, fmt.Errorf("httpapi: route template %q: a variable must be a whole segment {name}", template)
			}
			for _, prev := range p.vars[:i] {
				if prev == name {
					return nil, fmt.Errorf("httpapi: route template %q names %q twice", template, name)
				}
			}
			if n++; n > maxPathVars {
				return nil, fmt.Errorf("httpapi: route template %q has more than %d variables", template, maxPathVars)
			}
			p.vars[i] = name
		}
	}
	for _, q := range rt.paths {
		if p.overlaps(q) {
			return nil, fmt.Errorf("httpapi: route templates %q and %q match the same paths", q.template, template)
		}
	}
	rt.paths = append(rt.paths, p)
	return p, nil
}

// overlaps reports whether some path matches both p and q.
func (p *routePath) overlaps(q *routePath) bool {
	if len(p.segs) != len(q.segs) {
		return false
	}
	for i := range p.segs {
		if p.vars[i] == "" && q.vars[i] == "" && p.segs[i] != q.segs[i] {
			return false
		}
	}
	return true
}

// match reports whether path matches p, and then fills vars.
func (p *routePath) match(path string, vars *pathVars) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	rest := path[1:]
	var found pathVars
	for i, seg := range p.segs {
		part := rest
		if i < len(p.segs)-1 {
			j := strings.IndexByte(rest, '/')
			if j < 0 {
				return false
			}
			part, rest = rest[:j], rest[j+1:]
		} else if strings.IndexByte(rest, '/') >= 0 {
			return false
		}
		if name := p.vars[i]; name != "" {
			if part == "" {
				return false
			}
			found.names[found.n], found.values[found.n] = name, part
			found.n++
		} else if part != seg {
			return false
		}
	}
	*vars = found
	return true
}

// find returns the routePath matching path, or nil.
func (rt *router) find(path string, vars *pathVars) *routePath {
	for _, p := range rt.paths {
		if p.match(path, vars) {
			return p
		}
	}
	return nil
}

// allowed returns the methods served at path, as Allow lists them
// (OPTIONS last: every served path answers it), or nil when no route has
// the path.
func (rt *router) allowed(path string) []string {
	var vars pathVars
	p := rt.find(path, &vars)
	if p == nil {
		return nil
	}
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		if p.handlers[m] != nil {
			allow = append(allow, m)
		}
	}
	return append(allow, http.MethodOptions)
}

// routes lists every route served as "METHOD /template".
func (rt *router) routes() []string {
	var all []string
	for _, p := range rt.paths {
		for _, m := range p.methods {
			all = append(all, routeKey(m, p.template))
		}
	}
	return all
}
