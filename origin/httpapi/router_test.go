package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/origin"
)

// gorillaRouter is the router as it was built on gorilla/mux: the same
// routes, matched on the escaped path, never cleaned.
func gorillaRouter(t testing.TB) *mux.Router {
	t.Helper()
	r := mux.NewRouter().UseEncodedPath().SkipClean(true)
	r.MethodNotAllowedHandler = http.NotFoundHandler() // so that Match reports a mismatch
	for _, rule := range origin.RouteRules {
		r.Handle(rule.Path, http.NotFoundHandler()).Methods(withHead(rule.Method)...)
	}
	for _, p := range origin.PublicRoutes {
		r.Handle(p.Path, http.NotFoundHandler()).Methods(withHead(p.Method)...)
	}
	return r
}

// routeAnswer is how a router answers a request: the template and
// variables of the route served, or a 404, or a 405.
type routeAnswer struct {
	template string
	vars     map[string]string
	status   int
}

func gorillaAnswer(r *mux.Router, method, path string) routeAnswer {
	req := &http.Request{Method: method, URL: &url.URL{Path: path}}
	if u, err := url.Parse(path); err == nil {
		req.URL = u
	}
	var m mux.RouteMatch
	r.Match(req, &m)
	switch {
	case errors.Is(m.MatchErr, mux.ErrMethodMismatch):
		return routeAnswer{status: http.StatusMethodNotAllowed}
	case m.MatchErr != nil || m.Route == nil:
		return routeAnswer{status: http.StatusNotFound}
	}
	tpl, _ := m.Route.GetPathTemplate()
	return routeAnswer{template: tpl, vars: m.Vars}
}

func ourAnswer(rt *router, method, path string) routeAnswer {
	req := &http.Request{Method: method, URL: &url.URL{Path: path}}
	if u, err := url.Parse(path); err == nil {
		req.URL = u
	}
	var vars pathVars
	p := rt.find(req.URL.EscapedPath(), &vars)
	switch {
	case p == nil:
		return routeAnswer{status: http.StatusNotFound}
	case p.handlers[method] == nil:
		return routeAnswer{status: http.StatusMethodNotAllowed}
	}
	a := routeAnswer{template: p.template, vars: map[string]string{}}
	for i := range vars.n {
		a.vars[vars.names[i]] = vars.values[i]
	}
	return a
}

func sameAnswer(a, b routeAnswer) bool {
	if a.template != b.template || a.status != b.status || len(a.vars) != len(b.vars) {
		return false
	}
	for k, v := range a.vars {
		if w, ok := b.vars[k]; !ok || w != v {
			return false
		}
	}
	return true
}

var routerMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "BREW"}

// FuzzRouter holds the router to what gorilla/mux answered with the same
// routes, for any path and method.
func FuzzRouter(f *testing.F) {
	for _, p := range []string{
		"/users/1/todos", "/users/1/todos/2", "/users/1/sessions/s-1", "/users/1", "/users", "/users/",
		"/users//todos", "/users/1/todos/", "/docs", "/docs/", "/docs/swagger-ui.css", "/docs/a/b",
		"/.well-known/jwks.json", "/%75sers/1", "/users/%2F/todos", "/users/1/../2", "//users/1", "",
		"*", "/authenticate", "/authenticate/refresh", "/users/\xff/todos", "/users/1\n/todos",
	} {
		f.Add(uint8(0), p)
		f.Add(uint8(2), p)
	}
	s := &server{security: true}
	rt, err := s.router()
	if err != nil {
		f.Fatal(err)
	}
	g := gorillaRouter(f)
	f.Fuzz(func(t *testing.T, m uint8, path string) {
		method := routerMethods[int(m)%len(routerMethods)]
		want, got := gorillaAnswer(g, method, path), ourAnswer(rt, method, path)
		if !sameAnswer(got, want) {
			t.Fatalf("%s %q: router %+v, gorilla/mux %+v", method, path, got, want)
		}
	})
}

func TestRouterRefusesTemplates(t *testing.T) {
	ok := http.NotFoundHandler()
	tests := []struct {
		name   string
		routes [][2]string // method, template
	}{
		{"no leading slash", [][2]string{{"GET", "users"}}},
		{"variable inside a segment", [][2]string{{"GET", "/users/x{id}"}}},
		{"variable with a pattern", [][2]string{{"GET", "/users/{id:[0-9]+}"}}},
		{"empty variable", [][2]string{{"GET", "/users/{}"}}},
		{"variable named twice", [][2]string{{"GET", "/a/{id}/{id}"}}},
		{"too many variables", [][2]string{{"GET", "/{a}/{b}/{c}"}}},
		{"overlapping templates", [][2]string{{"GET", "/docs/{file}"}, {"POST", "/docs/index"}}},
		{"a method served twice", [][2]string{{"GET", "/a"}, {"GET", "/a"}}},
		{"HEAD served twice", [][2]string{{"GET", "/a"}, {"HEAD", "/a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &router{}
			var err error
			for _, r := range tt.routes {
				if err = rt.add(r[0], r[1], ok); err != nil {
					break
				}
			}
			if err == nil {
				t.Fatalf("routes %q were accepted", tt.routes)
			}
		})
	}
}

func TestRouterVariables(t *testing.T) {
	rt := &router{}
	for _, tpl := range []string{"/users/{id}/todos/{todoId}", "/", "/docs"} {
		if err := rt.add("GET", tpl, http.NotFoundHandler()); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, path, template string
		vars                 []string // name, value, ...
	}{
		{"two variables", "/users/12/todos/3", "/users/{id}/todos/{todoId}", []string{"id", "12", "todoId", "3"}},
		{"escaped bytes kept", "/users/%31/todos/a%2Fb", "/users/{id}/todos/{todoId}", []string{"id", "%31", "todoId", "a%2Fb"}},
		{"root", "/", "/", nil},
		{"no variable", "/docs", "/docs", nil},
		{"empty variable", "/users//todos/3", "", nil},
		{"trailing slash", "/docs/", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vars pathVars
			p := rt.find(tt.path, &vars)
			if tt.template == "" {
				if p != nil {
					t.Fatalf("%q matched %q", tt.path, p.template)
				}
				return
			}
			if p == nil || p.template != tt.template {
				t.Fatalf("%q matched %v, want %q", tt.path, p, tt.template)
			}
			var got []string
			for i := range vars.n {
				got = append(got, vars.names[i], vars.values[i])
			}
			if !slices.Equal(got, tt.vars) {
				t.Errorf("variables %q, want %q", got, tt.vars)
			}
			if len(tt.vars) > 0 && vars.get(tt.vars[0]) != tt.vars[1] {
				t.Errorf("get(%q) = %q", tt.vars[0], vars.get(tt.vars[0]))
			}
		})
	}
}
