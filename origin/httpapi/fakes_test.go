package httpapi

import (
	"context"
	"maps"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// The fakes below implement the root interfaces in memory, with the
// validation the real services promise, so that handler tests exercise the
// real error paths. A non-nil panicWith makes every method panic.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type fakeUsers struct {
	mu        sync.Mutex
	next      int64
	byID      map[int64]*origin.User
	err       error // returned by every method when set
	panicWith any
	passwords map[int64]string // by id, as created or last changed
	kept      []string         // KeepSession of every password change
}

func newFakeUsers() *fakeUsers { return &fakeUsers{byID: map[int64]*origin.User{}} }

func (f *fakeUsers) CreateUser(_ context.Context, in origin.NewUser) (*origin.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicWith != nil {
		panic(f.panicWith)
	}
	if f.err != nil {
		return nil, f.err
	}
	email, err := origin.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if err := origin.ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	name, err := origin.NormalizeName(in.Name)
	if err != nil {
		return nil, err
	}
	for _, u := range f.byID {
		if u.Email == email {
			return nil, origin.Errorf(origin.ECONFLICT, "email already registered")
		}
	}
	f.next++
	u := &origin.User{ID: f.next, Email: email, Name: name, CreatedAt: t0, UpdatedAt: t0}
	f.byID[u.ID] = u
	if f.passwords == nil {
		f.passwords = map[int64]string{}
	}
	f.passwords[u.ID] = in.Password
	return u, nil
}

func (f *fakeUsers) FindUserByID(_ context.Context, id int64) (*origin.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	u, ok := f.byID[id]
	if !ok {
		return nil, origin.Errorf(origin.ENOTFOUND, "user not found")
	}
	return u, nil
}

func (f *fakeUsers) UpdateUser(_ context.Context, id int64, upd origin.UserUpdate) (*origin.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.byID[id]
	if !ok {
		return nil, origin.Errorf(origin.ENOTFOUND, "user not found")
	}
	if upd.Password != nil {
		if err := origin.ValidatePassword(*upd.Password); err != nil {
			return nil, err
		}
		if upd.CurrentPassword == nil {
			return nil, origin.Errorf(origin.EINVALID, "current_password is required to change the password")
		}
		if want, ok := f.passwords[id]; ok && *upd.CurrentPassword != want {
			return nil, origin.Errorf(origin.ECURRENTPASSWORD, "current_password is not the account's password")
		}
		if f.passwords == nil {
			f.passwords = map[int64]string{}
		}
		f.passwords[id] = *upd.Password
		f.kept = append(f.kept, upd.KeepSession)
	}
	if upd.Name != nil {
		n, err := origin.NormalizeName(*upd.Name)
		if err != nil {
			return nil, err
		}
		u.Name = n
	}
	return u, nil
}

func (f *fakeUsers) DeleteUser(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byID[id]; !ok {
		return origin.Errorf(origin.ENOTFOUND, "user not found")
	}
	delete(f.byID, id)
	return nil
}

type fakeTodos struct {
	mu   sync.Mutex
	next int64
	all  map[int64]*origin.Todo
}

func newFakeTodos() *fakeTodos { return &fakeTodos{all: map[int64]*origin.Todo{}} }

func (f *fakeTodos) CreateTodo(_ context.Context, uid int64, in origin.NewTodo) (*origin.Todo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	title, err := origin.NormalizeTitle(in.Title)
	if err != nil {
		return nil, err
	}
	f.next++
	t := &origin.Todo{ID: f.next, UserID: uid, Title: title, Completed: in.Completed, CreatedAt: t0, UpdatedAt: t0}
	f.all[t.ID] = t
	return t, nil
}

func (f *fakeTodos) FindTodo(_ context.Context, uid, tid int64) (*origin.Todo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.all[tid]
	if !ok || t.UserID != uid {
		return nil, origin.Errorf(origin.ENOTFOUND, "todo not found")
	}
	return t, nil
}

// ListTodos pages by id, newest first; the cursor is "c<id>".
func (f *fakeTodos) ListTodos(_ context.Context, uid int64, limit int, after string) (*origin.TodoPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if limit == 0 {
		limit = origin.DefaultTodoLimit
	}
	if limit < 1 || limit > origin.MaxTodoLimit {
		return nil, origin.Errorf(origin.EINVALID, "bad limit")
	}
	var below int64 = 1 << 62
	if after != "" {
		n, err := strconv.ParseInt(after[min(1, len(after)):], 10, 64)
		if err != nil || after[0] != 'c' {
			return nil, origin.Errorf(origin.EINVALID, "after is not a cursor from this API")
		}
		below = n
	}
	var ts []*origin.Todo
	for _, t := range f.all {
		if t.UserID == uid && t.ID < below {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID > ts[j].ID })
	page := &origin.TodoPage{}
	if len(ts) > limit {
		ts = ts[:limit]
		c := "c" + strconv.FormatInt(ts[limit-1].ID, 10)
		page.Next = &c
	}
	page.Todos = ts
	return page, nil
}

