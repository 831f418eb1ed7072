package storetest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
)

func testCreateUser(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	us := s.Users
	ctx := context.Background()
	if _, err := us.CreateUser(ctx, origin.NewUser{Email: "taken@example.com", Password: "password1", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        origin.NewUser
		wantCode  string
		wantEmail string
	}{
		{"normalises email", origin.NewUser{Email: "  Bob@Example.COM ", Password: "password1", Name: " Bob "}, "", "bob@example.com"},
		{"password of exactly 8 bytes", origin.NewUser{Email: "p8@example.com", Password: "12345678", Name: "x"}, "", "p8@example.com"},
		{"password of exactly 72 bytes", origin.NewUser{Email: "p72@example.com", Password: strings.Repeat("a", 72), Name: "x"}, "", "p72@example.com"},
		{"non-ASCII name", origin.NewUser{Email: "u8@example.com", Password: "password1", Name: "Zoë 🦊"}, "", "u8@example.com"},
		{"duplicate email", origin.NewUser{Email: "taken@example.com", Password: "password1", Name: "B"}, origin.ECONFLICT, ""},
		{"duplicate email in other case", origin.NewUser{Email: "TAKEN@example.com", Password: "password1", Name: "B"}, origin.ECONFLICT, ""},
		{"duplicate email in fullwidth forms", origin.NewUser{Email: "\uff54\uff41\uff4b\uff45\uff4e@example.com", Password: "password1", Name: "B"}, origin.ECONFLICT, ""},
		{"IDNA domain stored as punycode", origin.NewUser{Email: "ada@B\u00fccher.de", Password: "password1", Name: "Ada"}, "", "ada@xn--bcher-kva.de"},
		{"duplicate IDNA domain, decomposed", origin.NewUser{Email: "ada@bu\u0308cher.de", Password: "password1", Name: "B"}, origin.ECONFLICT, ""},
		{"duplicate IDNA domain, punycode", origin.NewUser{Email: "ada@xn--bcher-kva.de", Password: "password1", Name: "B"}, origin.ECONFLICT, ""},
		{"bidi override in name", origin.NewUser{Email: "bidi@example.com", Password: "password1", Name: "a\u202eb"}, origin.EINVALID, ""},
		{"zero-width space in name", origin.NewUser{Email: "zw@example.com", Password: "password1", Name: "a\u200bb"}, origin.EINVALID, ""},
		{"password too short", origin.NewUser{Email: "s@example.com", Password: "1234567", Name: "x"}, origin.EINVALID, ""},
		{"password of 73 bytes is not truncated", origin.NewUser{Email: "l@example.com", Password: strings.Repeat("a", 73), Name: "x"}, origin.EINVALID, ""},
		{"display name", origin.NewUser{Email: "Bob <bob2@example.com>", Password: "password1", Name: "x"}, origin.EINVALID, ""},
		{"no at sign", origin.NewUser{Email: "bob.example.com", Password: "password1", Name: "x"}, origin.EINVALID, ""},
		{"no domain dot", origin.NewUser{Email: "bob@localhost", Password: "password1", Name: "x"}, origin.EINVALID, ""},
		{"empty email", origin.NewUser{Email: "  ", Password: "password1", Name: "x"}, origin.EINVALID, ""},
		{"empty name", origin.NewUser{Email: "n@example.com", Password: "password1", Name: "   "}, origin.EINVALID, ""},
		{"name too long", origin.NewUser{Email: "n@example.com", Password: "password1", Name: strings.Repeat("é", 201)}, origin.EINVALID, ""},
		{"control character in name", origin.NewUser{Email: "n@example.com", Password: "password1", Name: "a\x00b"}, origin.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := us.CreateUser(ctx, tt.in)
			wantCode(t, err, tt.wantCode)
			if tt.wantCode != "" {
				return
			}
			if u.ID <= 0 || u.Email != tt.wantEmail || u.CreatedAt.IsZero() || !u.CreatedAt.Equal(s.Clock.Now().Truncate(time.Microsecond)) {
				t.Fatalf("user = %+v", u)
			}
			got, err := us.FindUserByID(ctx, u.ID)
			if err != nil || *got != *u {
				t.Fatalf("FindUserByID = %+v, %v; want %+v", got, err, u)
			}
			cred, err := us.FindCredentials(ctx, tt.wantEmail)
			if err != nil || cred.UserID != u.ID {
				t.Fatalf("FindCredentials = %+v, %v", cred, err)
			}
			if bcrypt.CompareHashAndPassword(cred.Hash, []byte(tt.in.Password)) != nil {
				t.Fatal("stored hash does not match the password")
			}
		})
	}
}

