package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refresh exchanges a refresh token through the real binary.
func (o *originProc) refresh(t testing.TB, refreshToken string) *response {
	t.Helper()
	return o.do(t, "POST", "/authenticate/refresh", req{body: fmt.Sprintf(`{"refresh_token":%q}`, refreshToken)})
}

// sameProblem reports whether two problem answers are identical but for
// their request ids.
func sameProblem(t testing.TB, a, b *response) bool {
	t.Helper()
	canon := func(r *response) string {
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("problem body %s: %v", r.body, err)
		}
		delete(m, "request_id")
		out, _ := json.Marshal(m)
		return fmt.Sprintf("%d %s", r.status, out)
	}
	return canon(a) == canon(b)
}

func TestSessions(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)

	t.Run("a sign-in answers a short access token naming its session, and a refresh token", func(t *testing.T) {
		u := o.register(t, "shape")
		tok := o.signIn(t, u, "")
		claims := jwtPart(t, tok.Token, 1)
		if sid, _ := claims["sid"].(string); len(sid) != 22 {
			t.Fatalf("sid claim %v, want 128 bits of base64url", claims["sid"])
		}
		if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 600 || tok.ExpiresIn != 600 {
			t.Fatalf("lifetime %v s, expires_in %d, want the 10-minute default", exp-iat, tok.ExpiresIn)
		}
		if tok.RefreshExpiresIn != 14*24*3600 {
			t.Fatalf("refresh_expires_in = %d, want 14 days", tok.RefreshExpiresIn)
		}
	})

	t.Run("refresh rotates; reusing a rotated token ends the whole session", func(t *testing.T) {
		u := o.register(t, "rotate")
		first := o.signIn(t, u, "todos:read")
		var second tokenAnswer
		o.refresh(t, first.RefreshToken).json(t, http.StatusOK, &second)
		o.checkTokens(t, second)
		if second.RefreshToken == first.RefreshToken || jwtPart(t, second.Token, 1)["sid"] != jwtPart(t, first.Token, 1)["sid"] ||
			jwtPart(t, second.Token, 1)["scope"] != "todos:read" {
			t.Fatalf("refresh answered %+v", second)
		}
		o.do(t, "GET", u.path()+"/todos", req{token: second.Token}).json(t, 200, nil)

		// The first refresh token again: reuse.
		reuse := o.refresh(t, first.RefreshToken)
		reuse.problem(t, http.StatusBadRequest, "invalid_grant")
		// Refused by the time the answer came: every access token of the
		// session, and its current refresh token.
		for _, tok := range []string{first.Token, second.Token} {
			o.do(t, "GET", u.path()+"/todos", req{token: tok}).problem(t, http.StatusUnauthorized, "invalid_token")
		}
		o.refresh(t, second.RefreshToken).problem(t, http.StatusBadRequest, "invalid_grant")
		if !strings.Contains(o.logs.String(), "refresh token reused") {
			t.Error("the reuse was not logged")
		}
	})

	t.Run("every refresh token that does not work gets one answer", func(t *testing.T) {
		u := o.register(t, "grant")
		s := o.signIn(t, u, "")
		var next tokenAnswer
		o.refresh(t, s.RefreshToken).json(t, 200, &next)
		o.checkTokens(t, next)
		answers := map[string]*response{
			"unknown":   o.refresh(t, strings.Repeat("A", 43)),
			"malformed": o.refresh(t, "not-a-refresh-token"),
			"empty":     o.refresh(t, ""),
			"reused":    o.refresh(t, s.RefreshToken),
			"revoked":   o.refresh(t, next.RefreshToken), // its session ended with the reuse
		}
		for name, r := range answers {
			r.problem(t, http.StatusBadRequest, "invalid_grant")
			if !sameProblem(t, r, answers["unknown"]) {
				t.Errorf("%s: %s differs from the unknown token's %s", name, r.body, answers["unknown"].body)
			}
		}
	})

	t.Run("sessions are listed and ended one at a time", func(t *testing.T) {
		u := o.register(t, "devices")
		stranger := o.register(t, "stranger")
		phone, laptop := o.signIn(t, u, ""), o.signIn(t, u, "")
		strangerTok := o.login(t, stranger, "")
		var list struct {
			Sessions []struct {
				ID         string    `json:"id"`
				CreatedAt  time.Time `json:"created_at"`
				LastUsedAt time.Time `json:"last_used_at"`
				Current    bool      `json:"current"`
			} `json:"sessions"`
		}
		o.do(t, "GET", u.path()+"/sessions", req{token: laptop.Token}).json(t, 200, &list)
		laptopSID, phoneSID := jwtPart(t, laptop.Token, 1)["sid"], jwtPart(t, phone.Token, 1)["sid"]
		if len(list.Sessions) != 2 || list.Sessions[0].ID != laptopSID || !list.Sessions[0].Current || list.Sessions[1].Current ||
			list.Sessions[1].ID != phoneSID || list.Sessions[0].CreatedAt.IsZero() {
			t.Fatalf("sessions = %+v", list.Sessions)
		}
		o.do(t, "GET", u.path()+"/sessions", req{token: strangerTok}).problem(t, http.StatusNotFound, "")
		o.do(t, "DELETE", fmt.Sprintf("%s/sessions/%s", stranger.path(), phoneSID), req{token: strangerTok}).problem(t, http.StatusNotFound, "")

		// "Log out my phone", from the laptop.
		o.do(t, "DELETE", fmt.Sprintf("%s/sessions/%s", u.path(), phoneSID), req{token: laptop.Token}).noContent(t)
		refused(t, o, u, phone.Token)
		o.refresh(t, phone.RefreshToken).problem(t, http.StatusBadRequest, "invalid_grant")
		o.do(t, "DELETE", fmt.Sprintf("%s/sessions/%s", u.path(), phoneSID), req{token: laptop.Token}).problem(t, http.StatusNotFound, "")
		o.do(t, "GET", u.path()+"/sessions", req{token: laptop.Token}).json(t, 200, &list)
		if len(list.Sessions) != 1 || list.Sessions[0].ID != laptopSID {
			t.Fatalf("after ending the phone's session: %+v", list.Sessions)
		}
		o.do(t, "GET", u.path(), req{token: laptop.Token}).json(t, 200, nil)
	})

	t.Run("without an edge config token the origin warns and serves only the public config", func(t *testing.T) {
		if !strings.Contains(o.logs.String(), "no edge config token") {
			t.Error("no warning about the missing edge config token")
		}
		r := o.do(t, "GET", "/.well-known/edgeauth.json", req{header: []string{"Authorization", "Bearer anything-at-all-of-enough-length-0123"}})
		var cfg map[string]json.RawMessage
		r.json(t, 200, &cfg)
		for _, m := range []string{"revoked", "revoked_sessions", "subjects_valid_after"} {
			if _, ok := cfg[m]; ok {
				t.Errorf("the public config has %s", m)
			}
		}
	})
}

