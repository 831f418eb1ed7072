package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/craftingapis/todos/origin/sqlstore"
)

// Account is a user of a running origin with todos and tokens to read them.
type Account struct {
	ID     int64
	Tokens []string // distinct tokens (distinct jti) of this user
}

// Setup creates a user with nTodos todos and logs in nTokens times (each
// login issues a distinct token), logging in from `parallel` goroutines.
// The origin should run with a low AUTH_BCRYPT_COST so this is quick.
// nTokens must not pass sqlstore.MaxSessionsPerUser (see SetupAccounts).
func Setup(ctx context.Context, c *http.Client, base string, nTodos, nTokens, parallel int) (*Account, error) {
	return setupAccount(ctx, c, base, "bench@example.com", nTodos, nTokens, parallel)
}

// SetupAccounts is Setup for any number of tokens: the origin keeps at
// most sqlstore.MaxSessionsPerUser live sessions per user (a sign-in
// beyond them revokes the oldest session's tokens), so the tokens are
// spread over as many users as that takes, each with nTodos todos.
func SetupAccounts(ctx context.Context, c *http.Client, base string, nTodos, nTokens, parallel int) ([]*Account, error) {
	var accts []*Account
	for i := 0; i == 0 || i*sqlstore.MaxSessionsPerUser < nTokens; i++ {
		n := min(sqlstore.MaxSessionsPerUser, nTokens-i*sqlstore.MaxSessionsPerUser)
		a, err := setupAccount(ctx, c, base, "bench-"+strconv.Itoa(i)+"@example.com", nTodos, max(n, 1), parallel)
		if err != nil {
			return nil, err
		}
		accts = append(accts, a)
	}
	return accts, nil
}

func setupAccount(ctx context.Context, c *http.Client, base, email string, nTodos, nTokens, parallel int) (*Account, error) {
	const password = "correct horse battery staple"
	var u struct {
		ID int64 `json:"id"`
	}
	if err := call(ctx, c, "POST", base+"/users", "", map[string]any{"email": email, "password": password, "name": "Bench"}, http.StatusCreated, &u); err != nil {
		return nil, err
	}
	a := &Account{ID: u.ID, Tokens: make([]string, nTokens)}
	login := func() (string, error) {
		var t struct {
			Token string `json:"token"`
		}
		err := call(ctx, c, "POST", base+"/authenticate", "", map[string]any{"email": email, "password": password}, http.StatusOK, &t)
		return t.Token, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, parallel)
	for p := range parallel {
		wg.Go(func() {
			for i := p; i < nTokens; i += parallel {
				tok, err := login()
				if err != nil {
					errs <- err
					return
				}
				a.Tokens[i] = tok
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	if nTokens == 0 {
		return a, nil
	}
	for i := range nTodos {
		todo := map[string]any{"title": "todo number " + strconv.Itoa(i+1), "completed": i%3 == 0}
		if err := call(ctx, c, "POST", a.TodosURL(base), a.Tokens[0], todo, http.StatusCreated, nil); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// TodosURL is the account's todo list.
func (a *Account) TodosURL(base string) string {
	return base + "/users/" + strconv.FormatInt(a.ID, 10) + "/todos"
}

// call sends a JSON request and decodes a JSON answer into out (if non-nil).
func call(ctx context.Context, c *http.Client, method, url, token string, in any, status int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("bench: %s %s: status %d, want %d: %s", method, url, resp.StatusCode, status, tail(b, 300))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
