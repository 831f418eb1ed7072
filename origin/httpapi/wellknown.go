package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
)

// JWKSMaxAge is how long, in seconds, a client may cache the JWKS. Short,
// because a rotation's new key must reach verifiers before they meet a token
// it signed; a verifier that meets an unknown kid should refetch anyway.
const JWKSMaxAge = 60

// jwks: GET /.well-known/jwks.json -> the public keys that still verify.
func (s *server) jwks(w http.ResponseWriter, r *http.Request) {
	doc := s.control.Current()
	if doc == nil {
		s.unavailable(w, r)
		return
	}
	writeDocument(w, r, doc.JWKS, doc.JWKSETag, "public, max-age="+strconv.Itoa(JWKSMaxAge))
}

// edgeConfig: GET /.well-known/edgeauth.json -> the ABI v1 Config for edge
// hosts. An edge that presents the edge config token (Authorization: Bearer)
// gets it in full, with the revoked sessions and tokens and the subject
// cutoffs; anyone else gets the public subset, keys and routes, which names
// no user and no session. no-cache: a host may keep it but must revalidate
// (If-None-Match, answered 304) every time, so revocations reach it at its
// next poll; Vary, so that no cache between hands one answer for the other.
func (s *server) edgeConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Authorization")
	if s.edgeAuthorized(r) {
		body, etag, err := s.control.FullConfig()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeDocument(w, r, body, etag, "private, no-cache")
		return
	}
	doc := s.control.Current()
	if doc == nil {
		s.unavailable(w, r)
		return
	}
	writeDocument(w, r, doc.Config, doc.ConfigETag, "no-cache")
}

// edgeAuthorized reports whether r presents the edge config token. The
// comparison takes the same time wherever the first difference is (both
// sides are hashed to a fixed length first, so not even the token's length
// shows), and a request with several Authorization headers is not trusted.
func (s *server) edgeAuthorized(r *http.Request) bool {
	if s.edgeToken == nil {
		return false
	}
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return false
	}
	scheme, cred, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got, want := sha256.Sum256([]byte(cred)), sha256.Sum256(s.edgeToken)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// healthz: GET /healthz -> 200 {"status":"ok"}.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// unavailable answers 503 while the control plane has no documents (it
// promises to have them after start, so this is a transient state).
func (s *server) unavailable(w http.ResponseWriter, r *http.Request) {
	s.writeProblem(w, r, Problem{Status: http.StatusServiceUnavailable, Error: "unavailable",
		Detail: "the edge documents are not built yet; retry later"}, map[string]string{"Retry-After": "1"})
}

// writeDocument serves a pre-rendered JSON document with its ETag, or 304
// when the client's If-None-Match already names it.
func writeDocument(w http.ResponseWriter, r *http.Request, body []byte, etag, cacheControl string) {
	writeAsset(w, r, body, etag, cacheControl, "application/json")
}

// writeAsset is writeDocument for any media type.
func writeAsset(w http.ResponseWriter, r *http.Request, body []byte, etag, cacheControl, contentType string) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	if etag != "" {
		h.Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// etagMatch reports whether an If-None-Match list names etag, using the
// weak comparison RFC 9110 section 13.1.2 prescribes for it.
func etagMatch(ifNoneMatch, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, c := range strings.Split(ifNoneMatch, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.TrimPrefix(c, "W/") == want {
			return true
		}
	}
	return false
}
