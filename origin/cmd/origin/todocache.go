package main

import (
	"log/slog"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/todocache"
)

// cacheTodoLists puts the per-user cache of encoded todo list pages in
// front of the store, for the HTTP layer. The cache is exact only when this
// process is the store's one writer, which holds for SQLite; with
// PostgreSQL (database.url), replicas share the database and another
// replica's write would go unseen, so lists are read from the store.
// users is wrapped too, because deleting a user deletes their todos.
func cacheTodoLists(c Config, todos origin.TodoService, users origin.UserService, log *slog.Logger) (origin.TodoService, origin.UserService) {
	if c.Database.URL != "" {
		return todos, users
	}
	cache := todocache.New(todos, todocache.Options{})
	log.Debug("todo lists are cached per user (SQLite: this process is the only writer)")
	return cache, cache.Users(users)
}
