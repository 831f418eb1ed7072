package origin

import (
	"slices"

	"github.com/craftingapis/todos/edgeauth"
)

// PublicRoutes need no token. They are published in the edge config, so the
// origin and every edge host agree on them; httpapi serves exactly these plus
// the routes in RouteRules (a test holds it to that).
var PublicRoutes = []edgeauth.PublicRoute{
	{Method: "POST", Path: "/users"},
	{Method: "POST", Path: "/authenticate"},
	{Method: "POST", Path: "/authenticate/refresh"},
	{Method: "GET", Path: "/.well-known/jwks.json"},
	{Method: "GET", Path: "/.well-known/edgeauth.json"},
	{Method: "GET", Path: "/.well-known/oauth-authorization-server"},
	{Method: "GET", Path: "/.well-known/oauth-protected-resource"},
	{Method: "GET", Path: "/healthz"},
	{Method: "GET", Path: "/readyz"},
	{Method: "GET", Path: "/openapi.json"},
	{Method: "GET", Path: "/docs"},
	{Method: "GET", Path: "/docs/{file}"},
}

// RouteRules are the scope and ownership rules of the authenticated routes.
// Owner "id" means the token's sub must be "users/{id}": a stranger gets 404,
// decided by the auth step before any handler runs.
var RouteRules = []edgeauth.Route{
	{Method: "DELETE", Path: "/authenticate"},
	{Method: "GET", Path: "/users/{id}", Scopes: []string{ScopeUsersRead}, Owner: "id"},
	{Method: "PATCH", Path: "/users/{id}", Scopes: []string{ScopeUsersWrite}, Owner: "id"},
	{Method: "DELETE", Path: "/users/{id}", Scopes: []string{ScopeUsersWrite}, Owner: "id"},
	{Method: "GET", Path: "/users/{id}/sessions", Scopes: []string{ScopeUsersRead}, Owner: "id"},
	{Method: "DELETE", Path: "/users/{id}/sessions/{sid}", Scopes: []string{ScopeUsersWrite}, Owner: "id"},
	{Method: "GET", Path: "/users/{id}/todos", Scopes: []string{ScopeTodosRead}, Owner: "id"},
	{Method: "POST", Path: "/users/{id}/todos", Scopes: []string{ScopeTodosWrite}, Owner: "id"},
	{Method: "GET", Path: "/users/{id}/todos/{todoId}", Scopes: []string{ScopeTodosRead}, Owner: "id"},
	{Method: "PATCH", Path: "/users/{id}/todos/{todoId}", Scopes: []string{ScopeTodosWrite}, Owner: "id"},
	{Method: "DELETE", Path: "/users/{id}/todos/{todoId}", Scopes: []string{ScopeTodosWrite}, Owner: "id"},
}

// DefaultRoute is the edge config's "default": an unlisted route needs a
// valid token (and then gets the router's own 404 or 405).
const DefaultRoute = "authenticated"

// PublishedRoutes returns the route tables as the auth step gets them (the
// edge config's "public" and "routes"): PublicRoutes and RouteRules, plus
// what HTTP derives from them, so that the origin and every edge host
// decide these methods alike:
//   - every GET route has a HEAD twin with the same rule: RFC 9110 makes
//     HEAD a GET without the body, so it is authorized exactly as GET;
//   - OPTIONS on every path is public: the origin answers it (Allow, a CORS
//     preflight) with no token, as a browser sends it.
func PublishedRoutes() ([]edgeauth.PublicRoute, []edgeauth.Route) {
	var public []edgeauth.PublicRoute
	var rules []edgeauth.Route
	var paths []string
	addPath := func(p string) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, p := range PublicRoutes {
		public = append(public, p)
		if p.Method == "GET" {
			public = append(public, edgeauth.PublicRoute{Method: "HEAD", Path: p.Path})
		}
		addPath(p.Path)
	}
	for _, r := range RouteRules {
		rules = append(rules, r)
		if r.Method == "GET" {
			head := r
			head.Method = "HEAD"
			rules = append(rules, head)
		}
		addPath(r.Path)
	}
	for _, p := range paths {
		public = append(public, edgeauth.PublicRoute{Method: "OPTIONS", Path: p})
	}
	return public, rules
}
