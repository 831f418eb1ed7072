package sqlite

import (
	"context"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// BenchmarkListTodos is the hot read of the API: one user's first page of
// 10 todos.
func BenchmarkListTodos(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/bench.db", Options{BcryptCost: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	us, ts := sqlstore.NewUserService(db.Store, nil), sqlstore.NewTodoService(db.Store)
	u, err := us.CreateUser(ctx, origin.NewUser{Email: "b@example.com", Password: "password1", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	for range 10 {
		if _, err := ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "a todo of ordinary length"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if p, err := ts.ListTodos(ctx, u.ID, 10, ""); err != nil || len(p.Todos) != 10 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateTodo is one write transaction (WAL, synchronous=NORMAL).
func BenchmarkCreateTodo(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/bench.db", Options{BcryptCost: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u, err := sqlstore.NewUserService(db.Store, nil).CreateUser(ctx, origin.NewUser{Email: "b@example.com", Password: "password1", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	ts := sqlstore.NewTodoService(db.Store)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "t"}); err != nil {
			b.Fatal(err)
		}
	}
}
