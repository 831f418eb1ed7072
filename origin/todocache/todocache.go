// Package todocache keeps each user's todo list pages in their JSON
// encoding, in front of any origin.TodoService.
//
// Why: profiling the origin under load (GET /users/{id}/todos with 10
// todos, 32 clients) put the SQLite query at ~45% of the server's CPU and
// encoding/json at another ~14%; a list is read far more often than it is
// written. A hit costs a map lookup and hands the handler bytes it writes
// as they are.
//
// Correctness rests on three rules:
//   - Every write through this Service (CreateTodo, UpdateTodo, DeleteTodo,
//     and DeleteUser through Users) drops that user's pages before it
//     returns, even when it fails (a failed write may still have committed),
//     so no read that starts after a write returns sees the old list.
//   - A read that raced a write cannot store what it read: a user's entry
//     carries a generation, a read remembers the entry and generation it
//     started under, and stores its page only if both are unchanged. A
//     write changes the generation after it commits, so a page read before
//     the commit is never kept.
//   - Only this process writes the store. That holds for SQLite (the
//     origin's CLI commands touch keys, never todos); with a database shared
//     by replicas, another process's write would go unseen, so the origin
//     enables this cache for SQLite only.
//
// The cache is bounded in users and in bytes and evicts arbitrary users when
// full (Go's map order is randomised).
package todocache

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/craftingapis/todos/origin"
)

// Options bound the cache. Zero values mean the defaults.
type Options struct {
	// MaxUsers is the number of users whose pages are kept; default 10,000.
	MaxUsers int
	// MaxBytes bounds the encoded pages kept, in all; default 32 MiB.
	MaxBytes int
	// MaxPagesPerUser bounds the distinct (limit, cursor) pages of one
	// user; default 8.
	MaxPagesPerUser int
}

const (
	defaultMaxUsers        = 10_000
	defaultMaxBytes        = 32 << 20
	defaultMaxPagesPerUser = 8
	shards                 = 16
	// entryOverhead approximates a user entry's and a page's bookkeeping.
	entryOverhead = 128
)

// Service is an origin.TodoService that caches list pages. It is safe for
// concurrent use.
type Service struct {
	next   origin.TodoService
	opts   Options
	gens   atomic.Uint64 // source of unique generations
	shards [shards]shard
	hits   atomic.Uint64
	misses atomic.Uint64
}

type shard struct {
	mu    sync.Mutex
	users map[int64]*userPages
	bytes int
	_     [64]byte // keep shards' mutexes off each other's cache lines
}

type userPages struct {
	gen   uint64
	pages map[pageKey][]byte
	bytes int
}

type pageKey struct {
	limit int
	after string
}

var _ origin.TodoService = (*Service)(nil)

// New returns next with its list pages cached.
func New(next origin.TodoService, opts Options) *Service {
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = defaultMaxUsers
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	if opts.MaxPagesPerUser <= 0 {
		opts.MaxPagesPerUser = defaultMaxPagesPerUser
	}
	s := &Service{next: next, opts: opts}
	for i := range s.shards {
		s.shards[i].users = make(map[int64]*userPages)
	}
	return s
}

func (s *Service) shard(userID int64) *shard { return &s.shards[uint64(userID)%shards] }

// ListTodosJSON returns the page ListTodos would return, encoded as
// encoding/json encodes an origin.TodoPage (with "todos" never null). The
// bytes are shared with other callers: they must not be modified.
func (s *Service) ListTodosJSON(ctx context.Context, userID int64, limit int, after string) ([]byte, error) {
	if limit == 0 {
		limit = origin.DefaultTodoLimit // one key for "default" and its value
	}
	key := pageKey{limit, after}
	sh := s.shard(userID)
	sh.mu.Lock()
	u := sh.users[userID]
	if u != nil {
		if body, ok := u.pages[key]; ok {
			sh.mu.Unlock()
			s.hits.Add(1)
			return body, nil
		}
	} else {
		if len(sh.users) >= max(1, s.opts.MaxUsers/shards) {
			for id, other := range sh.users { // make room: one arbitrary user
				delete(sh.users, id)
				sh.bytes -= other.bytes
				break
			}
		}
		u = &userPages{gen: s.gens.Add(1), pages: map[pageKey][]byte{}}
		sh.users[userID] = u
	}
	gen := u.gen
	sh.mu.Unlock()
	s.misses.Add(1)

	page, err := s.next.ListTodos(ctx, userID, limit, after)
	if err != nil {
		return nil, err
	}
	body, err := encodePage(page)
	if err != nil {
		return nil, err
	}
	s.store(sh, userID, u, gen, key, body)
	return body, nil
}

