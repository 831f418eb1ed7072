package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// UserService implements origin.UserService and tokens.CredentialStore.
// Passwords are hashed here with bcrypt at Options.BcryptCost.
type UserService struct {
	db       *Store
	notifier origin.Notifier // may be nil
}

var (
	_ origin.UserService     = (*UserService)(nil)
	_ tokens.CredentialStore = (*UserService)(nil)
)

// NewUserService returns the user service of db. A password change or a
// deletion returns only after n, when not nil, has been refreshed.
func NewUserService(db *Store, n origin.Notifier) *UserService {
	return &UserService{db: db, notifier: n}
}

var errUserNotFound = origin.Errorf(origin.ENOTFOUND, "user not found")

const userColumns = `id, email, name, created_at, updated_at`

func (s *UserService) scanUser(row *sql.Row) (*origin.User, error) {
	var u origin.User
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errUserNotFound
		}
		return nil, s.db.wrap("user", err)
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &u, nil
}

// CreateUser validates and stores a new account. ECONFLICT when the
// (normalised) email is taken.
func (s *UserService) CreateUser(ctx context.Context, in origin.NewUser) (*origin.User, error) {
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
	hash, err := s.hash(in.Password)
	if err != nil {
		return nil, err
	}
	var u *origin.User
	err = s.db.write(ctx, func(q querier) error {
		now := micros(s.db.opts.Now())
		u, err = s.scanUser(q.QueryRowContext(ctx, s.db.q(`INSERT INTO users (email, name, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING `+userColumns), email, name, hash, now, now))
		return err
	})
	if s.db.d.IsUniqueViolation(err) {
		return nil, origin.Errorf(origin.ECONFLICT, "a user with this email already exists")
	}
	return u, err
}

func (s *UserService) hash(password string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.db.opts.BcryptCost)
	if err != nil {
		return nil, s.db.wrap("hash password", err)
	}
	return h, nil
}

// FindUserByID returns the user, or ENOTFOUND.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*origin.User, error) {
	return s.scanUser(s.db.r.QueryRowContext(ctx, s.db.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
}

// FindCredentials implements tokens.CredentialStore. email must already be
// normalised.
func (s *UserService) FindCredentials(ctx context.Context, email string) (tokens.Credential, error) {
	var c tokens.Credential
	err := s.db.r.QueryRowContext(ctx, s.db.q(`SELECT id, password_hash, credential_version FROM users WHERE email = ?`), email).
		Scan(&c.UserID, &c.Hash, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return tokens.Credential{}, errUserNotFound
	} else if err != nil {
		return tokens.Credential{}, s.db.wrap("credentials", err)
	}
	return c, nil
}

// ConfirmCredential implements tokens.CredentialStore. The transaction runs
// on the writer and locks the user's row (SQLite: the IMMEDIATE transaction
// holds the database's write lock; PostgreSQL: SELECT ... FOR UPDATE), the
// lock every password change and deletion takes before it reads the clock
// for its cutoff; so issue's clock reading is ordered with theirs.
func (s *UserService) ConfirmCredential(ctx context.Context, id, version int64, issue func(validAfter int64) error) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var current int64
		err := tx.QueryRowContext(ctx, s.db.q(`SELECT credential_version FROM users WHERE id = ?`+s.db.d.ForUpdate), id).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && current != version) {
			return tokens.ErrCredentialChanged
		} else if err != nil {
			return s.db.wrap("confirm credential", err)
		}
		var validAfter int64
		err = tx.QueryRowContext(ctx, s.db.q(`SELECT valid_after FROM subject_cutoffs WHERE subject = ?`), origin.SubjectOf(id)).Scan(&validAfter)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s.db.wrap("subject cutoff", err)
		}
		return issue(validAfter)
	})
}

