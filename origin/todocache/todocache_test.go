package todocache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// store opens a real SQLite store with one user holding n todos.
func store(t *testing.T, n int) (origin.TodoService, origin.UserService, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{BcryptCost: 4}) // bcrypt.MinCost: fast setup
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users, todos := sqlstore.NewUserService(db.Store, nil), sqlstore.NewTodoService(db.Store)
	u, err := users.CreateUser(ctx, origin.NewUser{Email: "a@example.com", Password: "correct horse battery", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := todos.CreateTodo(ctx, u.ID, origin.NewTodo{Title: fmt.Sprint("todo ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return todos, users, u.ID
}

// fresh is what the store itself answers, encoded like the HTTP layer.
func fresh(t *testing.T, todos origin.TodoService, uid int64, limit int) []byte {
	t.Helper()
	page, err := todos.ListTodos(context.Background(), uid, limit, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodePage(page)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func list(t *testing.T, c *Service, uid int64) []byte {
	t.Helper()
	b, err := c.ListTodosJSON(context.Background(), uid, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNoStaleReadAfterWrite: after any write returns, the next list is the
// store's current list, not the cached one.
func TestNoStaleReadAfterWrite(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(t *testing.T, c *Service, users origin.UserService, uid, tid int64) error
	}{
		{"create", func(t *testing.T, c *Service, _ origin.UserService, uid, _ int64) error {
			_, err := c.CreateTodo(ctx, uid, origin.NewTodo{Title: "new"})
			return err
		}},
		{"update title", func(t *testing.T, c *Service, _ origin.UserService, uid, tid int64) error {
			title := "renamed"
			_, err := c.UpdateTodo(ctx, uid, tid, origin.TodoUpdate{Title: &title})
			return err
		}},
		{"complete", func(t *testing.T, c *Service, _ origin.UserService, uid, tid int64) error {
			done := true
			_, err := c.UpdateTodo(ctx, uid, tid, origin.TodoUpdate{Completed: &done})
			return err
		}},
		{"delete todo", func(t *testing.T, c *Service, _ origin.UserService, uid, tid int64) error {
			return c.DeleteTodo(ctx, uid, tid)
		}},
		{"delete user", func(t *testing.T, c *Service, users origin.UserService, uid, _ int64) error {
			return c.Users(users).DeleteUser(ctx, uid)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			todos, users, uid := store(t, 3)
			c := New(todos, Options{})
			before := list(t, c, uid)
			if again := list(t, c, uid); !bytes.Equal(before, again) {
				t.Fatal("two reads without a write differ")
			}
			if hits, _ := c.Stats(); hits != 1 {
				t.Fatalf("hits = %d after a repeated read, want 1", hits)
			}
			var page origin.TodoPage
			if err := json.Unmarshal(before, &page); err != nil || len(page.Todos) != 3 {
				t.Fatalf("page %s: %v", before, err)
			}
			if err := tt.write(t, c, users, uid, page.Todos[1].ID); err != nil {
				t.Fatal(err)
			}
			after := list(t, c, uid)
			if bytes.Equal(after, before) {
				t.Fatalf("stale list after %s: %s", tt.name, after)
			}
			if want := fresh(t, todos, uid, 0); !bytes.Equal(after, want) {
				t.Fatalf("list after %s:\n%s\nstore says:\n%s", tt.name, after, want)
			}
		})
	}
}

// TestFailedWriteStillInvalidates: a write that fails drops the pages too
// (a failure may come after the commit); the next read is fresh.
func TestFailedWriteStillInvalidates(t *testing.T) {
	todos, _, uid := store(t, 2)
	c := New(todos, Options{})
	list(t, c, uid)
	if _, err := c.CreateTodo(context.Background(), uid, origin.NewTodo{Title: ""}); err == nil {
		t.Fatal("an empty title was accepted")
	}
	_, misses := c.Stats()
	list(t, c, uid)
	if _, m := c.Stats(); m != misses+1 {
		t.Fatal("the read after a failed write was served from the cache")
	}
}

// blockingTodos lets a test hold a ListTodos after it has read the store.
type blockingTodos struct {
	origin.TodoService
	read, release chan struct{}
}

func (b *blockingTodos) ListTodos(ctx context.Context, uid int64, limit int, after string) (*origin.TodoPage, error) {
	p, err := b.TodoService.ListTodos(ctx, uid, limit, after)
	if b.read != nil {
		b.read <- struct{}{}
		<-b.release
	}
	return p, err
}

// TestReadRacingWrite: a list read before a write commits, but finishing
// after the write returned, must not be stored.
func TestReadRacingWrite(t *testing.T) {
	ctx := context.Background()
	todos, _, uid := store(t, 1)
	bt := &blockingTodos{TodoService: todos, read: make(chan struct{}), release: make(chan struct{})}
	c := New(bt, Options{})
	done := make(chan []byte)
	go func() {
		b, _ := c.ListTodosJSON(ctx, uid, 0, "")
		done <- b
	}()
	<-bt.read // the slow read has the old list
	if _, err := todos.CreateTodo(ctx, uid, origin.NewTodo{Title: "raced"}); err != nil {
		t.Fatal(err)
	}
	c.invalidate(uid) // as CreateTodo through c does once the store returns
	close(bt.release)
	stale := <-done
	bt.read = nil
	if got, want := list(t, c, uid), fresh(t, todos, uid, 0); !bytes.Equal(got, want) || bytes.Equal(got, stale) {
		t.Fatalf("the racing read's old page was kept:\n%s\nwant\n%s", got, want)
	}
}

func TestEncodingMatchesHTTPLayer(t *testing.T) {
	todos, _, uid := store(t, 0)
	c := New(todos, Options{})
	if got := string(list(t, c, uid)); got != `{"todos":[],"next":null}` {
		t.Fatalf("empty list encoded as %s", got)
	}
	if _, err := c.ListTodosJSON(context.Background(), uid, 0, "not-a-cursor"); err == nil {
		t.Fatal("a bad cursor was accepted")
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"users", Options{MaxUsers: 32}},
		{"bytes", Options{MaxBytes: 16 * 1024}},
		{"pages per user", Options{MaxPagesPerUser: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(fakeTodos{}, tt.opts)
			for uid := range int64(500) {
				for limit := 1; limit <= 5; limit++ {
					if _, err := c.ListTodosJSON(context.Background(), uid, limit, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			users, total := 0, 0
			for i := range c.shards {
				sh := &c.shards[i]
				users += len(sh.users)
				total += sh.bytes
				for _, u := range sh.users {
					if len(u.pages) > c.opts.MaxPagesPerUser {
						t.Fatalf("%d pages for one user, bound %d", len(u.pages), c.opts.MaxPagesPerUser)
					}
				}
			}
			if users > c.opts.MaxUsers || total > c.opts.MaxBytes {
				t.Fatalf("%d users / %d bytes, bounds %d / %d", users, total, c.opts.MaxUsers, c.opts.MaxBytes)
			}
		})
	}
}

// fakeTodos returns a page of limit todos for any user.
type fakeTodos struct{ origin.TodoService }

func (fakeTodos) ListTodos(_ context.Context, uid int64, limit int, _ string) (*origin.TodoPage, error) {
	p := &origin.TodoPage{}
	for i := range limit {
		p.Todos = append(p.Todos, &origin.Todo{ID: int64(i), UserID: uid, Title: "some todo title"})
	}
	return p, nil
}

// TestConcurrent mixes reads and writes of several users; once the writers
// are done every list is the store's. Run with -race.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	todos, _, uid := store(t, 2)
	c := New(todos, Options{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if w%2 == 0 {
					if _, err := c.CreateTodo(ctx, uid, origin.NewTodo{Title: fmt.Sprint(w, "-", i)}); err != nil {
						t.Error(err)
						return
					}
				} else if _, err := c.ListTodosJSON(ctx, uid, 0, ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got, want := list(t, c, uid), fresh(t, todos, uid, 0); !bytes.Equal(got, want) {
		t.Fatalf("after concurrent writes:\n%s\nwant\n%s", got, want)
	}
}

func BenchmarkListTodosJSONHit(b *testing.B) {
	c := New(fakeTodos{}, Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ListTodosJSON(ctx, 1, 10, ""); err != nil {
			b.Fatal(err)
		}
	}
}
