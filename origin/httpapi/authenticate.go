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

// refresh: POST /authenticate/refresh {refresh_token} -> 200 token, with a
// new refresh token; the one presented stops working. Rate-limited like
// /authenticate (per client address: the body names no account). Every
// refresh token that does not work is one answer, 400 invalid_grant (RFC
// 6749 section 5.2); one presented again after it was exchanged also ends
// its session (the service logs it, metrics count it).
func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	var in origin.RefreshRequest
	if !s.decodeJSON(w, r, &in) || !s.admitAttempt(w, r, "", "") {
		return
	}
	tok, err := s.auth.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache") // RFC 6749 section 5.1, for HTTP/1.0 caches
	s.writeJSON(w, r, http.StatusOK, tok)
}

// logout: DELETE /authenticate -> 204. The session of the caller's token
// (its sid) ends: its refresh tokens stop working and every access token it
// issued is refused. AuthService.Logout returns only once the control plane
// has the revocation in force (origin.Notifier), so the token is refused
// from the very next request.
//
// With security off there is no verified token: nothing is ended and the
// answer is still 204 (logging out of nothing succeeds, as every route is
// open anyway). With security on a missing principal cannot reach here (the
// route guard answers 401 first).
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFromContext(r.Context())
	if p == nil {
		writeNoContent(w)
		return
	}
	if p.SessionID == "" {
		// A token of an earlier release, or of another issuer the config
		// trusts: there is no session to end, and refusing is honest.
		s.writeError(w, r, origin.Errorf(origin.EUNAUTHORIZED, "the token names no session (no sid) to end"))
		return
	}
	if err := s.auth.Logout(r.Context(), p.SessionID); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