// store keeps body if u is still the user's entry at generation gen, that
// is, if no write to the user's todos began committing since the read did.
func (s *Service) store(sh *shard, userID int64, u *userPages, gen uint64, key pageKey, body []byte) {
	size := entryOverhead + len(key.after) + len(body)
	perShard := s.opts.MaxBytes / shards
	if size > perShard {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.users[userID] != u || u.gen != gen {
		return
	}
	if _, ok := u.pages[key]; ok {
		return // a concurrent read stored the same page
	}
	if len(u.pages) >= s.opts.MaxPagesPerUser {
		for k, b := range u.pages {
			delete(u.pages, k)
			u.bytes -= entryOverhead + len(k.after) + len(b)
			sh.bytes -= entryOverhead + len(k.after) + len(b)
			break
		}
	}
	maxUsers := max(1, s.opts.MaxUsers/shards)
	for id, other := range sh.users {
		if len(sh.users) <= maxUsers && sh.bytes+size <= perShard {
			break
		}
		if other != u {
			delete(sh.users, id)
			sh.bytes -= other.bytes
		}
	}
	if sh.bytes+size > perShard {
		return
	}
	u.pages[key] = body
	u.bytes += size
	sh.bytes += size
}

// invalidate drops userID's pages and moves its generation on, so that a
// read in flight cannot store what it read before the write.
func (s *Service) invalidate(userID int64) {
	sh := s.shard(userID)
	sh.mu.Lock()
	if u := sh.users[userID]; u != nil {
		u.gen = s.gens.Add(1)
		sh.bytes -= u.bytes
		u.bytes = 0
		clear(u.pages)
	}
	sh.mu.Unlock()
}

// encodePage encodes page exactly as the HTTP layer encodes a TodoPage.
func encodePage(page *origin.TodoPage) ([]byte, error) {
	if page.Todos == nil {
		p := *page
		p.Todos = []*origin.Todo{}
		page = &p
	}
	return json.Marshal(page)
}

// ListTodos passes through: it returns a fresh page the caller may modify.
// The HTTP layer uses ListTodosJSON.
func (s *Service) ListTodos(ctx context.Context, userID int64, limit int, after string) (*origin.TodoPage, error) {
	return s.next.ListTodos(ctx, userID, limit, after)
}

// FindTodo passes through.
func (s *Service) FindTodo(ctx context.Context, userID, todoID int64) (*origin.Todo, error) {
	return s.next.FindTodo(ctx, userID, todoID)
}

// CreateTodo writes through and drops the user's pages.
func (s *Service) CreateTodo(ctx context.Context, userID int64, in origin.NewTodo) (*origin.Todo, error) {
	defer s.invalidate(userID)
	return s.next.CreateTodo(ctx, userID, in)
}

// UpdateTodo writes through and drops the user's pages.
func (s *Service) UpdateTodo(ctx context.Context, userID, todoID int64, upd origin.TodoUpdate) (*origin.Todo, error) {
	defer s.invalidate(userID)
	return s.next.UpdateTodo(ctx, userID, todoID, upd)
}

// DeleteTodo writes through and drops the user's pages.
func (s *Service) DeleteTodo(ctx context.Context, userID, todoID int64) error {
	defer s.invalidate(userID)
	return s.next.DeleteTodo(ctx, userID, todoID)
}

// Users returns users with DeleteUser dropping the deleted user's pages:
// deleting a user deletes their todos in the store. Every other method
// passes through.
func (s *Service) Users(users origin.UserService) origin.UserService {
	return &userService{UserService: users, cache: s}
}

type userService struct {
	origin.UserService
	cache *Service
}

func (u *userService) DeleteUser(ctx context.Context, id int64) error {
	defer u.cache.invalidate(id)
	return u.UserService.DeleteUser(ctx, id)
}

// Stats reports the cache's hits and misses since New.
func (s *Service) Stats() (hits, misses uint64) { return s.hits.Load(), s.misses.Load() }
