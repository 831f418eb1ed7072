package sqlite

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
)

func TestTodoCRUDAndOwnership(t *testing.T) {
	db, clk, _ := openTest(t, Options{})
	us, ts := NewUserService(db), NewTodoService(db)
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
	keep, err := ts.UpdateTodo(ctx, alice.ID, todo.ID, origin.TodoUpdate{})
	if err != nil || keep.Title != title || keep.Completed {
		t.Fatalf("empty update changed fields: %+v, %v", keep, err)
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

func TestTodoTitleRules(t *testing.T) {
	db, _, _ := openTest(t, Options{})
	ts := NewTodoService(db)
	u := mustCreateUser(t, NewUserService(db), "u@example.com")
	tests := []struct {
		name     string
		title    string
		wantCode string
	}{
		{"one character", "x", ""},
		{"500 characters", strings.Repeat("ü", 500), ""},
		{"501 characters", strings.Repeat("ü", 501), origin.EINVALID},
		{"empty", "", origin.EINVALID},
		{"only spaces", "   ", origin.EINVALID},
		{"control character", "a\nb", origin.EINVALID},
		{"invalid UTF-8", "a\xffb", origin.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.CreateTodo(context.Background(), u.ID, origin.NewTodo{Title: tt.title})
			wantCode(t, err, tt.wantCode)
			_, err = ts.UpdateTodo(context.Background(), u.ID, 1, origin.TodoUpdate{Title: &tt.title})
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
			}
		})
	}
}

func TestListTodosPaging(t *testing.T) {
	db, clk, _ := openTest(t, Options{})
	us, ts := NewUserService(db), NewTodoService(db)
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
}

func TestListTodosBadInput(t *testing.T) {
	db, _, _ := openTest(t, Options{})
	ts := NewTodoService(db)
	u := mustCreateUser(t, NewUserService(db), "u@example.com")
	good := encodeCursor(time.UnixMicro(1), 1)
	tests := []struct {
		name  string
		limit int
		after string
	}{
		{"negative limit", -1, ""},
		{"limit over max", origin.MaxTodoLimit + 1, ""},
		{"garbage cursor", 10, "not-a-cursor"},
		{"padded cursor", 10, good + "=="},
		{"standard base64 alphabet", 10, strings.Repeat("+", cursorLen)},
		{"truncated cursor", 10, good[:cursorLen-1]},
		{"non-canonical last character", 10, good[:cursorLen-1] + "B"},
		{"zero id", 10, encodeCursor(time.UnixMicro(5), 0)},
		{"negative time", 10, encodeCursor(time.UnixMicro(-5), 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.ListTodos(context.Background(), u.ID, tt.limit, tt.after)
			wantCode(t, err, origin.EINVALID)
		})
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(time.UnixMicro(1_700_000_000_000_000), 42))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AAAAAAAAAAAAAAAAAAAAAB")
	f.Fuzz(func(t *testing.T, s string) {
		created, id, err := decodeCursor(s)
		if err != nil {
			return
		}
		// Anything accepted is canonical: it re-encodes to itself.
		if back := encodeCursor(time.UnixMicro(created), id); back != s {
			t.Fatalf("decode(%q) = (%d, %d) re-encodes to %q", s, created, id, back)
		}
	})
}

func TestConcurrentWritesFromTwoProcesses(t *testing.T) {
	// Writers in one process queue on the single writer connection; a second
	// process waits on the busy timeout. None may fail with SQLITE_BUSY.
	db, _, path := openTest(t, Options{})
	other, err := Open(context.Background(), path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	u := mustCreateUser(t, NewUserService(db), "u@example.com")
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 20 {
		ts := NewTodoService(db)
		if i%2 == 1 {
			ts = NewTodoService(other)
		}
		wg.Go(func() {
			for range 20 {
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
	var n int
	if err := db.db.QueryRow(`SELECT COUNT(*) FROM todos`).Scan(&n); err != nil || n != 400 {
		t.Fatalf("%d todos stored (%v), want 400", n, err)
	}
}
