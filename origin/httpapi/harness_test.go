package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t       testing.TB
	h       http.Handler
	users   *fakeUsers
	todos   *fakeTodos
	sess    *fakeSessions
	auth    *fakeAuth
	control *fakeControl
	authz   *authorizerFunc
	logs    *syncBuffer
}

// tokens of the fake auth step: "Bearer <name>" -> the decision it allows.
var fakeTokens = map[string]edgeauth.Decision{
	"alice":    {Allow: true, Status: 200, Subject: "users/1", Scopes: strings.Fields(origin.DefaultScope), JTI: "jti-alice", SID: "sid-alice", ExpiresAt: 1_900_000_000},
	"bob":      {Allow: true, Status: 200, Subject: "users/2", Scopes: strings.Fields(origin.DefaultScope), JTI: "jti-bob", SID: "sid-bob", ExpiresAt: 1_900_000_000},
	"readonly": {Allow: true, Status: 200, Subject: "users/1", Scopes: []string{origin.ScopeTodosRead}, JTI: "jti-ro", SID: "sid-ro", ExpiresAt: 1_900_000_000},
	"nosid":    {Allow: true, Status: 200, Subject: "users/1", Scopes: strings.Fields(origin.DefaultScope), JTI: "jti-old", ExpiresAt: 1_900_000_000},
}

// fakeModule decides like a lenient module: public routes open, a known
// token allowed, no token or an unknown one refused. It checks neither scope
// nor owner, so the route guard's defense in depth is what the tests see.
func fakeModule(req *edgeauth.Request) (edgeauth.Decision, error) {
	public, _ := origin.PublishedRoutes()
	for _, p := range public {
		if p.Method == req.Method && p.Path == req.Path {
			return edgeauth.Decision{Allow: true, Status: 200}, nil
		}
	}
	vals := req.Headers["authorization"]
	if len(vals) == 0 {
		return edgeauth.Decision{Status: 401, Error: edgeauth.CodeInvalidRequest,
			ErrorDescription: "no bearer token", WWWAuthenticate: `Bearer realm="test"`}, nil
	}
	if d, ok := fakeTokens[strings.TrimPrefix(vals[0], "Bearer ")]; ok && len(vals) == 1 {
		return d, nil
	}
	return edgeauth.Decision{Status: 401, Error: edgeauth.CodeInvalidToken,
		ErrorDescription: "the token is not valid", WWWAuthenticate: `Bearer realm="test", error="invalid_token"`}, nil
}

// testEdgeToken is the harness's edge config token.
const testEdgeToken = "edge-config-token-of-the-harness-0123456789"

// newHarness builds the API over fakes; each edit changes the Options
// before New.
func newHarness(t testing.TB, security bool, edits ...func(*Options)) *harness {
	t.Helper()
	users := newFakeUsers()
	hs := &harness{
		t:     t,
		users: users,
		todos: newFakeTodos(),
		sess:  &fakeSessions{byUser: map[int64][]*origin.Session{}},
		auth:  &fakeAuth{users: users, pass: map[string]string{"a@example.com": "correct horse"}, refresh: map[string]bool{"rt-good": true}},
		control: &fakeControl{
			doc:  &origin.EdgeDocument{Config: []byte(`{"issuer":"x"}`), ConfigETag: `"cfg1"`, JWKS: []byte(`{"keys":[]}`), JWKSETag: `"jwks1"`},
			full: []byte(`{"issuer":"x","revoked_sessions":[{"sid":"s","exp":1}]}`), fullETag: `"full1"`,
		},
		authz: &authorizerFunc{fn: fakeModule},
		logs:  &syncBuffer{},
	}
	o := Options{
		Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control,
		EnableSecurity: security, Realm: "test", EdgeConfigToken: testEdgeToken,
		Logger:       slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MaxBodyBytes: 1024,
	}
	if security {
		o.Authorizer = hs.authz
	}
	for _, edit := range edits {
		edit(&o)
	}
	hs.h = mustNew(t, o)
	return hs
}

// mustNew is New for options a test knows to be complete.
func mustNew(t testing.TB, o Options) http.Handler {
	t.Helper()
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do sends one request; body, when not "", is sent as application/json.
func (hs *harness) do(method, path, body string, header ...string) *httptest.ResponseRecorder {
	hs.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Add(header[i], header[i+1])
		}
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return rec
}

// mustProblem checks rec is an RFC 9457 problem of status (and, when not "",
// error code) and returns it.
func mustProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) Problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q", ct, ProblemContentType)
	}
	var p Problem
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Type != "about:blank" || p.Status != status || p.Title != StatusTitle(status) || p.Detail == "" {
		t.Fatalf("problem = %+v: want type about:blank, status %d, its title and a detail", p, status)
	}
	if status == http.StatusNotFound && p.Detail != NotFoundDetail {
		t.Fatalf("404 detail %q, want the one detail %q", p.Detail, NotFoundDetail)
	}
	if code != "" && p.Error != code {
		t.Fatalf("problem error = %q, want %q (detail %q)", p.Error, code, p.Detail)
	}
	if p.RequestID == "" || p.RequestID != rec.Header().Get(RequestIDHeader) {
		t.Fatalf("problem request_id %q does not match header %q", p.RequestID, rec.Header().Get(RequestIDHeader))
	}
	return p
}

// mustJSON checks status and decodes the JSON body into v.
func mustJSON(t *testing.T, rec *httptest.ResponseRecorder, status int, v any) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
	}
}

// seed creates user 1 (alice) and user 2 (bob) through the service.
func (hs *harness) seed() {
	hs.t.Helper()
	for _, in := range []origin.NewUser{
		{Email: "a@example.com", Password: "correct horse", Name: "Alice"},
		{Email: "b@example.com", Password: "battery staple", Name: "Bob"},
	} {
		if _, err := hs.users.CreateUser(hs.t.Context(), in); err != nil {
			hs.t.Fatal(err)
		}
	}
}
