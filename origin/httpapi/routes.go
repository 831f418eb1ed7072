package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// routeKey names a route as "METHOD /path/{template}".
func routeKey(method, path string) string { return method + " " + path }

// handlers maps every route of origin.PublicRoutes and origin.RouteRules to
// its handler. router panics if the two disagree, so a route can be neither
// served without a rule nor ruled without being served.
func (s *server) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		routeKey("POST", "/users"):                       s.createUser,
		routeKey("POST", "/authenticate"):                s.authenticate,
		routeKey("POST", "/authenticate/refresh"):        s.refresh,
		routeKey("GET", "/.well-known/jwks.json"):        s.jwks,
		routeKey("GET", "/.well-known/edgeauth.json"):    s.edgeConfig,
		routeKey("GET", AuthorizationServerMetadataPath): s.authorizationServer,
		routeKey("GET", ProtectedResourceMetadataPath):   s.protectedResource,
		routeKey("GET", "/healthz"):                      s.healthz,
		routeKey("GET", readyzPath):                      s.readyz,
		routeKey("GET", "/openapi.json"):                 s.openAPI,
		routeKey("GET", docsPath):                        s.docsPage,
		routeKey("GET", docsPath+"/{file}"):              s.docsAsset,
		routeKey("DELETE", "/authenticate"):              s.logout,
		routeKey("GET", "/users/{id}"):                   s.getUser,
		routeKey("PATCH", "/users/{id}"):                 s.updateUser,
		routeKey("DELETE", "/users/{id}"):                s.deleteUser,
		routeKey("GET", "/users/{id}/sessions"):          s.listSessions,
		routeKey("DELETE", "/users/{id}/sessions/{sid}"): s.endSession,
		routeKey("GET", "/users/{id}/todos"):             s.listTodos,
		routeKey("POST", "/users/{id}/todos"):            s.createTodo,
		routeKey("GET", "/users/{id}/todos/{todoId}"):    s.getTodo,
		routeKey("PATCH", "/users/{id}/todos/{todoId}"):  s.updateTodo,
		routeKey("DELETE", "/users/{id}/todos/{todoId}"): s.deleteTodo,
	}
}

// router builds the mux from the route tables.
//
// It matches on the escaped path and never cleans it, so that the router
// sees the very path the auth step judged: "/users/1/../2" or "/%75sers/1"
// match no route here, just as they match no rule in the module, instead of
// being redirected or decoded into a route the module did not check.
// An error means the route tables and the handlers disagree.
func (s *server) router() (*mux.Router, error) {
	r := mux.NewRouter().UseEncodedPath().SkipClean(true)
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	hs := s.handlers()
	var missing []string
	take := func(method, path string) http.Handler {
		k := routeKey(method, path)
		h, ok := hs[k]
		if !ok {
			missing = append(missing, k)
		}
		delete(hs, k)
		return recordRoute(path, h)
	}
	// The router tries routes in the order they are added, one regular
	// expression each, and no two routes match the same request
	// (FuzzRouteOrder), so the order changes nothing but speed: the todo
	// routes first (what a todo app's clients call most), then the API's
	// other routes, then the public documents.
	rules := slices.Clone(origin.RouteRules)
	slices.SortStableFunc(rules, func(a, b edgeauth.Route) int {
		return cmp.Compare(routeRank(a.Path), routeRank(b.Path))
	})
	for _, rule := range rules {
		r.Handle(rule.Path, s.guard(rule, take(rule.Method, rule.Path))).Methods(withHead(rule.Method)...)
	}
	for _, p := range origin.PublicRoutes {
		r.Handle(p.Path, take(p.Method, p.Path)).Methods(withHead(p.Method)...)
	}
	if len(missing) != 0 {
		return nil, fmt.Errorf("httpapi: no handler for the routes %q", missing)
	}
	if len(hs) != 0 {
		return nil, fmt.Errorf("httpapi: %d handlers without a route rule", len(hs))
	}
	return r, nil
}

// serveRoute runs the handler gorilla/mux matches for r: the route's, or
// the router's NotFoundHandler or MethodNotAllowedHandler. Router.ServeHTTP
// would do the same, but hand the route and its variables over in two
// context values on two copies of the request; here the variables join
// the request's state, where pathValue reads them.
func (s *server) serveRoute(w http.ResponseWriter, r *http.Request) {
	info := infoFrom(r.Context())
	if info == nil { // outside requestID's chain: the state pathValue reads
		info = &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, info))
	}
	// The match lives with the request's state: the router keeps a
	// pointer to it, so on the stack it would be one more allocation.
	m := &info.match
	if !s.mux.Match(r, m) || m.Handler == nil { // not with this router: it has both handlers
		s.notFound(w, r)
		return
	}
	info.vars = m.Vars
	m.Handler.ServeHTTP(w, r)
}

