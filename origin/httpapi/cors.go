package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// CORS (the Fetch standard's CORS protocol) lets a browser app served from
// another origin call the API. It is off unless Options.CORSOrigins lists
// origins: then a request from one of them gets Access-Control-Allow-Origin
// naming it (never "*"), and a preflight is answered here, before the auth
// step, since a browser sends it without a token. The API authenticates
// with a bearer token, not cookies, so no Access-Control-Allow-Credentials
// is ever sent. A response to a request from any other origin carries no
// CORS header at all, and the browser keeps it from the page.
const (
	// corsAllowHeaders are the request headers the API reads.
	corsAllowHeaders = "Authorization, Content-Type, If-None-Match, X-Request-ID"
	// corsExposeHeaders are the response headers a page may read beyond
	// the CORS-safelisted ones.
	corsExposeHeaders = "Location, WWW-Authenticate, Retry-After, X-Request-ID, ETag"
	// corsMaxAge is how long, in seconds, a browser may cache a preflight.
	corsMaxAge = "600"
)

// cors applies the CORS policy of s.corsOrigins around next.
func (s *server) cors(next http.Handler) http.Handler {
	if len(s.corsOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin") // the answer differs by Origin: caches must key on it
		origin, ok := s.allowedOrigin(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !s.preflight(w, r, origin) {
				next.ServeHTTP(w, r) // an ordinary OPTIONS answer: no CORS headers
			}
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// allowedOrigin returns the request's Origin when it is exactly one header
// naming a listed origin.
func (s *server) allowedOrigin(r *http.Request) (string, bool) {
	vs := r.Header.Values("Origin")
	if len(vs) != 1 || !s.corsOrigins[vs[0]] {
		return "", false
	}
	return vs[0], true
}

// preflight answers a listed origin's preflight when the path is served,
// the method is one it serves, and every requested header is one the API
// reads; otherwise it answers nothing and returns false.
func (s *server) preflight(w http.ResponseWriter, r *http.Request, origin string) bool {
	allow := s.allowedMethods(r)
	method := r.Header.Get("Access-Control-Request-Method")
	if method == http.MethodOptions || !slices.Contains(allow, method) {
		return false
	}
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" && !corsReadsHeader(name) {
				return false
			}
		}
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(allow, ", "))
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}

// corsReadsHeader reports whether name is one of corsAllowHeaders.
func corsReadsHeader(name string) bool {
	for _, h := range strings.Split(corsAllowHeaders, ", ") {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// corsHeader reports whether a response header belongs to the CORS policy
// (kept when a panic's answer replaces the handler's headers).
func corsHeader(name string) bool {
	return name == "Vary" || strings.HasPrefix(name, "Access-Control-")
}
