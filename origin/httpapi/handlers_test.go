package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
)

func TestUserRoutes(t *testing.T) {
	hs := newHarness(t, true)
	alice := []string{"Authorization", "Bearer alice"}

	rec := hs.do("POST", "/users", `{"email":"  A@Example.com ","password":"correct horse","name":"Alice"}`)
	var u map[string]any
	mustJSON(t, rec, http.StatusCreated, &u)
	if rec.Header().Get("Location") != "/users/1" {
		t.Errorf("Location = %q", rec.Header().Get("Location"))
	}
	if u["id"] != float64(1) || u["email"] != "a@example.com" || u["name"] != "Alice" || u["created_at"] == nil {
		t.Errorf("user = %v", u)
	}
	for _, secret := range []string{"password", "hash", "correct horse"} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("user body leaks %q: %s", secret, rec.Body)
		}
	}
	if len(u) != 4 {
		t.Errorf("user has members %v, want exactly id, email, name, created_at", u)
	}

	mustProblem(t, hs.do("POST", "/users", `{"email":"a@example.com","password":"another one","name":"A2"}`), http.StatusConflict, origin.ECONFLICT)

	rec = hs.do("GET", "/users/1", "", alice...)
	mustJSON(t, rec, http.StatusOK, &u)
	if u["name"] != "Alice" {
		t.Errorf("GET user = %v", u)
	}

	rec = hs.do("PATCH", "/users/1", `{"name":"Alicia"}`, alice...)
	mustJSON(t, rec, http.StatusOK, &u)
	if u["name"] != "Alicia" {
		t.Errorf("PATCH user = %v", u)
	}
	mustProblem(t, hs.do("PATCH", "/users/1", `{"password":"short"}`, alice...), http.StatusBadRequest, origin.EINVALID)
	mustProblem(t, hs.do("PATCH", "/users/1", `{"email":"x@example.com"}`, alice...), http.StatusBadRequest, origin.EINVALID)

	rec = hs.do("DELETE", "/users/1", "", alice...)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %q", rec.Code, rec.Body)
	}
	mustProblem(t, hs.do("GET", "/users/1", "", alice...), http.StatusNotFound, origin.ENOTFOUND)
	mustProblem(t, hs.do("DELETE", "/users/1", "", alice...), http.StatusNotFound, origin.ENOTFOUND)
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"ok", `{"email":"a@example.com","password":"correct horse"}`, 200, ""},
		{"narrower scope", `{"email":"a@example.com","password":"correct horse","scope":"todos:read"}`, 200, ""},
		{"wrong password", `{"email":"a@example.com","password":"wrong horse"}`, 401, origin.EUNAUTHORIZED},
		{"unknown email", `{"email":"z@example.com","password":"correct horse"}`, 401, origin.EUNAUTHORIZED},
		{"too much scope", `{"email":"a@example.com","password":"correct horse","scope":"admin"}`, 400, "invalid_scope"},
		{"unknown member", `{"email":"a@example.com","password":"correct horse","grant_type":"password"}`, 400, origin.EINVALID},
	}
	var bodies = map[int]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, false)
			rec := hs.do("POST", "/authenticate", tc.body)
			if tc.status != 200 {
				p := mustProblem(t, rec, tc.status, tc.code)
				if tc.status == 401 {
					if rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
						t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
					}
					// Wrong email and wrong password answer alike.
					p.RequestID = ""
					b, _ := json.Marshal(p)
					if prev, ok := bodies[401]; ok && prev != string(b) {
						t.Errorf("401 bodies differ:\n%s\n%s", prev, b)
					}
					bodies[401] = string(b)
				}
				return
			}
			var tok origin.Token
			mustJSON(t, rec, 200, &tok)
			if tok.Token == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 600 || tok.RefreshToken == "" || tok.RefreshExpiresIn != 1209600 {
				t.Errorf("token = %+v", tok)
			}
			if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Pragma") != "no-cache" {
				t.Errorf("token answer is cacheable: %v", rec.Header())
			}
		})
	}
}

