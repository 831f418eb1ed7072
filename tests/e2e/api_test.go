package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestSeedBehaviours: the routes the seed left open stay open, everything
// else needs a valid bearer token, and the well-known documents are served.
func TestSeedBehaviours(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)
	alice := o.register(t, "seed-alice")
	tok := o.login(t, alice, "")

	t.Run("open routes", func(t *testing.T) {
		o.do(t, "GET", "/healthz", req{}).json(t, 200, nil)
		o.do(t, "POST", "/users", req{body: `{"email":"seed-open@example.com","password":"long enough","name":"O"}`}).json(t, 201, nil)
		o.do(t, "POST", "/authenticate", req{body: fmt.Sprintf(`{"email":%q,"password":%q}`, alice.email, alice.password)}).json(t, 200, nil)
	})

	t.Run("every protected route needs a token", func(t *testing.T) {
		for _, c := range []struct{ method, path, body string }{
			{"DELETE", "/authenticate", ""},
			{"GET", alice.path(), ""},
			{"PATCH", alice.path(), `{"name":"x"}`},
			{"DELETE", alice.path(), ""},
			{"GET", alice.path("/todos"), ""},
			{"POST", alice.path("/todos"), `{"title":"x"}`},
			{"GET", alice.path("/todos/1"), ""},
			{"PATCH", alice.path("/todos/1"), `{"title":"x"}`},
			{"DELETE", alice.path("/todos/1"), ""},
			{"GET", "/no/such/route", ""},
		} {
			r := o.do(t, c.method, c.path, req{body: c.body})
			r.problem(t, http.StatusUnauthorized, "")
			r.challenge(t, "")
		}
	})

	t.Run("invalid tokens", func(t *testing.T) {
		parts := strings.Split(tok, ".")
		flipped := parts[0] + "." + parts[1] + "." + strings.Map(func(r rune) rune {
			if r == 'A' {
				return 'B'
			}
			return 'A'
		}, parts[2][:1]) + parts[2][1:]
		for name, bad := range map[string]string{
			"garbage":       "not-a-jwt",
			"bad signature": flipped,
			"unsigned":      parts[0] + "." + parts[1] + ".",
			"forged claims": parts[0] + "." + forgeClaims(t, tok, "sub", "users/999999") + "." + parts[2],
		} {
			t.Run(name, func(t *testing.T) {
				r := o.do(t, "GET", alice.path(), req{token: bad})
				r.problem(t, http.StatusUnauthorized, "invalid_token")
				r.challenge(t, "invalid_token")
				if strings.Contains(string(r.body), tok[:20]) {
					t.Errorf("the answer echoes the token: %s", r.body)
				}
			})
		}
		// Another scheme is a malformed request (RFC 6750 section 3.1).
		r := o.do(t, "GET", alice.path(), req{header: []string{"Authorization", "Basic " + tok}})
		r.problem(t, http.StatusBadRequest, "invalid_request")
		r.challenge(t, "invalid_request")
	})

	t.Run("lower-case bearer scheme", func(t *testing.T) {
		o.do(t, "GET", alice.path(), req{header: []string{"Authorization", "bearer " + tok}}).json(t, 200, nil)
	})

	t.Run("jwks", func(t *testing.T) {
		r := o.do(t, "GET", "/.well-known/jwks.json", req{})
		var jwks struct {
			Keys []map[string]any `json:"keys"`
		}
		r.json(t, 200, &jwks)
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
			t.Errorf("Cache-Control %q", cc)
		}
		kid := jwtPart(t, tok, 0)["kid"]
		found := false
		for _, k := range jwks.Keys {
			for _, private := range []string{"d", "k", "p", "q"} {
				if _, ok := k[private]; ok {
					t.Errorf("JWKS publishes private member %q", private)
				}
			}
			found = found || k["kid"] == kid
		}
		if !found {
			t.Errorf("the token's kid %v is not in the JWKS %s", kid, r.body)
		}
	})

	t.Run("edge config", func(t *testing.T) {
		r := o.do(t, "GET", "/.well-known/edgeauth.json", req{})
		var cfg map[string]any
		r.json(t, 200, &cfg)
		etag := r.header.Get("ETag")
		if etag == "" || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("ETag %q Cache-Control %q", etag, r.header.Get("Cache-Control"))
		}
		for _, k := range []string{"issuer", "audiences", "keys", "public", "routes"} {
			if _, ok := cfg[k]; !ok {
				t.Errorf("edge config lacks %q", k)
			}
		}
		if strings.Contains(string(r.body), `"d":`) {
			t.Error("edge config holds a private key member")
		}
		r = o.do(t, "GET", "/.well-known/edgeauth.json", req{header: []string{"If-None-Match", etag}})
		if r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("If-None-Match: %s, want 304", r)
		}
	})
}

