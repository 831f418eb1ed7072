package httpapi

import (
	"net/http"
	"slices"
	"testing"

	"github.com/craftingapis/todos/origin"
)

func TestRefresh(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"rotates", `{"refresh_token":"rt-good"}`, 200, ""},
		{"unknown token", `{"refresh_token":"rt-bad"}`, 400, "invalid_grant"},
		{"empty token", `{"refresh_token":""}`, 400, "invalid_grant"},
		{"no token member", `{}`, 400, "invalid_grant"},
		{"unknown member", `{"refresh_token":"rt-good","scope":"x"}`, 400, "invalid"},
		{"not an object", `["rt-good"]`, 400, "invalid"},
		{"wrong type", `{"refresh_token":1}`, 400, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, true)
			rec := hs.do("POST", "/authenticate/refresh", tc.body)
			if tc.status != 200 {
				mustProblem(t, rec, tc.status, tc.code)
				if !hs.auth.refresh["rt-good"] && tc.code == "invalid" {
					t.Error("a malformed body reached the auth service")
				}
				return
			}
			var tok origin.Token
			mustJSON(t, rec, 200, &tok)
			if tok.Token != "tok-refreshed" || tok.RefreshToken != "rt-good+" || tok.TokenType != "Bearer" || tok.ExpiresIn != 600 {
				t.Fatalf("token = %+v", tok)
			}
			if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Pragma") != "no-cache" {
				t.Errorf("token answer is cacheable: %v", rec.Header())
			}
			// Rotation: the same refresh token works once.
			mustProblem(t, hs.do("POST", "/authenticate/refresh", tc.body), 400, "invalid_grant")
		})
	}
}

func TestSessionsList(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	hs.sess.byUser[1] = []*origin.Session{{ID: "sid-phone", CreatedAt: t0, LastUsedAt: t0}, {ID: "sid-alice", CreatedAt: t0, LastUsedAt: t0}}
	var list origin.SessionList
	mustJSON(t, hs.do("GET", "/users/1/sessions", "", "Authorization", "Bearer alice"), 200, &list)
	if len(list.Sessions) != 2 || list.Sessions[0].Current || !list.Sessions[1].Current || list.Sessions[1].ID != "sid-alice" {
		t.Fatalf("sessions = %+v, want the caller's marked current", list.Sessions)
	}
	// No sessions: [] not null.
	rec := hs.do("GET", "/users/2/sessions", "", "Authorization", "Bearer bob")
	mustJSON(t, rec, 200, nil)
	if got := rec.Body.String(); got != "{\"sessions\":[]}\n" {
		t.Fatalf("empty list = %q", got)
	}
	// Another user's sessions are no one else's business.
	mustProblem(t, hs.do("GET", "/users/1/sessions", "", "Authorization", "Bearer bob"), 404, "")
}

func TestSessionEnd(t *testing.T) {
	tests := []struct {
		name, path, token string
		status            int
		wantLeft          []string
	}{
		{"another device", "/users/1/sessions/sid-phone", "alice", 204, []string{"sid-alice"}},
		{"the caller's own", "/users/1/sessions/sid-alice", "alice", 204, []string{"sid-phone"}},
		{"unknown sid", "/users/1/sessions/sid-nope", "alice", 404, []string{"sid-phone", "sid-alice"}},
		{"another user's path", "/users/1/sessions/sid-phone", "bob", 404, []string{"sid-phone", "sid-alice"}},
		{"a read-only token", "/users/1/sessions/sid-phone", "readonly", 403, []string{"sid-phone", "sid-alice"}},
		{"no token", "/users/1/sessions/sid-phone", "", 401, []string{"sid-phone", "sid-alice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, true)
			hs.seed()
			hs.sess.byUser[1] = []*origin.Session{{ID: "sid-phone"}, {ID: "sid-alice"}}
			auth := ""
			if tc.token != "" {
				auth = "Bearer " + tc.token
			}
			rec := hs.do("DELETE", tc.path, "", "Authorization", auth)
			if tc.status == 204 {
				if rec.Code != 204 || rec.Body.Len() != 0 {
					t.Fatalf("status = %d body %q", rec.Code, rec.Body)
				}
			} else {
				mustProblem(t, rec, tc.status, "")
			}
			var left []string
			for _, s := range hs.sess.byUser[1] {
				left = append(left, s.ID)
			}
			if !slices.Equal(left, tc.wantLeft) {
				t.Fatalf("sessions left = %v, want %v", left, tc.wantLeft)
			}
		})
	}
}

// A password change keeps the session that made it.
func TestPasswordChangeKeepsCallersSession(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	mustJSON(t, hs.do("PATCH", "/users/1", `{"password":"a new password","current_password":"correct horse"}`, "Authorization", "Bearer alice"), 200, nil)
	if !slices.Equal(hs.users.kept, []string{"sid-alice"}) {
		t.Fatalf("KeepSession = %v, want [sid-alice]", hs.users.kept)
	}
}

func TestEdgeConfigFeed(t *testing.T) {
	const public, full = `{"issuer":"x"}`, `{"issuer":"x","revoked_sessions":[{"sid":"s","exp":1}]}`
	tests := []struct {
		name       string
		header     []string
		body, etag string
	}{
		{"no credential: the public subset", nil, public, `"cfg1"`},
		{"the edge token", []string{"Authorization", "Bearer " + testEdgeToken}, full, `"full1"`},
		{"the scheme in any case", []string{"Authorization", "bearer " + testEdgeToken}, full, `"full1"`},
		{"a wrong token", []string{"Authorization", "Bearer " + testEdgeToken + "x"}, public, `"cfg1"`},
		{"a prefix of the token", []string{"Authorization", "Bearer " + testEdgeToken[:10]}, public, `"cfg1"`},
		{"another scheme", []string{"Authorization", "Basic " + testEdgeToken}, public, `"cfg1"`},
		{"two Authorization headers", []string{"Authorization", "Bearer " + testEdgeToken, "Authorization", "Bearer " + testEdgeToken}, public, `"cfg1"`},
		{"a user's access token", []string{"Authorization", "Bearer alice"}, public, `"cfg1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, security := range []bool{false, true} {
				hs := newHarness(t, security)
				rec := hs.do("GET", "/.well-known/edgeauth.json", "", tc.header...)
				if rec.Code != 200 || rec.Body.String() != tc.body || rec.Header().Get("ETag") != tc.etag {
					t.Fatalf("security=%v: %d %s (ETag %s), want %s", security, rec.Code, rec.Body, rec.Header().Get("ETag"), tc.body)
				}
				if rec.Header().Get("Vary") != "Authorization" {
					t.Errorf("Vary = %q", rec.Header().Get("Vary"))
				}
				// The full document revalidates by its own ETag.
				if tc.body == full {
					again := hs.do("GET", "/.well-known/edgeauth.json", "", append(tc.header, "If-None-Match", tc.etag)...)
					if again.Code != http.StatusNotModified || again.Header().Get("Cache-Control") != "private, no-cache" {
						t.Errorf("revalidation: %d, Cache-Control %q", again.Code, again.Header().Get("Cache-Control"))
					}
				}
			}
		})
	}
	// Without a configured token nothing opens the full document.
	hs := newHarness(t, false)
	hs.h = mustNew(t, Options{Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control})
	if rec := hs.do("GET", "/.well-known/edgeauth.json", "", "Authorization", "Bearer "); rec.Body.String() != public {
		t.Fatalf("no token configured, empty credential: %s", rec.Body)
	}
}