func TestTodoRoutes(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	alice := []string{"Authorization", "Bearer alice"}
	bob := []string{"Authorization", "Bearer bob"}

	var td map[string]any
	rec := hs.do("POST", "/users/1/todos", `{"title":"buy milk"}`, alice...)
	mustJSON(t, rec, http.StatusCreated, &td)
	if rec.Header().Get("Location") != "/users/1/todos/1" {
		t.Errorf("Location = %q", rec.Header().Get("Location"))
	}
	if td["id"] != float64(1) || td["title"] != "buy milk" || td["completed"] != false || td["created_at"] == nil || td["updated_at"] == nil || len(td) != 5 {
		t.Errorf("todo = %v", td)
	}
	for i := 2; i <= 5; i++ {
		mustJSON(t, hs.do("POST", "/users/1/todos", fmt.Sprintf(`{"title":"t%d","completed":true}`, i), alice...), 201, nil)
	}
	mustJSON(t, hs.do("POST", "/users/2/todos", `{"title":"bob's"}`, bob...), 201, nil)
	mustProblem(t, hs.do("POST", "/users/1/todos", `{"title":""}`, alice...), 400, origin.EINVALID)
	mustProblem(t, hs.do("POST", "/users/1/todos", `{"title":"`+strings.Repeat("x", 501)+`"}`, alice...), 400, origin.EINVALID)
	mustProblem(t, hs.do("POST", "/users/1/todos", `{"title":"x","owner":2}`, alice...), 400, origin.EINVALID)

	// Paging: newest first, next until the end.
	var page struct {
		Todos []struct {
			ID int64 `json:"id"`
		} `json:"todos"`
		Next *string `json:"next"`
	}
	var ids []int64
	path := "/users/1/todos?limit=2"
	for range 10 {
		mustJSON(t, hs.do("GET", path, "", alice...), 200, &page)
		for _, x := range page.Todos {
			ids = append(ids, x.ID)
		}
		if page.Next == nil {
			break
		}
		path = "/users/1/todos?limit=2&after=" + *page.Next
	}
	if fmt.Sprint(ids) != "[5 4 3 2 1]" {
		t.Errorf("paged ids = %v, want [5 4 3 2 1]", ids)
	}

	rec = hs.do("GET", "/users/2/todos", "", bob...)
	if !strings.Contains(rec.Body.String(), `"next":null`) {
		t.Errorf("last page should say next: null: %s", rec.Body)
	}
	hs.todos.all = map[int64]*origin.Todo{6: hs.todos.all[6]}
	rec = hs.do("GET", "/users/1/todos", "", alice...)
	if !strings.Contains(rec.Body.String(), `"todos":[]`) {
		t.Errorf("empty list should be []: %s", rec.Body)
	}
}

func TestTodoItemRoutes(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	alice := []string{"Authorization", "Bearer alice"}
	mustJSON(t, hs.do("POST", "/users/1/todos", `{"title":"mine"}`, alice...), 201, nil)
	mustJSON(t, hs.do("POST", "/users/2/todos", `{"title":"bob's"}`, "Authorization", "Bearer bob"), 201, nil)

	var td map[string]any
	mustJSON(t, hs.do("GET", "/users/1/todos/1", "", alice...), 200, &td)
	if td["title"] != "mine" {
		t.Errorf("todo = %v", td)
	}
	mustJSON(t, hs.do("PATCH", "/users/1/todos/1", `{"completed":true}`, alice...), 200, &td)
	if td["completed"] != true || td["title"] != "mine" {
		t.Errorf("patched = %v", td)
	}
	mustJSON(t, hs.do("PATCH", "/users/1/todos/1", `{"title":"renamed"}`, alice...), 200, &td)
	if td["completed"] != true || td["title"] != "renamed" {
		t.Errorf("patched = %v", td)
	}
	mustProblem(t, hs.do("PATCH", "/users/1/todos/1", `{"completed":"yes"}`, alice...), 400, origin.EINVALID)
	// Bob's todo through Alice's own path: the service scopes by user.
	mustProblem(t, hs.do("GET", "/users/1/todos/2", "", alice...), 404, origin.ENOTFOUND)
	mustProblem(t, hs.do("PATCH", "/users/1/todos/2", `{"title":"x"}`, alice...), 404, origin.ENOTFOUND)
	mustProblem(t, hs.do("DELETE", "/users/1/todos/2", "", alice...), 404, origin.ENOTFOUND)

	rec := hs.do("DELETE", "/users/1/todos/1", "", alice...)
	if rec.Code != 204 || rec.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %q", rec.Code, rec.Body)
	}
	mustProblem(t, hs.do("GET", "/users/1/todos/1", "", alice...), 404, origin.ENOTFOUND)
}

