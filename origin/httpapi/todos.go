package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/craftingapis/todos/origin"
)

// listTodos: GET /users/{id}/todos?limit=&after= -> 200 {todos, next}.
// limit, when given, is a decimal 1..origin.MaxTodoLimit; after is the
// opaque cursor of a previous page (the service rejects one it did not
// issue). A parameter given twice is ambiguous and refused.
func (s *server) listTodos(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var q url.Values // nil (no query) reads as empty; parsing "" would allocate
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	limit := 0
	if vs, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vs[0])
		if len(vs) != 1 || err != nil || n < 1 || n > origin.MaxTodoLimit || strconv.Itoa(n) != vs[0] {
			s.writeError(w, r, origin.Errorf(origin.EINVALID, "limit must be an integer from 1 to %d", origin.MaxTodoLimit))
			return
		}
		limit = n
	}
	after := ""
	if vs, ok := q["after"]; ok {
		if len(vs) != 1 || vs[0] == "" {
			s.writeError(w, r, origin.Errorf(origin.EINVALID, "after must be one cursor from a previous page's next"))
			return
		}
		after = vs[0]
	}
	if enc, ok := s.todos.(TodoListEncoder); ok { // a cache of encoded pages (todolist.go)
		s.writeEncodedList(w, r, enc, uid, limit, after)
		return
	}
	page, err := s.todos.ListTodos(r.Context(), uid, limit, after)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if page.Todos == nil {
		page.Todos = []*origin.Todo{} // [] not null: a client can always iterate
	}
	s.writeJSON(w, r, http.StatusOK, page)
}

// createTodo: POST /users/{id}/todos {title, completed?} -> 201 + Location + todo.
func (s *server) createTodo(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in origin.NewTodo
	if !s.decodeJSON(w, r, &in) {
		return
	}
	t, err := s.todos.CreateTodo(r.Context(), uid, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", todoPath(uid, t.ID))
	s.writeJSON(w, r, http.StatusCreated, t)
}

// getTodo: GET /users/{id}/todos/{todoId} -> 200 todo.
func (s *server) getTodo(w http.ResponseWriter, r *http.Request) {
	uid, tid, ok := s.todoIDs(w, r)
	if !ok {
		return
	}
	t, err := s.todos.FindTodo(r.Context(), uid, tid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, t)
}

// updateTodo: PATCH /users/{id}/todos/{todoId} {title?, completed?} -> 200 todo.
func (s *server) updateTodo(w http.ResponseWriter, r *http.Request) {
	uid, tid, ok := s.todoIDs(w, r)
	if !ok {
		return
	}
	var upd origin.TodoUpdate
	if !s.decodeJSON(w, r, &upd) {
		return
	}
	t, err := s.todos.UpdateTodo(r.Context(), uid, tid, upd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, t)
}

// deleteTodo: DELETE /users/{id}/todos/{todoId} -> 204.
func (s *server) deleteTodo(w http.ResponseWriter, r *http.Request) {
	uid, tid, ok := s.todoIDs(w, r)
	if !ok {
		return
	}
	if err := s.todos.DeleteTodo(r.Context(), uid, tid); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}

func (s *server) todoIDs(w http.ResponseWriter, r *http.Request) (uid, tid int64, ok bool) {
	if uid, ok = s.pathID(w, r, "id"); !ok {
		return 0, 0, false
	}
	tid, ok = s.pathID(w, r, "todoId")
	return uid, tid, ok
}

func todoPath(uid, tid int64) string {
	return "/users/" + strconv.FormatInt(uid, 10) + "/todos/" + strconv.FormatInt(tid, 10)
}
