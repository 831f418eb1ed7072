// Package httpwasm runs edgeauth as an http-wasm middleware guest (the
// plugin ABI of Traefik and Dapr, https://http-wasm.io): on each request it
// asks edgeauth for the Decision, answers a denial itself and passes an
// allowed request on with the verified identity in X-Auth-* headers.
//
// The package holds no rule of its own: edgeauth decides, and this package
// only moves bytes between the host's request and edgeauth's Request and
// Decision. It is plain Go so that it can be tested natively; the wasip1
// command in ./wasm binds Host to the host's http_handler imports.
package httpwasm

import (
	"strconv"
	"strings"

	"github.com/craftingapis/todos/edgeauth"
)

// Headers an allowed request carries on to the next handler. Every request
// header with ClientHeaderPrefix is removed first, so a client can never
// claim an identity.
const (
	ClientHeaderPrefix = "x-auth-"
	SubjectHeader      = "x-auth-subject"
	ScopesHeader       = "x-auth-scopes"
	JTIHeader          = "x-auth-jti"
	ExpiresAtHeader    = "x-auth-expires-at"
	// SessionHeader carries the token's sid, only when it has one.
	SessionHeader = "x-auth-session"
)

// MaxRead bounds what the guest reads of a request (the method, the URI,
// the Authorization values). It is net/http's default limit on a request's
// header block, so no request a Go server accepted is cut; beyond it the
// request is refused as malformed rather than read, which bounds the memory
// a request can make the guest use.
const MaxRead = 1 << 20

// Host is the part of the http_handler ABI the guest uses, for the request
// being handled. Getters report false when the value is longer than MaxRead.
type Host interface {
	Method() (string, bool)
	URI() (string, bool)
	// RequestHeaderValues returns every value of the named request header.
	RequestHeaderValues(name string) ([]string, bool)
	// RequestHeaderNames returns the request's header names, lower-cased.
	RequestHeaderNames() ([]string, bool)
	RemoveRequestHeader(name string)
	SetRequestHeader(name, value string)
	SetResponseHeader(name, value string)
	SetStatusCode(code uint32)
	WriteResponseBody(b []byte)
}

// Guest decides requests for one module instance. It is not safe for
// concurrent use; the host never calls one instance concurrently.
type Guest struct {
	auth *edgeauth.Authorizer
	body []byte // the answer body, reused across requests
}

// New returns a Guest configured from the guest config (see Config). A
// rejected config is returned as an error wrapping edgeauth.ErrInvalidConfig,
// and the Guest is still returned: it fails closed, denying every request
// with 401 as edgeauth does before any config is accepted.
func New(guestConfig []byte, opts edgeauth.Options) (*Guest, error) {
	g := &Guest{auth: edgeauth.NewAuthorizer(opts)}
	cfg, err := Config(guestConfig)
	if err == nil {
		err = g.auth.Configure(cfg)
	}
	return g, err
}

// HandleRequest handles the current request of h and reports whether the
// host should pass it on to the next handler. A denial is answered here; so
// is a panic in the guest, with 500, so that it costs one request and never
// lets one through.
func (g *Guest) HandleRequest(h Host) (next bool) {
	defer func() {
		if recover() != nil {
			g.answer(h, 500, "server_error", "the authorization check failed", "")
			next = false
		}
	}()
	d := g.decide(h)
	var names []string
	if d.Allow {
		var ok bool
		if names, ok = h.RequestHeaderNames(); !ok {
			// The client's X-Auth-* headers could not all be found, so
			// the request cannot be passed on safely.
			d = g.auth.Authorize(nil)
		}
	}
	if !d.Allow {
		g.answer(h, d.Status, d.Error, d.ErrorDescription, d.WWWAuthenticate)
		return false
	}
	for _, name := range names {
		if strings.HasPrefix(name, ClientHeaderPrefix) {
			h.RemoveRequestHeader(name)
		}
	}
	if d.Subject != "" {
		h.SetRequestHeader(SubjectHeader, d.Subject)
		h.SetRequestHeader(ScopesHeader, strings.Join(d.Scopes, " "))
		h.SetRequestHeader(JTIHeader, d.JTI)
		h.SetRequestHeader(ExpiresAtHeader, strconv.FormatInt(d.ExpiresAt, 10))
		if d.SID != "" {
			h.SetRequestHeader(SessionHeader, d.SID)
		}
	}
	return true
}

// decide builds edgeauth's Request from the host's: the method, the path
// (the URI up to any query, exactly as the host will forward it) and every
// Authorization value. A request too large to read is malformed.
func (g *Guest) decide(h Host) edgeauth.Decision {
	method, okMethod := h.Method()
	uri, okURI := h.URI()
	auth, okAuth := h.RequestHeaderValues("authorization")
	if !okMethod || !okURI || !okAuth {
		return g.auth.Authorize(nil)
	}
	path, _, _ := strings.Cut(uri, "?")
	req := edgeauth.Request{Method: method, Path: path}
	if len(auth) > 0 {
		req.Headers = map[string][]string{"authorization": auth}
	}
	return g.auth.Authorize(&req)
}

// answer writes an RFC 9457 problem answer shaped like the origin's and the
// Workers gate's: status, WWW-Authenticate when given, and a body with type,
// title, status, detail and error. Headers come first: a host that does not
// buffer the response sends them when the status is set.
func (g *Guest) answer(h Host, status int, code, detail, challenge string) {
	h.SetResponseHeader("content-type", "application/problem+json")
	h.SetResponseHeader("cache-control", "no-store")
	if challenge != "" {
		h.SetResponseHeader("www-authenticate", challenge)
	}
	h.SetStatusCode(uint32(status))
	g.body = AppendProblemJSON(g.body[:0], status, code, detail)
	h.WriteResponseBody(g.body)
}
