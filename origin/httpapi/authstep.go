package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// PrincipalFromContext returns the principal the auth step verified for the
// request, or nil (security off, or a public route called without a token).
func PrincipalFromContext(ctx context.Context) *origin.Principal {
	// One lookup: a request's context (requestCtx) answers it from the
	// request's state, where the auth step keeps the principal.
	p, _ := ctx.Value(principalKey).(*origin.Principal)
	return p
}

// WithPrincipal returns ctx carrying p. It is exported for tests of code that
// reads PrincipalFromContext; in a server only the auth step sets it.
func WithPrincipal(ctx context.Context, p *origin.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// authStep asks the Authorizer about every request before it is routed,
// public routes included: the module's config lists them, so one document
// decides for the origin and every edge alike.
//
// The module reads its own clock (Request.Now is left nil) and sees only the
// method, the escaped path (what the router matches, see router) and the
// Authorization header values. A denial is answered with the module's status
// and WWW-Authenticate challenge and its error_description as the detail.
// An error from the Authorizer (a trap, a timeout, a pool closed at shutdown)
// is a 503: the request is refused, never let through.
func (s *server) authStep(next http.Handler) http.Handler {
	// The Request's one-entry header map is the auth step's largest
	// allocation (a map is a header and a group of eight slots); an
	// Authorizer keeps nothing of req once it returns (origin.Authorizer),
	// so the maps are reused.
	var headerMaps sync.Pool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		var req *edgeauth.Request
		if info != nil {
			req = &info.authReq // allocated with the request's other state
		} else {
			req = new(edgeauth.Request)
		}
		req.Method, req.Path = r.Method, r.URL.EscapedPath()
		var headers map[string][]string
		if vals := r.Header["Authorization"]; len(vals) > 0 {
			headers, _ = headerMaps.Get().(map[string][]string)
			if headers == nil {
				headers = make(map[string][]string, 1)
			}
			headers["authorization"] = vals
			req.Headers = headers
		}
		d, err := s.authorizer.Authorize(r.Context(), req)
		if headers != nil {
			req.Headers = nil
			clear(headers) // the pool must not keep the request's token alive
			headerMaps.Put(headers)
		}
		if err != nil {
			if r.Context().Err() == nil { // a client gone away is no server fault
				s.log.ErrorContext(r.Context(), "auth step failed", "err", err,
					"request_id", RequestIDFromContext(r.Context()))
			}
			s.writeProblem(w, r, Problem{Status: http.StatusServiceUnavailable, Error: "auth_unavailable",
				Detail: "the authorization step is unavailable; retry later"}, map[string]string{"Retry-After": "1"})
			return
		}
		if !d.Allow {
			// A served path asked with another method is 405 whoever asks,
			// with a token or not: the method is wrong before anything else.
			if s.wrongMethod(r) {
				s.methodNotAllowed(w, r)
				return
			}
			s.deny(w, r, d)
			return
		}
		if d.Subject != "" {
			var p *origin.Principal
			if info != nil {
				p = &info.principalValue
			} else {
				p = new(origin.Principal)
			}
			*p = origin.Principal{Subject: d.Subject, Scopes: d.Scopes, JTI: d.JTI, SessionID: d.SID}
			if id, ok := origin.UserIDOf(d.Subject); ok {
				p.UserID = id
			}
			if d.ExpiresAt > 0 {
				p.ExpiresAt = time.Unix(d.ExpiresAt, 0)
			}
			// The request's state already travels in its context: the
			// principal joins it there rather than in a copy of the request.
			if info != nil {
				info.subject = p.Subject
				info.principal = p
			} else {
				r = r.WithContext(WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deny answers a refused request. A status outside 400..599 is a broken
// module, not a reason to let anything through: it becomes a 503.
func (s *server) deny(w http.ResponseWriter, r *http.Request, d edgeauth.Decision) {
	if d.Status < 400 || d.Status > 599 {
		s.log.ErrorContext(r.Context(), "auth step denied with an invalid status", "status", d.Status,
			"request_id", RequestIDFromContext(r.Context()))
		s.writeProblem(w, r, Problem{Status: http.StatusServiceUnavailable, Error: "auth_unavailable",
			Detail: "the authorization step is unavailable; retry later"}, nil)
		return
	}
	detail := d.ErrorDescription
	switch {
	case detail != "":
	case d.Status == http.StatusUnauthorized: // no credentials: RFC 6750 gives no error code
		detail = "a valid bearer token is required"
	default:
		detail = StatusTitle(d.Status)
	}
	var h map[string]string
	switch {
	case d.WWWAuthenticate != "":
		h = map[string]string{"WWW-Authenticate": s.withResourceMetadata(d.WWWAuthenticate)}
	case d.Status == http.StatusUnauthorized: // RFC 9110 requires a challenge
		h = s.challenge(d.Error, "")
	}
	s.writeProblem(w, r, Problem{Status: d.Status, Error: d.Error, Detail: detail}, h)
}
