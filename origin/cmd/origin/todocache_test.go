package main

import (
	"log/slog"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/todocache"
)

type nopTodos struct{ origin.TodoService }
type nopUsers struct{ origin.UserService }

func TestCacheTodoLists(t *testing.T) {
	tests := []struct {
		name   string
		db     DatabaseConfig
		cached bool
	}{
		{"SQLite: one writer, cached", DatabaseConfig{Path: "x.db"}, true},
		{"PostgreSQL: shared by replicas, not cached", DatabaseConfig{URL: "postgres://db/x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			c.Database = tt.db
			todos, users := cacheTodoLists(c, nopTodos{}, nopUsers{}, slog.New(slog.DiscardHandler))
			_, isCache := todos.(*todocache.Service)
			_, plainUsers := users.(nopUsers)
			if isCache != tt.cached || plainUsers == tt.cached {
				t.Fatalf("todos cached %t, users wrapped %t; want %t", isCache, !plainUsers, tt.cached)
			}
		})
	}
}