// TestPrivateEdgeFeed: the full edge config, with revoked sessions and
// subject cutoffs, goes only to a request with the edge config token.
func TestPrivateEdgeFeed(t *testing.T) {
	t.Parallel()
	const edgeToken = "the-edge-config-token-of-this-test-0123456789"
	o := startOrigin(t, func(env map[string]string) { env["EDGE_CONFIG_TOKEN"] = edgeToken })
	o.secret(edgeToken)
	u := o.register(t, "feed")
	s := o.signIn(t, u, "")
	o.do(t, "DELETE", "/authenticate", req{token: s.Token}).noContent(t)
	gone := o.register(t, "gone")
	o.do(t, "DELETE", gone.path(), req{token: o.login(t, gone, "")}).noContent(t)
	sid := jwtPart(t, s.Token, 1)["sid"].(string)

	fetch := func(header ...string) (map[string]json.RawMessage, *response) {
		t.Helper()
		r := o.do(t, "GET", "/.well-known/edgeauth.json", req{header: header})
		var cfg map[string]json.RawMessage
		r.json(t, 200, &cfg)
		if r.header.Get("Vary") != "Authorization" {
			t.Errorf("Vary = %q", r.header.Get("Vary"))
		}
		return cfg, r
	}
	full, fr := fetch("Authorization", "Bearer "+edgeToken)
	if !strings.Contains(string(full["revoked_sessions"]), sid) || !strings.Contains(string(full["subjects_valid_after"]), "users/"+strconv.FormatInt(gone.id, 10)) {
		t.Fatalf("the full config lacks the revocations: %s", fr.body)
	}
	if fr.header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("full config Cache-Control = %q", fr.header.Get("Cache-Control"))
	}
	for _, header := range [][]string{nil, {"Authorization", "Bearer " + edgeToken[:20]}, {"Authorization", "Bearer " + s.Token}} {
		public, r := fetch(header...)
		if strings.Contains(string(r.body), sid) || strings.Contains(string(r.body), "users/"+strconv.FormatInt(gone.id, 10)) || public["keys"] == nil {
			t.Fatalf("with %v: %s", header, r.body)
		}
	}
	if strings.Contains(o.logs.String(), "no edge config token") {
		t.Error("warned about a missing edge config token that is set")
	}
}
