package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"
)

// RouteMatch is how the API's router answers a request, whatever the auth
// step decided: Template is the route that serves it (Status 0), else Status
// is 404, or 405 with Allow (OPTIONS too, which is answered 204 with Allow).
type RouteMatch struct {
	Template string
	Status   int
	Allow    []string
}

// MatchRoute reports how the router answers method on path, the escaped
// path as the auth step sees it. It needs no server: `origin check-token`
// uses it to answer what the server would, 404 for a path the module lets
// through but nothing serves.
func MatchRoute(method, path string) (RouteMatch, error) {
	u, err := url.Parse(path)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || u.Path[0] != '/' {
		return RouteMatch{}, fmt.Errorf("httpapi: %q is not a path", path)
	}
	s := &server{}
	if s.mux, err = s.router(); err != nil {
		return RouteMatch{}, err
	}
	r := &http.Request{Method: method, URL: u, Header: http.Header{}}
	var m mux.RouteMatch
	s.mux.Match(r, &m)
	switch {
	case m.MatchErr == nil && m.Route != nil:
		tpl, err := m.Route.GetPathTemplate()
		return RouteMatch{Template: tpl}, err
	case errors.Is(m.MatchErr, mux.ErrMethodMismatch):
		return RouteMatch{Status: http.StatusMethodNotAllowed, Allow: s.allowedMethods(r)}, nil
	}
	return RouteMatch{Status: http.StatusNotFound}, nil
}
