package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBadInput sends every kind of bad input over real HTTP; each must be a
// clear 4xx problem, never a 5xx and never a success.
func TestBadInput(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)
	me := o.register(t, "bad-input")
	tok := o.login(t, me, "")
	var td struct {
		ID int64 `json:"id"`
	}
	o.do(t, "POST", me.path("/todos"), req{token: tok, body: `{"title":"target"}`}).json(t, 201, &td)
	todo := me.path(fmt.Sprintf("/todos/%d", td.ID))
	long := strings.Repeat("x", 70<<10) // over the 64 KiB body limit

	tests := []struct {
		name, method, path, body string
		header                   []string // extra request headers
		noToken                  bool
		status                   int
		code                     string
		detail                   string // a substring of the detail
	}{
		{name: "malformed JSON", method: "POST", path: "/users", body: `{"email":`, status: 400, detail: "malformed"},
		{name: "malformed JSON on todo", method: "POST", path: me.path("/todos"), body: `{title:"x"}`, status: 400, detail: "malformed"},
		{name: "trailing data", method: "PATCH", path: todo, body: `{"title":"x"} {"title":"y"}`, status: 400, detail: "trailing"},
		{name: "not an object", method: "POST", path: "/authenticate", body: `["a@example.com","pw"]`, status: 400, detail: "object"},
		{name: "wrong type: title", method: "POST", path: me.path("/todos"), body: `{"title":42}`, status: 400, detail: `"title"`},
		{name: "wrong type: completed", method: "PATCH", path: todo, body: `{"completed":"yes"}`, status: 400, detail: `"completed"`},
		{name: "wrong type: email", method: "POST", path: "/users", body: `{"email":["a@example.com"],"password":"long enough","name":"A"}`, status: 400, detail: `"email"`},
		{name: "unknown field on users", method: "POST", path: "/users", body: `{"email":"mass@example.com","password":"long enough","name":"M","admin":true}`, status: 400, detail: `"admin"`},
		{name: "unknown field on patch", method: "PATCH", path: me.path(), body: `{"email":"other@example.com"}`, status: 400, detail: `"email"`},
		{name: "unknown field on todo", method: "POST", path: me.path("/todos"), body: `{"title":"x","user_id":1}`, status: 400, detail: `"user_id"`},
		{name: "duplicate member", method: "POST", path: "/authenticate", body: `{"email":"a@example.com","email":"b@example.com","password":"x"}`, status: 400, detail: "more than once"},
		{name: "oversized body", method: "POST", path: me.path("/todos"), body: `{"title":"` + long + `"}`, status: 413},
		{name: "oversized body on open route", method: "POST", path: "/users", body: `{"email":"big@example.com","password":"long enough","name":"` + long + `"}`, status: 413},
		{name: "wrong content type", method: "POST", path: "/users", body: `{"email":"ct@example.com","password":"long enough","name":"C"}`, header: []string{"Content-Type", "text/plain"}, status: 415},
		{name: "password of 73 bytes", method: "POST", path: "/users", body: `{"email":"long@example.com","password":"` + strings.Repeat("p", 73) + `","name":"L"}`, status: 400, detail: "password"},
		{name: "password of 7 bytes", method: "POST", path: "/users", body: `{"email":"short@example.com","password":"1234567","name":"S"}`, status: 400, detail: "password"},
		{name: "password change of 73 bytes", method: "PATCH", path: me.path(), body: `{"password":"` + strings.Repeat("p", 73) + `"}`, status: 400, detail: "password"},
		{name: "invalid email", method: "POST", path: "/users", body: `{"email":"not-an-email","password":"long enough","name":"E"}`, status: 400, detail: "email"},
		{name: "email with display name", method: "POST", path: "/users", body: `{"email":"Eve <eve@example.com>","password":"long enough","name":"E"}`, status: 400, detail: "email"},
		{name: "empty name", method: "POST", path: "/users", body: `{"email":"noname@example.com","password":"long enough","name":""}`, status: 400, detail: "name"},
		{name: "empty title", method: "POST", path: me.path("/todos"), body: `{"title":"   "}`, status: 400, detail: "title"},
		{name: "title of 501 characters", method: "POST", path: me.path("/todos"), body: `{"title":"` + strings.Repeat("é", 501) + `"}`, status: 400, detail: "title"},
		{name: "limit zero", method: "GET", path: me.path("/todos?limit=0"), status: 400, detail: "limit"},
		{name: "limit 101", method: "GET", path: me.path("/todos?limit=101"), status: 400, detail: "limit"},
		{name: "limit text", method: "GET", path: me.path("/todos?limit=ten"), status: 400, detail: "limit"},
		{name: "forged cursor", method: "GET", path: me.path("/todos?after=bm90LWEtY3Vyc29y"), status: 400},
		{name: "garbage cursor", method: "GET", path: me.path("/todos?after=%00%FF"), status: 400},
		{name: "todo id text", method: "GET", path: me.path("/todos/abc"), status: 404},
		{name: "todo id zero", method: "GET", path: me.path("/todos/0"), status: 404},
		{name: "todo id negative", method: "DELETE", path: me.path("/todos/-1"), status: 404},
		{name: "todo id overflow", method: "PATCH", path: me.path("/todos/99999999999999999999"), body: `{"title":"x"}`, status: 404},
		{name: "todo id missing", method: "GET", path: me.path("/todos/999999"), status: 404},
		{name: "user id text", method: "GET", path: "/users/abc", status: 404},
		{name: "user id overflow", method: "GET", path: "/users/99999999999999999999", status: 404},
		{name: "user id leading zero", method: "GET", path: "/users/0" + fmt.Sprint(me.id), status: 404},
		{name: "method not allowed", method: "PUT", path: me.path(), body: `{"name":"x"}`, status: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req{body: tc.body, header: tc.header}
			if !tc.noToken {
				r.token = tok
			}
			resp := o.do(t, tc.method, tc.path, r)
			p := resp.problem(t, tc.status, tc.code)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q does not mention %q", p.Detail, tc.detail)
			}
		})
	}
	// After all of that the account is intact.
	o.do(t, "GET", me.path(), req{token: tok}).json(t, http.StatusOK, nil)
	o.do(t, "GET", todo, req{token: tok}).json(t, http.StatusOK, nil)
}