// TestBadQueryAndIDs runs with security off, so the handlers' own parsing
// answers (not the guard's).
func TestBadQueryAndIDs(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"limit zero", "GET", "/users/1/todos?limit=0", "", 400},
		{"limit too big", "GET", "/users/1/todos?limit=101", "", 400},
		{"limit negative", "GET", "/users/1/todos?limit=-1", "", 400},
		{"limit not a number", "GET", "/users/1/todos?limit=ten", "", 400},
		{"limit with plus", "GET", "/users/1/todos?limit=%2B5", "", 400},
		{"limit empty", "GET", "/users/1/todos?limit=", "", 400},
		{"limit twice", "GET", "/users/1/todos?limit=1&limit=2", "", 400},
		{"limit max ok", "GET", "/users/1/todos?limit=100", "", 200},
		{"cursor forged", "GET", "/users/1/todos?after=zzz", "", 400},
		{"cursor empty", "GET", "/users/1/todos?after=", "", 400},
		{"cursor twice", "GET", "/users/1/todos?after=c1&after=c2", "", 400},
		{"user id text", "GET", "/users/abc", "", 404},
		{"user id zero", "GET", "/users/0", "", 404},
		{"user id negative", "GET", "/users/-1", "", 404},
		{"user id overflow", "GET", "/users/99999999999999999999", "", 404},
		{"user id leading zero", "PATCH", "/users/01", `{"name":"x"}`, 404},
		{"todo id text", "GET", "/users/1/todos/x", "", 404},
		{"todo id overflow", "DELETE", "/users/1/todos/9223372036854775808", "", 404},
		{"todo id zero", "PATCH", "/users/1/todos/0", `{"title":"x"}`, 404},
		{"todo list of bad user", "GET", "/users/x/todos", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, false)
			hs.seed()
			rec := hs.do(tc.method, tc.path, tc.body)
			if tc.status == 200 {
				mustJSON(t, rec, 200, nil)
				return
			}
			p := mustProblem(t, rec, tc.status, "")
			if tc.status == 400 && !strings.Contains(p.Detail, "limit") && !strings.Contains(p.Detail, "after") && !strings.Contains(p.Detail, "cursor") {
				t.Errorf("detail %q names neither limit nor the cursor", p.Detail)
			}
		})
	}
}

// TestSecurityOff: with the auth step off every route answers without a
// token and the handlers do not look for a principal.
func TestSecurityOff(t *testing.T) {
	hs := newHarness(t, false)
	hs.seed()
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/users/2", ""},
		{"PATCH", "/users/2", `{"name":"B"}`},
		{"POST", "/users/2/todos", `{"title":"x"}`},
		{"GET", "/users/2/todos", ""},
		{"GET", "/users/2/todos/1", ""},
		{"PATCH", "/users/2/todos/1", `{"completed":true}`},
		{"DELETE", "/users/2/todos/1", ""},
		{"DELETE", "/authenticate", ""},
		{"DELETE", "/users/2", ""},
	} {
		rec := hs.do(c.method, c.path, c.body)
		if rec.Code >= 300 {
			t.Errorf("%s %s = %d %s", c.method, c.path, rec.Code, rec.Body)
		}
	}
	if len(hs.authz.seen) != 0 {
		t.Errorf("auth step was asked %d times with security off", len(hs.authz.seen))
	}
}
