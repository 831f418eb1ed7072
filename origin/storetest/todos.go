package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/internal/cursor"
)

func testTodoCRUDAndOwnership(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	us, ts, clk := s.Users, s.Todos, s.Clock
	ctx := context.Background()
	alice := mustCreateUser(t, us, "alice@example.com")
	bob := mustCreateUser(t, us, "bob@example.com")

	todo, err := ts.CreateTodo(ctx, alice.ID, origin.NewTodo{Title: "  buy milk  ", Completed: true})
	if err != nil {
		t.Fatal(err)
	}
	if todo.Title != "buy milk" || !todo.Completed || todo.UserID != alice.ID || !todo.CreatedAt.Equal(clk.Now().Truncate(time.Microsecond)) {
		t.Fatalf("created %+v", todo)
	}
	got, err := ts.FindTodo(ctx, alice.ID, todo.ID)
	if err != nil || *got != *todo {
		t.Fatalf("FindTodo = %+v, %v", got, err)
	}

	clk.Advance(time.Second)
	title, done := "buy oat milk", false
	upd, err := ts.UpdateTodo(ctx, alice.ID, todo.ID, origin.TodoUpdate{Title: &title, Completed: &done})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Title != title || upd.Completed || !upd.UpdatedAt.After(upd.CreatedAt) || !upd.CreatedAt.Equal(todo.CreatedAt) {
		t.Fatalf("updated %+v", upd)
	}
	// An update that changes nothing (PATCH {}, or the values it has)
	// leaves updated_at alone: nothing was modified.
	clk.Advance(time.Second)
	keep, err := ts.UpdateTodo(ctx, alice.ID, todo.ID, origin.TodoUpdate{})
	if err != nil || keep.Title != title || keep.Completed || !keep.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("empty update changed something: %+v (updated_at was %v), %v", keep, upd.UpdatedAt, err)
	}
	same, err := ts.UpdateTodo(ctx, alice.ID, todo.ID, origin.TodoUpdate{Title: &title, Completed: &done})
	if err != nil || !same.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("an update to the same values bumped updated_at: %+v, %v", same, err)
	}
	flip := true
	flipped, err := ts.UpdateTodo(ctx, alice.ID, todo.ID, origin.TodoUpdate{Completed: &flip})
	if err != nil || flipped.Title != title || !flipped.Completed || !flipped.UpdatedAt.After(upd.UpdatedAt) {
		t.Fatalf("completed-only update: %+v, %v", flipped, err)
	}

	// Bob sees nothing of Alice's todo: every operation is "not found".
	t.Run("stranger", func(t *testing.T) {
		_, err := ts.FindTodo(ctx, bob.ID, todo.ID)
		wantCode(t, err, origin.ENOTFOUND)
		_, err = ts.UpdateTodo(ctx, bob.ID, todo.ID, origin.TodoUpdate{Title: &title})
		wantCode(t, err, origin.ENOTFOUND)
		wantCode(t, ts.DeleteTodo(ctx, bob.ID, todo.ID), origin.ENOTFOUND)
		page, err := ts.ListTodos(ctx, bob.ID, 0, "")
		if err != nil || len(page.Todos) != 0 || page.Next != nil {
			t.Fatalf("bob's list = %+v, %v", page, err)
		}
		if _, err := ts.FindTodo(ctx, alice.ID, todo.ID); err != nil {
			t.Fatalf("alice lost her todo: %v", err)
		}
	})

	if err := ts.DeleteTodo(ctx, alice.ID, todo.ID); err != nil {
		t.Fatal(err)
	}
	_, err = ts.FindTodo(ctx, alice.ID, todo.ID)
	wantCode(t, err, origin.ENOTFOUND)
	wantCode(t, ts.DeleteTodo(ctx, alice.ID, todo.ID), origin.ENOTFOUND)

	_, err = ts.CreateTodo(ctx, 9999, origin.NewTodo{Title: "orphan"})
	wantCode(t, err, origin.ENOTFOUND)
}

