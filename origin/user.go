package origin

import (
	"context"
	"time"
)

// User is an account. Its password hash never leaves the store layer.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"-"`
}

// Subject is the token subject of a user: "users/<id>".
func (u *User) Subject() string { return SubjectOf(u.ID) }

// NewUser is the input of POST /users. Implementations trim and lower-case the
// email, validate it, require a password of 8 to 72 bytes (bcrypt's limit:
// longer is rejected, never truncated) and a name of 1 to 200 characters.
type NewUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// UserUpdate is the input of PATCH /users/{id}; nil fields stay as they are.
// A new Password needs the CurrentPassword: a stolen token alone must not
// take the account for good.
type UserUpdate struct {
	Name            *string `json:"name"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"current_password"`
	// KeepSession is the session that asks for the change (the sid of its
	// token), which a password change leaves running; never read from a
	// request body. Empty ends every session.
	KeepSession string `json:"-"`
}

// UserService manages accounts.
type UserService interface {
	// CreateUser registers a user. ECONFLICT when the email is taken.
	CreateUser(ctx context.Context, in NewUser) (*User, error)
	// FindUserByID returns ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// UpdateUser changes the name and/or password. A password change needs
	// the current password (EINVALID when it is missing, ECURRENTPASSWORD
	// when it is wrong or changed meanwhile), ends every session of the user
	// except upd.KeepSession, and returns only once their access tokens are
	// refused.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// DeleteUser removes the user, their todos and sessions, and ends every
	// token of theirs (the subject cutoff in EdgeStore).
	DeleteUser(ctx context.Context, id int64) error
}
