package httpapi

import (
	"net/http"

	"github.com/craftingapis/todos/origin"
)

// maxSIDLen bounds a {sid} path segment; ours are 22 characters.
const maxSIDLen = 128

// listSessions: GET /users/{id}/sessions -> 200 {sessions: [{id, created_at,
// last_used_at, current}]}, newest first; current marks the caller's.
func (s *server) listSessions(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	list, err := s.sessions.ListSessions(r.Context(), uid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p := PrincipalFromContext(r.Context()); p != nil && p.SessionID != "" {
		for _, ses := range list {
			ses.Current = ses.ID == p.SessionID
		}
	}
	if list == nil {
		list = []*origin.Session{} // [] not null: a client can always iterate
	}
	s.writeJSON(w, r, http.StatusOK, origin.SessionList{Sessions: list})
}

// endSession: DELETE /users/{id}/sessions/{sid} -> 204 ("log out that
// device"): the session's refresh tokens stop working and its access tokens
// are refused before the answer. A sid that is not a live session of the
// user is 404, like any resource that is not the caller's.
func (s *server) endSession(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	sid := pathValue(r, "sid")
	if sid == "" || len(sid) > maxSIDLen {
		s.notFound(w, r)
		return
	}
	if err := s.sessions.EndSession(r.Context(), uid, sid); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