func testTodoTitleRules(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ts := s.Todos
	u := mustCreateUser(t, s.Users, "u@example.com")
	tests := []struct {
		name     string
		title    string
		wantCode string
	}{
		{"one character", "x", ""},
		{"500 characters", strings.Repeat("ü", 500), ""},
		{"emoji", "🦊 feed the fox", ""},
		{"501 characters", strings.Repeat("ü", 501), origin.EINVALID},
		{"empty", "", origin.EINVALID},
		{"only spaces", "   ", origin.EINVALID},
		{"control character", "a\nb", origin.EINVALID},
		{"NUL", "a\x00b", origin.EINVALID},
		{"invalid UTF-8", "a\xffb", origin.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, err := ts.CreateTodo(context.Background(), u.ID, origin.NewTodo{Title: tt.title})
			wantCode(t, err, tt.wantCode)
			if tt.wantCode == "" {
				if got, err := ts.FindTodo(context.Background(), u.ID, td.ID); err != nil || got.Title != tt.title {
					t.Fatalf("stored title = %q, %v; want %q", got.Title, err, tt.title)
				}
				return
			}
			_, err = ts.UpdateTodo(context.Background(), u.ID, 1, origin.TodoUpdate{Title: &tt.title})
			wantCode(t, err, tt.wantCode)
		})
	}
}

func testListTodosPaging(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	us, ts, clk := s.Users, s.Todos, s.Clock
	ctx := context.Background()
	u := mustCreateUser(t, us, "u@example.com")
	other := mustCreateUser(t, us, "o@example.com")
	const total = 25
	var ids []int64
	for i := range total {
		// Pairs share a timestamp, so the id must break ties.
		if i%2 == 0 {
			clk.Advance(time.Millisecond)
		}
		td, err := ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, td.ID)
		if _, err := ts.CreateTodo(ctx, other.ID, origin.NewTodo{Title: "noise"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1, 7, 10, 25, 100} {
		var seen []int64
		after := ""
		pages := 0
		for {
			page, err := ts.ListTodos(ctx, u.ID, limit, after)
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			pages++
			if len(page.Todos) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(page.Todos))
			}
			for _, td := range page.Todos {
				if td.UserID != u.ID {
					t.Fatalf("foreign todo %d in list", td.ID)
				}
				seen = append(seen, td.ID)
			}
			if page.Next == nil {
				break
			}
			after = *page.Next
		}
		if len(seen) != total {
			t.Fatalf("limit %d: saw %d todos, want %d", limit, len(seen), total)
		}
		for i, id := range seen { // newest first: reverse creation order
			if id != ids[total-1-i] {
				t.Fatalf("limit %d: position %d is %d, want %d", limit, i, id, ids[total-1-i])
			}
		}
		if want := (total + limit - 1) / limit; pages != want {
			t.Fatalf("limit %d: %d pages, want %d (Next must be nil on the last page)", limit, pages, want)
		}
	}
	page, err := ts.ListTodos(ctx, u.ID, 0, "")
	if err != nil || len(page.Todos) != origin.DefaultTodoLimit {
		t.Fatalf("default limit gave %d todos, %v", len(page.Todos), err)
	}
	// A valid but foreign or far-off cursor only moves the window.
	page, err = ts.ListTodos(ctx, u.ID, 10, cursor.Encode(time.UnixMicro(1), 1))
	if err != nil || len(page.Todos) != 0 || page.Next != nil {
		t.Fatalf("cursor before every todo gave %+v, %v", page, err)
	}
}

func testListTodosBadInput(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	u := mustCreateUser(t, s.Users, "u@example.com")
	good := cursor.Encode(time.UnixMicro(1), 1)
	tests := []struct {
		name  string
		limit int
		after string
	}{
		{"negative limit", -1, ""},
		{"limit over max", origin.MaxTodoLimit + 1, ""},
		{"garbage cursor", 10, "not-a-cursor"},
		{"padded cursor", 10, good + "=="},
		{"standard base64 alphabet", 10, strings.Repeat("+", cursor.Len)},
		{"truncated cursor", 10, good[:cursor.Len-1]},
		{"non-canonical last character", 10, good[:cursor.Len-1] + "B"},
		{"zero id", 10, cursor.Encode(time.UnixMicro(5), 0)},
		{"negative time", 10, cursor.Encode(time.UnixMicro(-5), 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Todos.ListTodos(context.Background(), u.ID, tt.limit, tt.after)
			wantCode(t, err, origin.EINVALID)
		})
	}
}

// testConcurrentWrites: writers on two handles (two processes, two
// replicas) at once. None may fail and none may be lost.
func testConcurrentWrites(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	other := s.Reopen(t, nil)
	u := mustCreateUser(t, s.Users, "u@example.com")
	const writers, each = 20, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for i := range writers {
		ts := s.Todos
		if i%2 == 1 {
			ts = other.Todos
		}
		wg.Go(func() {
			for range each {
				if _, err := ts.CreateTodo(context.Background(), u.ID, origin.NewTodo{Title: "t"}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.Count(t, "todos"); n != writers*each {
		t.Fatalf("%d todos stored, want %d", n, writers*each)
	}
}
