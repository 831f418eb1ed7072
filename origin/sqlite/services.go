package sqlite

import "github.com/craftingapis/todos/origin/sqlstore"

// The services, shared with every SQL backend (package sqlstore).
type (
	// UserService implements origin.UserService and tokens.CredentialStore.
	UserService = sqlstore.UserService
	// TodoService implements origin.TodoService.
	TodoService = sqlstore.TodoService
	// KeyService implements origin.KeyService and tokens.KeyStore.
	KeyService = sqlstore.KeyService
)

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return sqlstore.NewUserService(db.Store) }

// NewTodoService returns the todo service of db.
func NewTodoService(db *DB) *TodoService { return sqlstore.NewTodoService(db.Store) }

// NewKeyService returns the key service of db.
func NewKeyService(db *DB) *KeyService { return sqlstore.NewKeyService(db.Store) }
