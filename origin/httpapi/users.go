package httpapi

import (
	"net/http"
	"strconv"

	"github.com/craftingapis/todos/origin"
)

// createUser: POST /users {email, password, name} -> 201 + Location + user.
// Validation (email form, password 8..72 bytes, name) is the service's.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	var in origin.NewUser
	if !s.decodeJSON(w, r, &in) || !s.admitAttempt(w, r, in.Email, "") {
		return
	}
	u, err := s.users.CreateUser(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/users/"+strconv.FormatInt(u.ID, 10))
	s.writeJSON(w, r, http.StatusCreated, u)
}

// getUser: GET /users/{id} -> 200 user.
func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	u, err := s.users.FindUserByID(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, u)
}

// updateUser: PATCH /users/{id} {name?, password?, current_password?} ->
// 200 user. A password change needs current_password (400 when missing, 403
// invalid_current_password when wrong) and is a credential attempt on the
// account like a login: the attempt limiter admits it before any bcrypt
// work, so a stolen token buys neither unlimited guesses at the current
// password nor unlimited hashing. It ends every other session of the user
// (not the caller's: the device that changed the password stays signed
// in); the service tells the control plane (origin.Notifier) before it
// returns, so their tokens are refused from the very next request.
func (s *server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var upd origin.UserUpdate
	if !s.decodeJSON(w, r, &upd) {
		return
	}
	if upd.Password != nil {
		u, err := s.users.FindUserByID(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !s.admitAttempt(w, r, u.Email, "") {
			return
		}
	}
	if p := PrincipalFromContext(r.Context()); p != nil {
		upd.KeepSession = p.SessionID
	}
	u, err := s.users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, u)
}

// deleteUser: DELETE /users/{id} -> 204; the user's todos and tokens go too
// (the service notifies the control plane, as for a password change).
func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.users.DeleteUser(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