// UpdateUser changes the name and/or the password. A password change needs
// the current password, checked against the hash of a credential version
// that the update then requires (so two changes cannot both pass with the
// same old password); it moves the version, ends every session of the user
// but upd.KeepSession in the same transaction (their refresh tokens stop
// working, their sids are revoked) and returns only after the auth step has
// been told.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd origin.UserUpdate) (*origin.User, error) {
	var name string
	var hash []byte
	var version int64
	var err error
	if upd.Name != nil {
		if name, err = origin.NormalizeName(*upd.Name); err != nil {
			return nil, err
		}
	}
	if upd.Password != nil {
		if err := origin.ValidatePassword(*upd.Password); err != nil {
			return nil, err
		}
		if version, err = s.checkCurrentPassword(ctx, id, upd.CurrentPassword); err != nil {
			return nil, err
		}
		if hash, err = s.hash(*upd.Password); err != nil {
			return nil, err
		}
	}
	var u *origin.User
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		u, err = s.scanUser(tx.QueryRowContext(ctx, s.db.q(`UPDATE users SET
				name = CASE WHEN ? THEN ? ELSE name END,
				password_hash = CASE WHEN ? THEN ? ELSE password_hash END,
				credential_version = credential_version + CASE WHEN ? THEN 1 ELSE 0 END,
				updated_at = ?
			WHERE id = ? AND (? OR credential_version = ?) RETURNING `+userColumns),
			upd.Name != nil, name, hash != nil, hash, hash != nil, micros(s.db.opts.Now()), id, hash == nil, version))
		if errors.Is(err, errUserNotFound) && hash != nil {
			if _, ferr := s.scanUser(tx.QueryRowContext(ctx, s.db.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id)); ferr == nil {
				return errCurrentPasswordChanged
			}
		}
		if err != nil || hash == nil {
			return err
		}
		// The sessions are ended only now that the user's row is locked:
		// a sign-in storing its session either finished before (and its
		// session ends here) or sees the new version and is refused.
		_, err = s.db.endSessions(ctx, tx, s.db.opts.Now(), `user_id = ? AND id <> ?`, id, upd.KeepSession)
		return err
	})
	if err != nil {
		return nil, err
	}
	if hash != nil {
		if err := s.db.notify(ctx, s.notifier); err != nil {
			return nil, err
		}
	}
	return u, nil
}

var (
	errCurrentPasswordMissing = origin.Errorf(origin.EINVALID, "current_password is required to change the password")
	errCurrentPasswordWrong   = origin.Errorf(origin.ECURRENTPASSWORD, "current_password is not the account's password")
	errCurrentPasswordChanged = origin.Errorf(origin.ECURRENTPASSWORD, "the password changed meanwhile; send the new current_password")
)

// checkCurrentPassword compares current with user id's password hash and
// returns the credential version it belongs to. A password longer than
// bcrypt reads is never the account's (it would be compared truncated).
func (s *UserService) checkCurrentPassword(ctx context.Context, id int64, current *string) (int64, error) {
	if current == nil {
		return 0, errCurrentPasswordMissing
	}
	var hash []byte
	var version int64
	err := s.db.r.QueryRowContext(ctx, s.db.q(`SELECT password_hash, credential_version FROM users WHERE id = ?`), id).Scan(&hash, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errUserNotFound
	} else if err != nil {
		return 0, s.db.wrap("credentials", err)
	}
	if len(*current) > origin.MaxPasswordLen || bcrypt.CompareHashAndPassword(hash, []byte(*current)) != nil {
		return 0, errCurrentPasswordWrong
	}
	return version, nil
}

// DeleteUser removes the account and (by cascade) its todos and sessions,
// cuts off every token of its subject, and returns after the auth step has
// been told.
// ENOTFOUND when there is no such user.
func (s *UserService) DeleteUser(ctx context.Context, id int64) error {
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.db.q(`DELETE FROM users WHERE id = ?`), id))
		if err != nil {
			return s.db.wrap("delete user", err)
		} else if n == 0 {
			return errUserNotFound
		}
		// Read after the row is gone (and locked): see UpdateUser.
		return s.db.cutSubject(ctx, tx, origin.SubjectOf(id), s.db.opts.Now())
	})
	if err != nil {
		return err
	}
	return s.db.notify(ctx, s.notifier)
}

// affected returns the number of rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
