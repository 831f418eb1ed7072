package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// refused checks that token no longer opens u's profile: 401 invalid_token.
func refused(t testing.TB, o *originProc, u user, token string) {
	t.Helper()
	r := o.do(t, "GET", u.path(), req{token: token})
	r.problem(t, http.StatusUnauthorized, "invalid_token")
	r.challenge(t, "invalid_token")
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)

	t.Run("logout ends that session only", func(t *testing.T) {
		u := o.register(t, "logout")
		s1, s2 := o.signIn(t, u, ""), o.signIn(t, u, "")
		o.do(t, "DELETE", "/authenticate", req{token: s1.Token}).noContent(t)
		refused(t, o, u, s1.Token)
		o.do(t, "DELETE", "/authenticate", req{token: s1.Token}).problem(t, http.StatusUnauthorized, "invalid_token")
		o.do(t, "POST", "/authenticate/refresh", req{body: fmt.Sprintf(`{"refresh_token":%q}`, s1.RefreshToken)}).problem(t, 400, "invalid_grant")
		o.do(t, "GET", u.path(), req{token: s2.Token}).json(t, 200, nil)
	})

	t.Run("password change ends every other session", func(t *testing.T) {
		u := o.register(t, "pwchange")
		changer, other := o.signIn(t, u, ""), o.signIn(t, u, "")
		o.secret("a-brand-new-password")
		// The token alone cannot change the password.
		o.do(t, "PATCH", u.path(), req{token: changer.Token, body: `{"password":"a-brand-new-password"}`}).problem(t, http.StatusBadRequest, "invalid")
		o.do(t, "PATCH", u.path(), req{token: changer.Token, body: `{"password":"a-brand-new-password","current_password":"not-the-password"}`}).
			problem(t, http.StatusForbidden, "invalid_current_password")
		o.do(t, "PATCH", u.path(), req{token: changer.Token, body: fmt.Sprintf(`{"password":"a-brand-new-password","current_password":%q}`, u.password)}).json(t, 200, nil)
		refused(t, o, u, other.Token)
		o.do(t, "POST", "/authenticate/refresh", req{body: fmt.Sprintf(`{"refresh_token":%q}`, other.RefreshToken)}).problem(t, 400, "invalid_grant")
		// The session that made the change stays signed in.
		o.do(t, "GET", u.path(), req{token: changer.Token}).json(t, 200, nil)
		o.do(t, "POST", "/authenticate", req{body: fmt.Sprintf(`{"email":%q,"password":%q}`, u.email, u.password)}).problem(t, 401, "")
		u.password = "a-brand-new-password"
		fresh := o.login(t, u, "") // issued after the change: works at once
		o.do(t, "GET", u.path(), req{token: fresh}).json(t, 200, nil)
	})

	t.Run("a name change ends nothing", func(t *testing.T) {
		u := o.register(t, "rename")
		tok := o.login(t, u, "")
		o.do(t, "PATCH", u.path(), req{token: tok, body: `{"name":"New Name"}`}).json(t, 200, nil)
		o.do(t, "GET", u.path(), req{token: tok}).json(t, 200, nil)
	})

	t.Run("deletion ends every token", func(t *testing.T) {
		u := o.register(t, "deleted")
		s1, s2 := o.signIn(t, u, ""), o.signIn(t, u, "")
		o.do(t, "DELETE", u.path(), req{token: s1.Token}).noContent(t)
		refused(t, o, u, s1.Token)
		refused(t, o, u, s2.Token)
		o.do(t, "POST", "/authenticate/refresh", req{body: fmt.Sprintf(`{"refresh_token":%q}`, s2.RefreshToken)}).problem(t, 400, "invalid_grant")
	})
}

// TestKeyRotation: `origin keys rotate`, run as a second process on the same
// database, makes a new key active at once for a running origin; a token of
// the old key stays valid until it expires, then is refused; the old key
// leaves the JWKS once no token it signed can still be valid.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	const lifetime = 4 * time.Second
	o := startOrigin(t, func(env map[string]string) { env["AUTH_TOKEN_LIFETIME"] = lifetime.String() })
	u := o.register(t, "rotation")
	oldTok := o.login(t, u, "")
	oldKid := jwtPart(t, oldTok, 0)["kid"].(string)
	exp := int64(jwtPart(t, oldTok, 1)["exp"].(float64))

	o.runCLI(t, "keys", "rotate")
	newTok := o.login(t, u, "")
	newKid := jwtPart(t, newTok, 0)["kid"].(string)
	if newKid == oldKid {
		t.Fatalf("after rotation tokens still use kid %s", oldKid)
	}
	o.do(t, "GET", u.path(), req{token: newTok}).json(t, 200, nil)
	o.do(t, "GET", u.path(), req{token: oldTok}).json(t, 200, nil) // old key still verifies
	if kids := jwksKids(t, o); !slices.Contains(kids, oldKid) || !slices.Contains(kids, newKid) {
		t.Fatalf("JWKS kids %v, want both %s and %s", kids, oldKid, newKid)
	}
	list := o.runCLI(t, "keys", "list")
	for _, kid := range []string{oldKid, newKid} {
		if !strings.Contains(list, kid) {
			t.Errorf("keys list lacks %s:\n%s", kid, list)
		}
	}

	// Past the old token's exp (leeway is 0), it is refused.
	time.Sleep(time.Until(time.Unix(exp+1, 0)))
	refused(t, o, u, oldTok)
	again := o.login(t, u, "")
	if kid := jwtPart(t, again, 0)["kid"]; kid != newKid {
		t.Errorf("a token after rotation has kid %v, want %s", kid, newKid)
	}
	o.do(t, "GET", u.path(), req{token: again}).json(t, 200, nil)

	// Every token of the old key has expired by now: it leaves the JWKS.
	deadline := time.Now().Add(lifetime + 10*time.Second)
	for slices.Contains(jwksKids(t, o), oldKid) {
		if time.Now().After(deadline) {
			t.Fatalf("the retired key %s is still in the JWKS", oldKid)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func jwksKids(t testing.TB, o *originProc) []string {
	t.Helper()
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	o.do(t, "GET", "/.well-known/jwks.json", req{}).json(t, 200, &jwks)
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}
