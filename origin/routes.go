package origin

import "github.com/craftingapis/todos/edgeauth"

// PublicRoutes need no token. They are published in the edge config, so the
// origin and every edge host agree on them; httpapi serves exactly these plus
// the routes in RouteRules (a test holds it to that).
var PublicRoutes = []edgeauth.PublicRoute{
	{Method: "POST", Path: "/users"},
	{Method: "POST", Path: "/authenticate"},
	{Method: "POST", Path: "/authenticate/refresh"},
	{Method: "GET", Path: "/.well-known/jwks.json"},
	{Method: "GET", Path: "/.well-known/edgeauth.json"},
	{Method: "GET", Path: "/healthz"},
	{Method: "GET", Path: "/openapi.json"},
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
