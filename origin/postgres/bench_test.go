package postgres

import (
	"context"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/postgres/pgtest"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// openBench opens a fresh database with one user for a benchmark.
func openBench(b *testing.B) (*DB, *origin.User) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(b), Options{BcryptCost: 4})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	u, err := sqlstore.NewUserService(db.Store, nil).CreateUser(ctx, origin.NewUser{Email: "b@example.com", Password: "password1", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	return db, u
}

// BenchmarkListTodos is the hot read of the API: one user's first page of
// 10 todos (the same case as package sqlite's benchmark).
func BenchmarkListTodos(b *testing.B) {
	ctx := context.Background()
	db, u := openBench(b)
	ts := sqlstore.NewTodoService(db.Store)
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

// BenchmarkCreateTodo is one INSERT, committed (on the test cluster,
// fsync is off: this measures the round trip and the server's work, not
// the disk).
func BenchmarkCreateTodo(b *testing.B) {
	ctx := context.Background()
	db, u := openBench(b)
	ts := sqlstore.NewTodoService(db.Store)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "t"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeVersion is what every replica's control plane does once
// per poll interval.
func BenchmarkChangeVersion(b *testing.B) {
	ctx := context.Background()
	db, _ := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.ChangeVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
