package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/internal/cursor"
)

// TodoService implements origin.TodoService. Every statement is scoped by
// user_id, so another user's todo is ENOTFOUND exactly like a missing one.
type TodoService struct{ db *Store }

var _ origin.TodoService = (*TodoService)(nil)

// NewTodoService returns the todo service of db.
func NewTodoService(db *Store) *TodoService { return &TodoService{db: db} }

var errTodoNotFound = origin.Errorf(origin.ENOTFOUND, "todo not found")

const todoColumns = `id, user_id, title, completed, created_at, updated_at`

func (s *TodoService) scanTodo(row interface{ Scan(...any) error }) (*origin.Todo, error) {
	var t origin.Todo
	var created, updated int64
	if err := row.Scan(&t.ID, &t.UserID, &t.Title, &t.Completed, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errTodoNotFound
		}
		return nil, s.db.wrap("todo", err)
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &t, nil
}

// CreateTodo stores a todo for userID (ENOTFOUND if the user is gone).
func (s *TodoService) CreateTodo(ctx context.Context, userID int64, in origin.NewTodo) (*origin.Todo, error) {
	title, err := origin.NormalizeTitle(in.Title)
	if err != nil {
		return nil, err
	}
	var t *origin.Todo
	err = s.db.write(ctx, func(q querier) error {
		now := micros(s.db.opts.Now())
		t, err = s.scanTodo(q.QueryRowContext(ctx, s.db.q(`INSERT INTO todos (user_id, title, completed, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING `+todoColumns), userID, title, in.Completed, now, now))
		return err
	})
	if s.db.d.IsForeignKeyViolation(err) {
		return nil, errUserNotFound
	}
	return t, err
}

// FindTodo returns the user's todo, or ENOTFOUND.
func (s *TodoService) FindTodo(ctx context.Context, userID, todoID int64) (*origin.Todo, error) {
	return s.scanTodo(s.db.r.QueryRowContext(ctx, s.db.q(`SELECT `+todoColumns+` FROM todos WHERE id = ? AND user_id = ?`), todoID, userID))
}

// ListTodos returns one page, newest first, by keyset pagination on
// (created_at, id): stable under concurrent inserts and deletes, and as fast
// on the last page as on the first. One extra row is read to know whether a
// next page exists, so Next is nil exactly on the last page.
func (s *TodoService) ListTodos(ctx context.Context, userID int64, limit int, after string) (*origin.TodoPage, error) {
	if limit == 0 {
		limit = origin.DefaultTodoLimit
	}
	if limit < 1 || limit > origin.MaxTodoLimit {
		return nil, origin.Errorf(origin.EINVALID, "limit must be between 1 and %d", origin.MaxTodoLimit)
	}
	var rows *sql.Rows
	var err error
	if after == "" {
		rows, err = s.db.r.QueryContext(ctx, s.db.q(`SELECT `+todoColumns+` FROM todos WHERE user_id = ?
			ORDER BY created_at DESC, id DESC LIMIT ?`), userID, limit+1)
	} else {
		created, id, cerr := cursor.Decode(after)
		if cerr != nil {
			return nil, cerr
		}
		// The row comparison matches the index order (created_at DESC,
		// id DESC): both databases seek to the cursor instead of filtering.
		rows, err = s.db.r.QueryContext(ctx, s.db.q(`SELECT `+todoColumns+` FROM todos WHERE user_id = ?
			AND (created_at, id) < (?, ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`), userID, created, id, limit+1)
	}
	if err != nil {
		return nil, s.db.wrap("list todos", err)
	}
	defer rows.Close()
	page := &origin.TodoPage{Todos: make([]*origin.Todo, 0, limit)}
	for rows.Next() {
		t, err := s.scanTodo(rows)
		if err != nil {
			return nil, err
		}
		page.Todos = append(page.Todos, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.wrap("list todos", err)
	}
	if len(page.Todos) > limit {
		page.Todos = page.Todos[:limit]
		last := page.Todos[limit-1]
		next := cursor.Encode(last.CreatedAt, last.ID)
		page.Next = &next
	}
	return page, nil
}

// UpdateTodo changes the title and/or completion of the user's todo.
func (s *TodoService) UpdateTodo(ctx context.Context, userID, todoID int64, upd origin.TodoUpdate) (*origin.Todo, error) {
	var title string
	var err error
	if upd.Title != nil {
		if title, err = origin.NormalizeTitle(*upd.Title); err != nil {
			return nil, err
		}
	}
	completed := upd.Completed != nil && *upd.Completed
	var t *origin.Todo
	err = s.db.write(ctx, func(q querier) error {
		// updated_at moves only when a value does: an update that changes
		// nothing (PATCH {}) modified nothing. SET expressions read the row as
		// it was, so the comparisons see the old values.
		t, err = s.scanTodo(q.QueryRowContext(ctx, s.db.q(`UPDATE todos SET
				title = CASE WHEN ? THEN ? ELSE title END,
				completed = CASE WHEN ? THEN ? ELSE completed END,
				updated_at = CASE WHEN (? AND title <> ?) OR (? AND completed <> ?) THEN ? ELSE updated_at END
			WHERE id = ? AND user_id = ? RETURNING `+todoColumns),
			upd.Title != nil, title, upd.Completed != nil, completed,
			upd.Title != nil, title, upd.Completed != nil, completed, micros(s.db.opts.Now()), todoID, userID))
		return err
	})
	return t, err
}

// DeleteTodo removes the user's todo, or returns ENOTFOUND.
func (s *TodoService) DeleteTodo(ctx context.Context, userID, todoID int64) error {
	return s.db.write(ctx, func(q querier) error {
		n, err := affected(q.ExecContext(ctx, s.db.q(`DELETE FROM todos WHERE id = ? AND user_id = ?`), todoID, userID))
		if err != nil {
			return s.db.wrap("delete todo", err)
		} else if n == 0 {
			return errTodoNotFound
		}
		return nil
	})
}
