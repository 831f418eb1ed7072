package httpapi

import (
	"net/http"

	"github.com/craftingapis/todos/origin"
)

// authenticate: POST /authenticate {email, password, scope?} -> 200 token.
// Wrong email and wrong password are one answer (401 with a challenge, the
// same body); a scope beyond the default is 400 invalid_scope. Both come
// from the service's error codes through writeError. A client that sends a
// device cookie of the account is limited as that device, not with the
// strangers sharing the account's limit; a successful login sets a new one.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request) {
	var c origin.Credentials
	if !s.decodeJSON(w, r, &c) || !s.admitAttempt(w, r, c.Email, s.deviceOf(r, c.Email)) {
		return
	}
	tok, err := s.auth.Authenticate(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setDeviceCookie(w, r, c.Email)
	w.Header().Set("Pragma", "no-cache") // RFC 6749 section 5.1, for HTTP/1.0 caches
	s.writeJSON(w, r, http.StatusOK, tok)
}

// logout: DELETE /authenticate -> 204. The caller's token (its jti) is
// revoked until it would have expired; AuthService.Revoke refreshes the
// control plane (origin.Notifier) before it returns, so the token is refused
// from the very next request.
//
// With security off there is no verified token: nothing is revoked and the
// answer is still 204 (logging out of nothing succeeds, as every route is
// open anyway). With security on a missing principal cannot reach here (the
// route guard answers 401 first).
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFromContext(r.Context())
	if p == nil {
		writeNoContent(w)
		return
	}
	if p.JTI == "" || p.ExpiresAt.IsZero() {
		// The module lets no such token through; refuse rather than guess.
		s.writeError(w, r, origin.Errorf(origin.EUNAUTHORIZED, "the token has no jti or exp to revoke"))
		return
	}
	if err := s.auth.Revoke(r.Context(), p.JTI, p.ExpiresAt); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