// pathValue returns the variable name of the path r matched ("" when it
// has none).
func pathValue(r *http.Request, name string) string {
	if info := infoFrom(r.Context()); info != nil && info.vars != nil {
		return info.vars[name]
	}
	return mux.Vars(r)[name]
}

// routeRank orders the route rules for the router: the todo routes first.
func routeRank(template string) int {
	if strings.HasPrefix(template, "/users/{id}/todos") {
		return 0
	}
	return 1
}

// recordRoute records the route template for the access log, then runs h.
// (A middleware given to the router's Use would be wrapped anew for every
// request, and would have to ask the router which route matched.)
func recordRoute(template string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoFrom(r.Context()); info != nil {
			info.route = template
		}
		h.ServeHTTP(w, r)
	})
}

// guard re-checks, in the origin itself, what the auth step already decided
// for an authenticated route: a principal is present, it holds the route's
// scopes, and it owns the {id} in the path. The module is the source of truth;
// this is defense in depth against a mis-configured or replaced module, and it
// answers the way the module does (401, 403, 404 for a stranger).
func (s *server) guard(rule edgeauth.Route, next http.Handler) http.Handler {
	if !s.security {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFromContext(r.Context())
		if p == nil {
			s.writeProblem(w, r, Problem{
				Status: http.StatusUnauthorized, Error: edgeauth.CodeInvalidToken,
				Detail: "a valid bearer token is required",
			}, s.challenge("", ""))
			return
		}
		for _, want := range rule.Scopes {
			if !slices.Contains(p.Scopes, want) {
				s.writeProblem(w, r, Problem{
					Status: http.StatusForbidden, Error: edgeauth.CodeInsufficientScope,
					Detail: "the token lacks the scope " + strconv.Quote(want),
				}, s.challenge(edgeauth.CodeInsufficientScope, want))
				return
			}
		}
		var id [20]byte // the owner's id spelled out without an allocation
		if rule.Owner != "" && (p.UserID <= 0 || pathValue(r, rule.Owner) != string(strconv.AppendInt(id[:0], p.UserID, 10))) {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// challenge is a Bearer WWW-Authenticate value (RFC 6750 section 3) for the
// handlers' own 401 and 403 answers.
func (s *server) challenge(errCode, scope string) map[string]string {
	v := "Bearer realm=" + strconv.Quote(s.realm)
	if errCode != "" {
		v += ", error=" + strconv.Quote(errCode)
	}
	if scope != "" {
		v += ", scope=" + strconv.Quote(scope)
	}
	return map[string]string{"WWW-Authenticate": s.withResourceMetadata(v)}
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeProblem(w, r, Problem{Status: http.StatusNotFound, Error: origin.ENOTFOUND, Detail: NotFoundDetail}, nil)
}

// withHead is method, and HEAD with GET: HEAD is served wherever GET is
// (RFC 9110 section 9.3.2), by the GET handler; net/http sends no body.
// The auth step decides HEAD exactly as GET (origin.PublishedRoutes).
func withHead(method string) []string {
	if method == http.MethodGet {
		return []string{http.MethodGet, http.MethodHead}
	}
	return []string{method}
}

// allowedMethods returns the methods served at r's path, as Allow lists
// them (OPTIONS last: every served path answers it), or nil when no route
// has the path.
func (s *server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.WithContext(r.Context()) // a shallow copy the router only reads
		probe.Method = m
		var match mux.RouteMatch
		if s.mux.Match(probe, &match) && match.MatchErr == nil {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		allow = append(allow, http.MethodOptions)
	}
	return allow
}

// wrongMethod reports whether r's path is served, but not for r's method.
func (s *server) wrongMethod(r *http.Request) bool {
	var match mux.RouteMatch
	s.mux.Match(r, &match) // true on a mismatch too: the router has a MethodNotAllowedHandler
	return errors.Is(match.MatchErr, mux.ErrMethodMismatch)
}

// methodNotAllowed answers a served path asked with another method: OPTIONS
// gets 204 with Allow (RFC 9110 section 9.3.7), anything else 405 with the
// Allow header RFC 9110 requires.
func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := strings.Join(s.allowedMethods(r), ", ")
	if r.Method == http.MethodOptions && allow != "" {
		w.Header().Set("Allow", allow)
		writeNoContent(w)
		return
	}
	h := map[string]string{}
	if allow != "" {
		h["Allow"] = allow
	}
	s.writeProblem(w, r, Problem{
		Status: http.StatusMethodNotAllowed, Error: "method_not_allowed",
		Detail: "method " + r.Method + " is not allowed here",
	}, h)
}