func testFindUserNotFound(t *testing.T, open func(t *testing.T) Store) {
	us := open(t).Users
	for _, id := range []int64{0, -1, 999} {
		_, err := us.FindUserByID(context.Background(), id)
		wantCode(t, err, origin.ENOTFOUND)
	}
	_, err := us.FindCredentials(context.Background(), "nobody@example.com")
	wantCode(t, err, origin.ENOTFOUND)
}

func testUpdateUser(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	str := func(s string) *string { return &s }
	tests := []struct {
		name      string
		upd       origin.UserUpdate
		wantCode  string
		wantName  string
		wantEnded bool // the user's other session
	}{
		{"name only", origin.UserUpdate{Name: str(" New ")}, "", "New", false},
		{"password only", origin.UserUpdate{Password: str("another pass"), CurrentPassword: str("correct horse")}, "", "Test", true},
		{"both", origin.UserUpdate{Name: str("Both"), Password: str("another pass"), CurrentPassword: str("correct horse")}, "", "Both", true},
		{"nothing", origin.UserUpdate{}, "", "Test", false},
		{"bad password", origin.UserUpdate{Password: str("short"), CurrentPassword: str("correct horse")}, origin.EINVALID, "", false},
		{"bad name", origin.UserUpdate{Name: str("")}, origin.EINVALID, "", false},
		{"password without the current one", origin.UserUpdate{Password: str("another pass")}, origin.EINVALID, "", false},
		{"password with a wrong current one", origin.UserUpdate{Password: str("another pass"), CurrentPassword: str("wrong horse")}, origin.ECURRENTPASSWORD, "", false},
		{"password with the current one truncated", origin.UserUpdate{Password: str("another pass"), CurrentPassword: str("correct hors")}, origin.ECURRENTPASSWORD, "", false},
		{"name and password, wrong current one", origin.UserUpdate{Name: str("No"), Password: str("another pass"), CurrentPassword: str("")}, origin.ECURRENTPASSWORD, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			n := &countingNotifier{}
			s = s.withNotifier(n)
			us := s.Users
			u := mustCreateUser(t, us, "u@example.com")
			signIn(t, s, u.ID, "sid-other")
			s.Clock.Advance(10 * time.Second)
			got, err := us.UpdateUser(ctx, u.ID, tt.upd)
			wantCode(t, err, tt.wantCode)
			if tt.wantCode == "" && (got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) || !got.UpdatedAt.Equal(s.Clock.Now().Truncate(time.Microsecond))) {
				t.Fatalf("updated user = %+v (was %+v)", got, u)
			}
			// A password change ends sessions; it sets no subject cutoff
			// (that would end the caller's own access token too).
			if cutoff, err := s.Edge.SubjectValidAfter(ctx, u.Subject()); err != nil || cutoff != 0 {
				t.Fatalf("cutoff = %d, %v; want none", cutoff, err)
			}
			if ended := revokedSIDs(t, s)["sid-other"]; ended != tt.wantEnded {
				t.Fatalf("the other session revoked = %v, want %v", ended, tt.wantEnded)
			}
			if !tt.wantEnded {
				if n.count() != 0 {
					t.Fatalf("notified %d times; want none", n.count())
				}
				if tt.wantCode != "" {
					// Nothing changed: neither the name nor the password.
					after, _ := us.FindUserByID(ctx, u.ID)
					cred, _ := us.FindCredentials(ctx, "u@example.com")
					if after.Name != u.Name || bcrypt.CompareHashAndPassword(cred.Hash, []byte("correct horse")) != nil || cred.Version != 0 {
						t.Fatalf("a refused update changed the account: %+v, version %d", after, cred.Version)
					}
				}
				if tt.wantCode == "" && got.Name != tt.wantName {
					t.Fatalf("name = %q, want %q", got.Name, tt.wantName)
				}
				return
			}
			if n.count() != 1 {
				t.Fatalf("notified %d times, want 1", n.count())
			}
			cred, _ := us.FindCredentials(ctx, "u@example.com")
			if bcrypt.CompareHashAndPassword(cred.Hash, []byte(*tt.upd.Password)) != nil {
				t.Fatal("password not changed")
			}
			if cred.Version != 1 {
				t.Fatalf("credential version = %d after one change, want 1", cred.Version)
			}
			if got.Name != tt.wantName {
				t.Fatalf("name = %q, want %q", got.Name, tt.wantName)
			}
		})
	}
}

