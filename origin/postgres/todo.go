package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/internal/cursor"
)

// TodoService implements origin.TodoService. Every statement is scoped by
// user_id, so another user's todo is ENOTFOUND exactly like a missing one.
type TodoService struct{ db *DB }

var _ origin.TodoService = (*TodoService)(nil)

// NewTodoService returns the todo service of db.
func NewTodoService(db *DB) *TodoService { return &TodoService{db: db} }

var errTodoNotFound = origin.Errorf(origin.ENOTFOUND, "todo not found")

const todoColumns = `id, user_id, title, completed, created_at, updated_at`

func scanTodo(row pgx.Row) (*origin.Todo, error) {
	var t origin.Todo
	var created, updated int64
	if err := row.Scan(&t.ID, &t.UserID, &t.Title, &t.Completed, &created, &updated); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, errTodoNotFound
		}
		return nil, fmt.Errorf("postgres: todo: %w", err)
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
	now := micros(s.db.opts.Now())
	t, err := scanTodo(s.db.pool.QueryRow(ctx, `INSERT INTO todos (user_id, title, completed, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING `+todoColumns, userID, title, in.Completed, now))
	if isForeignKeyViolation(err) {
		return nil, errUserNotFound
	}
	return t, err
}

// FindTodo returns the user's todo, or ENOTFOUND.
func (s *TodoService) FindTodo(ctx context.Context, userID, todoID int64) (*origin.Todo, error) {
	return scanTodo(s.db.pool.QueryRow(ctx, `SELECT `+todoColumns+` FROM todos WHERE id = $1 AND user_id = $2`, todoID, userID))
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
	var rows pgx.Rows
	var err error
	if after == "" {
		rows, err = s.db.pool.Query(ctx, `SELECT `+todoColumns+` FROM todos WHERE user_id = $1
			ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit+1)
	} else {
		created, id, cerr := cursor.Decode(after)
		if cerr != nil {
			return nil, cerr
		}
		// The row comparison matches the index order (created_at DESC,
		// id DESC), so PostgreSQL seeks instead of filtering.
		rows, err = s.db.pool.Query(ctx, `SELECT `+todoColumns+` FROM todos WHERE user_id = $1
			AND (created_at, id) < ($2, $3)
			ORDER BY created_at DESC, id DESC LIMIT $4`, userID, created, id, limit+1)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list todos: %w", err)
	}
	defer rows.Close()
	page := &origin.TodoPage{Todos: make([]*origin.Todo, 0, limit)}
	for rows.Next() {
		t, err := scanTodo(rows)
		if err != nil {
			return nil, err
		}
		page.Todos = append(page.Todos, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list todos: %w", err)
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
	return scanTodo(s.db.pool.QueryRow(ctx, `UPDATE todos SET
			title = CASE WHEN $1 THEN $2 ELSE title END,
			completed = CASE WHEN $3 THEN $4 ELSE completed END,
			updated_at = $5
		WHERE id = $6 AND user_id = $7 RETURNING `+todoColumns,
		upd.Title != nil, title, upd.Completed != nil, completed, micros(s.db.opts.Now()), todoID, userID))
}

// DeleteTodo removes the user's todo, or returns ENOTFOUND.
func (s *TodoService) DeleteTodo(ctx context.Context, userID, todoID int64) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM todos WHERE id = $1 AND user_id = $2`, todoID, userID)
	if err != nil {
		return fmt.Errorf("postgres: delete todo: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errTodoNotFound
	}
	return nil
}
