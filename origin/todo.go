package origin

import (
	"context"
	"time"
)

// Todo belongs to exactly one user.
type Todo struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	Title     string    `json:"title"`
	Completed bool      `json:"completed"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Title limits, in characters (runes).
const (
	MinTitleLen = 1
	MaxTitleLen = 500
)

// Page limits for ListTodos.
const (
	DefaultTodoLimit = 20
	MaxTodoLimit     = 100
)

// NewTodo is the input of POST /users/{id}/todos.
type NewTodo struct {
	Title     string `json:"title"`
	Completed bool   `json:"completed"`
}

// TodoUpdate is the input of PATCH; nil fields stay as they are.
type TodoUpdate struct {
	Title     *string `json:"title"`
	Completed *bool   `json:"completed"`
}

// TodoPage is one page of a user's todos, newest first. Next is an opaque
// cursor for the following page, nil on the last page.
type TodoPage struct {
	Todos []*Todo `json:"todos"`
	Next  *string `json:"next"`
}

// TodoService manages todos. Every method is scoped to one user: a todo of
// another user is ENOTFOUND, exactly like a missing one.
type TodoService interface {
	CreateTodo(ctx context.Context, userID int64, in NewTodo) (*Todo, error)
	FindTodo(ctx context.Context, userID, todoID int64) (*Todo, error)
	// ListTodos returns EINVALID for a limit outside 1..MaxTodoLimit or a
	// cursor it did not issue. limit 0 means DefaultTodoLimit.
	ListTodos(ctx context.Context, userID int64, limit int, after string) (*TodoPage, error)
	UpdateTodo(ctx context.Context, userID, todoID int64, upd TodoUpdate) (*Todo, error)
	DeleteTodo(ctx context.Context, userID, todoID int64) error
}