func testUpdateUserNotifierError(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	boom := errors.New("sink down")
	s = s.withNotifier(&countingNotifier{err: boom})
	u := mustCreateUser(t, s.Users, "u@example.com")
	signIn(t, s, u.ID, "sid-1")
	pw, old := "another pass", "correct horse"
	if _, err := s.Users.UpdateUser(context.Background(), u.ID, origin.UserUpdate{Password: &pw, CurrentPassword: &old}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the notifier's error", err)
	}
	// The change is stored all the same: only the telling failed.
	if !revokedSIDs(t, s)["sid-1"] {
		t.Fatal("the session's revocation was not stored")
	}
}

func testUpdateUserNotFound(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	name, pw := "x", "another pass"
	_, err := s.Users.UpdateUser(context.Background(), 42, origin.UserUpdate{Name: &name})
	wantCode(t, err, origin.ENOTFOUND)
	_, err = s.Users.UpdateUser(context.Background(), 42, origin.UserUpdate{Password: &pw, CurrentPassword: &pw})
	wantCode(t, err, origin.ENOTFOUND)
	if cutoffs, _ := s.Edge.SubjectsValidAfter(context.Background(), 0, math.MaxInt64, time.Unix(0, 0)); len(cutoffs) != 0 {
		t.Fatalf("a missing user got a cutoff: %v", cutoffs)
	}
}

func testDeleteUser(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	n := &countingNotifier{}
	s = s.withNotifier(n)
	us, ts := s.Users, s.Todos
	ctx := context.Background()
	u := mustCreateUser(t, us, "gone@example.com")
	other := mustCreateUser(t, us, "stays@example.com")
	todo, err := ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := ts.CreateTodo(ctx, other.ID, origin.NewTodo{Title: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := us.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := us.FindUserByID(ctx, u.ID); origin.ErrorCode(err) != origin.ENOTFOUND {
		t.Fatalf("user still there: %v", err)
	}
	if _, err := ts.FindTodo(ctx, u.ID, todo.ID); origin.ErrorCode(err) != origin.ENOTFOUND {
		t.Fatalf("todo survived its user: %v", err)
	}
	if _, err := ts.FindTodo(ctx, other.ID, kept.ID); err != nil {
		t.Fatalf("another user's todo went too: %v", err)
	}
	if cutoff, _ := s.Edge.SubjectValidAfter(ctx, u.Subject()); cutoff != s.Clock.Now().Unix()+1 {
		t.Fatalf("cutoff = %d", cutoff)
	}
	if n.count() != 1 {
		t.Fatalf("notified %d times", n.count())
	}
	wantCode(t, us.DeleteUser(ctx, u.ID), origin.ENOTFOUND)
	_, err = ts.CreateTodo(ctx, u.ID, origin.NewTodo{Title: "for a deleted user"})
	wantCode(t, err, origin.ENOTFOUND)

	// Ids are never reused, not even the highest one: a new account cannot
	// inherit the cutoff or anything else of a deleted one.
	last := mustCreateUser(t, us, "last@example.com")
	if err := us.DeleteUser(ctx, last.ID); err != nil {
		t.Fatal(err)
	}
	again := mustCreateUser(t, us, "gone@example.com")
	if again.ID <= last.ID {
		t.Fatalf("new user got id %d after %d was deleted: ids must never be reused", again.ID, last.ID)
	}
}
