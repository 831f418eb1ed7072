// Package httpapi is the origin's HTTP layer: the routes of the todo API,
// strict JSON in and out, RFC 9457 problem documents for every error, and the
// middleware that runs every request through the auth step (the ABI v1 wasm
// module, via an origin.Authorizer) before any handler sees it.
//
// The routes served are exactly origin.PublicRoutes plus origin.RouteRules:
// the same tables are published to edge hosts in /.well-known/edgeauth.json,
// so the origin and every edge decide alike. The package speaks HTTP only; the
// domain (validation, storage, tokens) lives behind the origin interfaces.
//
// Request flow, outermost first:
//
//	request ID -> access log -> CORS -> panic recovery -> auth step -> router -> route guard -> handler
//
// Server timeouts, TLS and listening are the caller's business (origin/cmd/origin).
package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/origin"
)

// DefaultMaxBodyBytes caps a request body when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes int64 = 64 << 10

// DefaultRealm names the protection space in WWW-Authenticate when
// Options.Realm is empty; it matches edgeauth's own default.
const DefaultRealm = "api"

// Options wires the HTTP layer to the domain services. Every service is
// required; Authorizer is required only when EnableSecurity is true.
type Options struct {
	Users    origin.UserService
	Todos    origin.TodoService
	Sessions origin.SessionService
	Auth     origin.AuthService
	Control  origin.ControlPlane
	// Authorizer is the auth step every request passes through when
	// EnableSecurity is true. An error from it (a trap, a timeout) is answered
	// with 503: the API fails closed.
	Authorizer origin.Authorizer
	// EnableSecurity turns the auth step on. When false every route is open,
	// no request carries a principal, handlers skip their ownership checks and
	// DELETE /authenticate is a no-op answering 204 (there is no verified
	// token to revoke). Only for local development.
	EnableSecurity bool
	// Realm is the realm of the WWW-Authenticate challenges the handlers make
	// themselves (the auth step's challenges come from the module's config).
	Realm string
	// Readiness are the dependencies GET /readyz checks besides the auth
	// step (readyz.go): the database, in a server.
	Readiness []ReadinessCheck
	// CORSOrigins are the origins (scheme://host[:port], as browsers send
	// them in Origin) whose browser apps may call the API; empty sends no
	// CORS header at all (cors.go).
	CORSOrigins []string
	// Issuer is the API's base URL (scheme://host[:port]) and its tokens'
	// iss: the discovery documents (discovery.go) are built from it and
	// every bearer challenge points at them. Empty publishes none.
	Issuer string
	// Logger receives every 5xx cause and warning; nil discards.
	Logger *slog.Logger
	// AccessLog receives the one line per request; nil means Logger. A
	// server may give it a buffered writer: its lines are many and nobody
	// waits for any single one.
	AccessLog *slog.Logger
	// MaxBodyBytes caps request bodies (413 beyond); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now is the clock for request durations; nil means time.Now.
	Now func() time.Time
	// Observer, when set, is told about every answered request (metrics).
	Observer RequestObserver
	// Limiter, when set, limits POST /authenticate and POST /users per
	// client address and per account (origin/ratelimit); a refused attempt
	// is answered 429 with Retry-After.
	Limiter AttemptLimiter
	// ClientAddr names the client of a request for Limiter; nil means the
	// IP of RemoteAddr (see ratelimit.ClientAddr for trusting a proxy).
	ClientAddr func(*http.Request) string
	// DeviceCookies, when set with Limiter, gives every successful login a
	// device cookie; a login that sends it back is limited as a known
	// device of the account, exempt from the limit strangers share.
	DeviceCookies DeviceCookies
	// EdgeConfigToken is the credential an edge presents (Authorization:
	// Bearer) to get the full edge config, revocations and subject cutoffs
	// included. Without it, or when it is empty, GET
	// /.well-known/edgeauth.json answers the public subset (keys and
	// routes).
	EdgeConfigToken string
}

// server holds the validated options; its methods are the handlers.
type server struct {
	users      origin.UserService
	todos      origin.TodoService
	sessions   origin.SessionService
	auth       origin.AuthService
	control    origin.ControlPlane
	authorizer origin.Authorizer
	security   bool
	realm      string
	log        *slog.Logger
	requestLog *slog.Logger // the access log
	maxBody    int64
	now        func() time.Time
	mux        *mux.Router // set by New; the access log asks it for route templates
	observer   RequestObserver
	limits     attemptLimits
	discovery  discovery
	docs       map[string]*docAsset // "" is the page, else a file of docsAssets
	// corsOrigins are the origins whose browser apps may call the API (cors.go).
	corsOrigins map[string]bool
	readiness   []ReadinessCheck
	edgeToken   []byte // EdgeConfigToken; nil when unset
	ids         *requestIDs
}

// ErrMissingDependency: New was not given a required service (or was given
// EnableSecurity without an Authorizer). A mis-wired server must not start,
// and least of all start open.
var ErrMissingDependency = errors.New("httpapi: a required dependency is missing")

// New returns the API's handler, or ErrMissingDependency when a required
// service is nil (or Authorizer is nil with EnableSecurity).
func New(o Options) (http.Handler, error) {
	if o.Users == nil || o.Todos == nil || o.Sessions == nil || o.Auth == nil || o.Control == nil {
		return nil, fmt.Errorf("%w: Options.Users, Todos, Sessions, Auth and Control are required", ErrMissingDependency)
	}
	if o.EnableSecurity && o.Authorizer == nil {
		return nil, fmt.Errorf("%w: Options.Authorizer is required when EnableSecurity is true", ErrMissingDependency)
	}
	s := &server{
		users:      o.Users,
		todos:      o.Todos,
		sessions:   o.Sessions,
		auth:       o.Auth,
		control:    o.Control,
		authorizer: o.Authorizer,
		security:   o.EnableSecurity,
		realm:      o.Realm,
		log:        o.Logger,
		requestLog: o.AccessLog,
		maxBody:    o.MaxBodyBytes,
		now:        o.Now,
		observer:   o.Observer,
		limits:     attemptLimits{limiter: o.Limiter, clientAddr: o.ClientAddr, devices: o.DeviceCookies},
		ids:        newRequestIDs(),
		discovery:  newDiscovery(o.Issuer),
		docs:       newDocAssets(),
		readiness:  o.Readiness,
	}
	for _, o := range o.CORSOrigins {
		if s.corsOrigins == nil {
			s.corsOrigins = map[string]bool{}
		}
		s.corsOrigins[o] = true
	}
	if o.EdgeConfigToken != "" {
		s.edgeToken = []byte(o.EdgeConfigToken)
	}
	if s.realm == "" {
		s.realm = DefaultRealm
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.requestLog == nil {
		s.requestLog = s.log
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}

	var err error
	if s.mux, err = s.router(); err != nil {
		return nil, err
	}
	var h http.Handler = http.HandlerFunc(s.serveRoute)
	if s.security {
		h = s.authStep(h)
	}
	h = s.recoverPanics(h)
	h = s.cors(h)
	h = s.accessLog(h)
	h = s.requestID(h)
	return h, nil
}
