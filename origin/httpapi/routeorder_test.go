package httpapi

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/origin"
)

// tableOrderRouter is the router with its routes in the tables' own order.
func tableOrderRouter() *mux.Router {
	r := mux.NewRouter().UseEncodedPath().SkipClean(true)
	r.NotFoundHandler = http.NotFoundHandler()
	r.MethodNotAllowedHandler = http.NotFoundHandler()
	for _, rule := range origin.RouteRules {
		r.Handle(rule.Path, http.NotFoundHandler()).Methods(withHead(rule.Method)...)
	}
	for _, p := range origin.PublicRoutes {
		r.Handle(p.Path, http.NotFoundHandler()).Methods(withHead(p.Method)...)
	}
	return r
}

// routeAnswer is how a router answers a request: the template and
// variables of the route that serves it, or a 404, or a 405.
type routeAnswer struct {
	template string
	vars     map[string]string
	status   int
}

func answer(r *mux.Router, method, path string) routeAnswer {
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

var routeOrderMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "BREW"}

// FuzzRouteOrder holds the router, whose routes are in the order that is
// fastest for the requests most made, to the answers of the same routes in
// the tables' order: the same template and variables, 404 or 405, for any
// method and path.
func FuzzRouteOrder(f *testing.F) {
	for _, p := range []string{
		"/users/1/todos", "/users/1/todos/2", "/users/1/sessions/s-1", "/users/1", "/users", "/users/",
		"/users//todos", "/users/1/todos/", "/docs", "/docs/", "/docs/swagger-ui.css", "/docs/a/b",
		"/.well-known/jwks.json", "/%75sers/1", "/users/%2F/todos", "/users/1/../2", "//users/1", "",
		"*", "/authenticate", "/authenticate/refresh", "/users/\xff/todos", "/users/1\n/todos",
	} {
		for m := range routeOrderMethods {
			f.Add(uint8(m), p)
		}
	}
	s := &server{security: true}
	ours, err := s.router()
	if err != nil {
		f.Fatal(err)
	}
	tables := tableOrderRouter()
	f.Fuzz(func(t *testing.T, m uint8, path string) {
		method := routeOrderMethods[int(m)%len(routeOrderMethods)]
		got, want := answer(ours, method, path), answer(tables, method, path)
		if got.template != want.template || got.status != want.status || !maps.Equal(got.vars, want.vars) {
			t.Fatalf("%s %q: %+v, in the tables' order %+v", method, path, got, want)
		}
	})
}