func (f *fakeTodos) UpdateTodo(_ context.Context, uid, tid int64, upd origin.TodoUpdate) (*origin.Todo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.all[tid]
	if !ok || t.UserID != uid {
		return nil, origin.Errorf(origin.ENOTFOUND, "todo not found")
	}
	if upd.Title != nil {
		title, err := origin.NormalizeTitle(*upd.Title)
		if err != nil {
			return nil, err
		}
		t.Title = title
	}
	if upd.Completed != nil {
		t.Completed = *upd.Completed
	}
	return t, nil
}

func (f *fakeTodos) DeleteTodo(_ context.Context, uid, tid int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.all[tid]
	if !ok || t.UserID != uid {
		return origin.Errorf(origin.ENOTFOUND, "todo not found")
	}
	delete(f.all, tid)
	return nil
}

type fakeAuth struct {
	mu      sync.Mutex
	users   *fakeUsers
	pass    map[string]string // email -> password
	refresh map[string]bool   // refresh tokens that work once
	ended   []string          // sids passed to Logout
	err     error
}

func (f *fakeAuth) Authenticate(_ context.Context, c origin.Credentials) (*origin.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if c.Scope != "" && c.Scope != origin.DefaultScope && c.Scope != origin.ScopeTodosRead {
		return nil, origin.Errorf(origin.EINVALIDSCOPE, "scope asks for more than allowed")
	}
	if p, ok := f.pass[c.Email]; !ok || p != c.Password {
		return nil, origin.Errorf(origin.EUNAUTHORIZED, "wrong email or password")
	}
	return &origin.Token{Token: "tok-" + c.Email, TokenType: "Bearer", ExpiresIn: 600, RefreshToken: "rt-" + c.Email, RefreshExpiresIn: 1209600}, nil
}

func (f *fakeAuth) Refresh(_ context.Context, rt string) (*origin.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if !f.refresh[rt] {
		return nil, origin.Errorf(origin.EINVALIDGRANT, "the refresh token is invalid, expired or revoked")
	}
	delete(f.refresh, rt)
	return &origin.Token{Token: "tok-refreshed", TokenType: "Bearer", ExpiresIn: 600, RefreshToken: rt + "+", RefreshExpiresIn: 1209600}, nil
}

func (f *fakeAuth) Logout(_ context.Context, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, sid)
	return f.err
}

// fakeSessions holds sessions by user; EndSession removes one.
type fakeSessions struct {
	mu     sync.Mutex
	byUser map[int64][]*origin.Session
}

func (f *fakeSessions) ListSessions(_ context.Context, uid int64) ([]*origin.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*origin.Session
	for _, s := range f.byUser[uid] {
		c := *s
		out = append(out, &c)
	}
	return out, nil
}

func (f *fakeSessions) EndSession(_ context.Context, uid int64, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, s := range f.byUser[uid] {
		if s.ID == sid {
			f.byUser[uid] = append(f.byUser[uid][:i], f.byUser[uid][i+1:]...)
			return nil
		}
	}
	return origin.Errorf(origin.ENOTFOUND, "session not found")
}

type fakeControl struct {
	doc      *origin.EdgeDocument
	full     []byte
	fullETag string
}

func (f *fakeControl) Current() *origin.EdgeDocument { return f.doc }
func (f *fakeControl) FullConfig() ([]byte, string, error) {
	return f.full, f.fullETag, nil
}
func (f *fakeControl) Refresh(context.Context) error { return nil }

// authorizerFunc adapts a function to origin.Authorizer and records the
// requests it was asked about.
type authorizerFunc struct {
	mu   sync.Mutex
	seen []*edgeauth.Request
	fn   func(*edgeauth.Request) (edgeauth.Decision, error)
}

func (a *authorizerFunc) Authorize(_ context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	// A copy: the auth step reuses req's header map once this returns.
	seen := *req
	seen.Headers = maps.Clone(req.Headers)
	a.mu.Lock()
	a.seen = append(a.seen, &seen)
	a.mu.Unlock()
	return a.fn(req)
}
