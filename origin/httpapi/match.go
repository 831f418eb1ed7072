package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
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
	if s.routes, err = s.router(); err != nil {
		return RouteMatch{}, err
	}
	var vars pathVars
	p := s.routes.find(u.EscapedPath(), &vars)
	switch {
	case p == nil:
		return RouteMatch{Status: http.StatusNotFound}, nil
	case p.handlers[method] == nil:
		return RouteMatch{Status: http.StatusMethodNotAllowed, Allow: s.routes.allowed(u.EscapedPath())}, nil
	}
	return RouteMatch{Template: p.template}, nil
}
