package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// hookedCredentials runs afterFind once a login has read a credential,
// before its bcrypt comparison: the window a racing change falls in.
type hookedCredentials struct {
	tokens.CredentialStore
	mu        sync.Mutex
	afterFind func()
}

func (h *hookedCredentials) FindCredentials(ctx context.Context, email string) (tokens.Credential, error) {
	c, err := h.CredentialStore.FindCredentials(ctx, email)
	h.mu.Lock()
	hook := h.afterFind
	h.afterFind = nil
	h.mu.Unlock()
	if hook != nil {
		hook()
	}
	return c, err
}

func (h *hookedCredentials) set(hook func()) { h.mu.Lock(); h.afterFind = hook; h.mu.Unlock() }

// testLoginRacesCredentialChange: a login and a password change (or a
// deletion) of the same account, many times, in both orders forced by a
// hook and truly at once; a login that succeeds never yields a token the
// change does not end (its session is revoked by the password change, or
// its iat is before the deletion's cutoff).
func testLoginRacesCredentialChange(t *testing.T, open func(t *testing.T) Store) {
	const rounds = 25
	s := open(t)
	ctx := context.Background()
	if _, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	creds := &hookedCredentials{CredentialStore: s.Users}
	iss, err := tokens.NewIssuer(tokens.IssuerOptions{
		Issuer: "https://origin.test", Audiences: []string{"todos"}, BcryptCost: BcryptCost,
		Credentials: creds, Keys: s.Keys, Sessions: s.Sessions, Now: s.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	// survives reports whether a token's session is not revoked and it
	// still passes the subject cutoff.
	survives := func(t *testing.T, tok *origin.Token) bool {
		t.Helper()
		var c tokens.Claims
		if _, _, err := jwt.NewParser().ParseUnverified(tok.Token, &c); err != nil {
			t.Fatal(err)
		}
		cutoff, err := s.Edge.SubjectValidAfter(ctx, c.Subject)
		if err != nil {
			t.Fatal(err)
		}
		return !revokedSIDs(t, s)[c.SID] && c.IssuedAt.Unix() >= cutoff
	}
	login := func(email, pw string) (*origin.Token, error) {
		return iss.Authenticate(ctx, origin.Credentials{Email: email, Password: pw})
	}
	var survivors, refused, ended int
	for i := range rounds {
		// A second apart: a cutoff of the last round is never ahead of the
		// clock (the issuer would wait for it).
		s.Clock.Advance(2 * time.Second)
		email := fmt.Sprintf("race%d@example.com", i)
		u := mustCreateUser(t, s.Users, email)
		old, next := "correct horse", "battery staple"
		change := func() error {
			_, err := s.Users.UpdateUser(ctx, u.ID, origin.UserUpdate{Password: &next, CurrentPassword: &old})
			return err
		}

		// The change commits while the login's bcrypt runs.
		creds.set(func() {
			if err := change(); err != nil {
				t.Error(err)
			}
		})
		tok, err := login(email, old)
		if err == nil && survives(t, tok) {
			survivors++
		} else if err != nil {
			wantCode(t, err, origin.EUNAUTHORIZED)
			refused++
		}

		// A deletion does the same.
		s.Clock.Advance(2 * time.Second)
		creds.set(func() {
			if err := s.Users.DeleteUser(ctx, u.ID); err != nil {
				t.Error(err)
			}
		})
		if tok, err := login(email, next); err == nil && survives(t, tok) {
			survivors++
		} else if err != nil {
			wantCode(t, err, origin.EUNAUTHORIZED)
			refused++
		}

		// Truly at once: whichever commits first, no survivor.
		s.Clock.Advance(2 * time.Second)
		email = fmt.Sprintf("race%d-b@example.com", i)
		u = mustCreateUser(t, s.Users, email)
		var wg sync.WaitGroup
		start := make(chan struct{})
		var tok2 *origin.Token
		var err2, cerr error
		wg.Add(2)
		go func() { defer wg.Done(); <-start; tok2, err2 = login(email, old) }()
		go func() { defer wg.Done(); <-start; cerr = change() }()
		close(start)
		wg.Wait()
		if cerr != nil {
			t.Fatal(cerr)
		}
		switch {
		case err2 != nil:
			wantCode(t, err2, origin.EUNAUTHORIZED)
			refused++
		case survives(t, tok2):
			survivors++
		default:
			ended++
		}
	}
	t.Logf("%d rounds: %d logins refused, %d tokens ended by the change, %d survived", rounds, refused, ended, survivors)
	if survivors != 0 {
		t.Fatalf("%d tokens issued for a password checked before a change survived it", survivors)
	}
}
