package httpapi

import (
	"context"
	"net/http"
)

// TodoListEncoder is implemented by a TodoService that can hand out a list
// page already encoded as JSON (origin/todocache keeps them per user). The
// list handler then writes those bytes as they are, skipping the store and
// encoding/json, which profiling showed to be most of the server's work per
// list request.
//
// ListTodosJSON must return exactly what encoding/json makes of the
// origin.TodoPage that ListTodos would return, with "todos" never null,
// and the errors ListTodos would return. The bytes may be shared: the
// handler never modifies them.
type TodoListEncoder interface {
	ListTodosJSON(ctx context.Context, userID int64, limit int, after string) ([]byte, error)
}

// writeEncodedList answers a list request from enc, written as writeJSON
// writes an answer.
func (s *server) writeEncodedList(w http.ResponseWriter, r *http.Request, enc TodoListEncoder, uid int64, limit int, after string) {
	body, err := enc.ListTodosJSON(r.Context(), uid, limit, after)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, r, http.StatusOK, "application/json", body)
}