// TestUsersAndTodos walks every user and todo route through its success
// statuses and bodies.
func TestUsersAndTodos(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)

	r := o.do(t, "POST", "/users", req{body: `{"email":"  Crud@Example.COM ","password":"crud-password","name":"Crud"}`})
	var u map[string]any
	r.json(t, 201, &u)
	id := int64(u["id"].(float64))
	if u["email"] != "crud@example.com" || u["name"] != "Crud" || u["created_at"] == nil || len(u) != 4 {
		t.Fatalf("user %v: want exactly id, email (normalised), name, created_at", u)
	}
	o.secret("crud-password")
	me := user{id: id, email: "crud@example.com", password: "crud-password"}
	o.do(t, "POST", "/users", req{body: `{"email":"crud@example.com","password":"other-password","name":"Dup"}`}).problem(t, 409, "")

	tok := o.login(t, me, "")
	claims := jwtPart(t, tok, 1)
	if claims["sub"] != fmt.Sprintf("users/%d", id) || claims["scope"] != "users:read users:write todos:read todos:write" {
		t.Errorf("claims %v", claims)
	}
	if h := jwtPart(t, tok, 0); h["typ"] != "at+jwt" || h["kid"] == nil {
		t.Errorf("header %v", h)
	}

	t.Run("wrong credentials look alike", func(t *testing.T) {
		wrongPw := o.do(t, "POST", "/authenticate", req{body: `{"email":"crud@example.com","password":"wrong-password"}`})
		noUser := o.do(t, "POST", "/authenticate", req{body: `{"email":"nobody@example.com","password":"wrong-password"}`})
		a, b := wrongPw.problem(t, 401, ""), noUser.problem(t, 401, "")
		wrongPw.challenge(t, "")
		noUser.challenge(t, "")
		if a != b {
			t.Errorf("wrong password %+v and unknown email %+v differ", a, b)
		}
	})

	t.Run("scope", func(t *testing.T) {
		o.do(t, "POST", "/authenticate", req{body: `{"email":"crud@example.com","password":"crud-password","scope":"todos:read admin"}`}).
			problem(t, 400, "invalid_scope")
		ro := o.login(t, me, "todos:read")
		o.do(t, "GET", me.path("/todos"), req{token: ro}).json(t, 200, nil)
		r := o.do(t, "POST", me.path("/todos"), req{token: ro, body: `{"title":"x"}`})
		r.problem(t, 403, "insufficient_scope")
		o.do(t, "GET", me.path(), req{token: ro}).problem(t, 403, "insufficient_scope")
	})

	t.Run("profile", func(t *testing.T) {
		o.do(t, "GET", me.path(), req{token: tok}).json(t, 200, &u)
		if u["email"] != "crud@example.com" {
			t.Errorf("GET user %v", u)
		}
		o.do(t, "PATCH", me.path(), req{token: tok, body: `{"name":"Renamed"}`}).json(t, 200, &u)
		if u["name"] != "Renamed" {
			t.Errorf("PATCH user %v", u)
		}
	})

	t.Run("todos", func(t *testing.T) {
		var td map[string]any
		r := o.do(t, "POST", me.path("/todos"), req{token: tok, body: `{"title":"first"}`})
		r.json(t, 201, &td)
		tid := int64(td["id"].(float64))
		if r.header.Get("Location") != me.path(fmt.Sprintf("/todos/%d", tid)) {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		if td["title"] != "first" || td["completed"] != false || td["created_at"] == nil || td["updated_at"] == nil || len(td) != 5 {
			t.Errorf("todo %v: want exactly id, title, completed, created_at, updated_at", td)
		}
		o.do(t, "GET", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok}).json(t, 200, &td)
		o.do(t, "PATCH", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok, body: `{"completed":true}`}).json(t, 200, &td)
		if td["completed"] != true || td["title"] != "first" {
			t.Errorf("patched %v", td)
		}
		o.do(t, "PATCH", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok, body: `{"title":"renamed"}`}).json(t, 200, &td)
		if td["completed"] != true || td["title"] != "renamed" {
			t.Errorf("patched %v", td)
		}
		o.do(t, "DELETE", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok}).noContent(t)
		o.do(t, "GET", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok}).problem(t, 404, "")
		o.do(t, "DELETE", me.path(fmt.Sprintf("/todos/%d", tid)), req{token: tok}).problem(t, 404, "")
	})

	t.Run("paging", func(t *testing.T) {
		var want []int64
		for i := range 7 {
			var td struct {
				ID int64 `json:"id"`
			}
			o.do(t, "POST", me.path("/todos"), req{token: tok, body: fmt.Sprintf(`{"title":"page %d","completed":%v}`, i, i%2 == 0)}).json(t, 201, &td)
			want = append([]int64{td.ID}, want...) // newest first
		}
		var got []int64
		path := me.path("/todos?limit=3")
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			var page struct {
				Todos []struct {
					ID int64 `json:"id"`
				} `json:"todos"`
				Next *string `json:"next"`
			}
			r := o.do(t, "GET", path, req{token: tok})
			r.json(t, 200, &page)
			if len(page.Todos) > 3 {
				t.Fatalf("page of %d > limit 3", len(page.Todos))
			}
			for _, x := range page.Todos {
				got = append(got, x.ID)
			}
			if page.Next == nil {
				if !strings.Contains(string(r.body), `"next":null`) {
					t.Errorf("last page: %s, want next: null", r.body)
				}
				break
			}
			path = me.path("/todos?limit=3&after=" + *page.Next)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paged ids %v, want %v", got, want)
		}
		var all struct {
			Todos []json.RawMessage `json:"todos"`
		}
		o.do(t, "GET", me.path("/todos"), req{token: tok}).json(t, 200, &all)
		if len(all.Todos) != 7 {
			t.Errorf("default page has %d todos, want all 7", len(all.Todos))
		}
	})

	t.Run("delete user", func(t *testing.T) {
		o.do(t, "DELETE", me.path(), req{token: tok}).noContent(t)
		// The account is gone and so is every token of it.
		o.do(t, "POST", "/authenticate", req{body: `{"email":"crud@example.com","password":"crud-password"}`}).problem(t, 401, "")
		r := o.do(t, "GET", me.path(), req{token: tok})
		r.problem(t, 401, "")
		r.challenge(t, "invalid_token")
	})
}
