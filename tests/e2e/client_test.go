package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var client = &http.Client{
	Timeout: 30 * time.Second,
	// A redirect would hide what the origin answered.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// problem is the RFC 9457 body of every error answer.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Error  string `json:"error"`
}

// req describes one request: a JSON body (sent as application/json unless
// header says otherwise), a bearer token and extra header pairs.
type req struct {
	body   string
	token  string
	header []string
}

// do sends method path to the origin and reads the whole answer.
func (o *originProc) do(t testing.TB, method, path string, r req) *response {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(method, o.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for i := 0; i+1 < len(r.header); i += 2 {
		if r.header[i+1] == "" {
			hr.Header.Del(r.header[i])
		} else {
			hr.Header.Set(r.header[i], r.header[i+1])
		}
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// json checks the status and decodes the JSON body into v (when not nil).
func (r *response) json(t testing.TB, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
	}
}

// noContent checks a 204 with an empty body.
func (r *response) noContent(t testing.TB) {
	t.Helper()
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("got %s, want 204 and no body", r)
	}
}

// problem checks an RFC 9457 answer of status (and error code, when not
// "") and returns it.
func (r *response) problem(t testing.TB, status int, code string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, r.body)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Type == "" || p.Title == "" || p.Status != status || p.Detail == "" {
		t.Fatalf("problem lacks type, title, status or detail: %s", r.body)
	}
	if code != "" && p.Error != code {
		t.Fatalf("problem error %q, want %q: %s", p.Error, code, r.body)
	}
	// One 404 detail whoever answers (the auth step, the router, the
	// store), and RFC 9110's titles.
	if status == http.StatusNotFound && p.Detail != "not found" {
		t.Fatalf("404 detail %q, want %q", p.Detail, "not found")
	}
	if status == http.StatusRequestEntityTooLarge && p.Title != "Content Too Large" {
		t.Fatalf("413 title %q, want %q", p.Title, "Content Too Large")
	}
	return p
}

// challenge checks a 401's WWW-Authenticate: a Bearer challenge with a
// realm and, when errCode is not "", that error.
func (r *response) challenge(t testing.TB, errCode string) {
	t.Helper()
	wa := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(wa, "Bearer ") || !strings.Contains(wa, `realm="`) {
		t.Fatalf("WWW-Authenticate %q, want a Bearer challenge with a realm", wa)
	}
	if errCode != "" && !strings.Contains(wa, `error="`+errCode+`"`) {
		t.Fatalf("WWW-Authenticate %q lacks error=%q", wa, errCode)
	}
}

// user is a registered account with its password.
type user struct {
	id       int64
	email    string
	password string
}

func (u user) path(rest ...string) string {
	return "/users/" + strconv.FormatInt(u.id, 10) + strings.Join(rest, "")
}

// register creates a user with a unique email and returns it.
func (o *originProc) register(t testing.TB, name string) user {
	t.Helper()
	email := strings.ToLower(name) + "@example.com"
	password := "pw-" + name + "-correct-horse"
	o.secret(password)
	r := o.do(t, "POST", "/users", req{body: fmt.Sprintf(`{"email":%q,"password":%q,"name":%q}`, email, password, name)})
	var u struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	}
	r.json(t, http.StatusCreated, &u)
	if want := "/users/" + strconv.FormatInt(u.ID, 10); r.header.Get("Location") != want {
		t.Fatalf("Location %q, want %q", r.header.Get("Location"), want)
	}
	return user{id: u.ID, email: u.Email, password: password}
}

// login authenticates u (with scope, when not "") and returns the access
// token.
func (o *originProc) login(t testing.TB, u user, scope string) string {
	t.Helper()
	return o.signIn(t, u, scope).Token
}

// tokenAnswer is the body of POST /authenticate and /authenticate/refresh.
type tokenAnswer struct {
	Token            string `json:"token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

// signIn authenticates u (with scope, when not "") and returns both tokens.
func (o *originProc) signIn(t testing.TB, u user, scope string) tokenAnswer {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, u.email, u.password)
	if scope != "" {
		body = fmt.Sprintf(`{"email":%q,"password":%q,"scope":%q}`, u.email, u.password, scope)
	}
	var tok tokenAnswer
	o.do(t, "POST", "/authenticate", req{body: body}).json(t, http.StatusOK, &tok)
	o.checkTokens(t, tok)
	return tok
}

// checkTokens checks a token answer's shape and records its tokens as
// secrets.
func (o *originProc) checkTokens(t testing.TB, tok tokenAnswer) {
	t.Helper()
	if tok.Token == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || len(tok.RefreshToken) != 43 || tok.RefreshExpiresIn <= 0 {
		t.Fatalf("token answer %+v", tok)
	}
	o.secret(tok.Token)
	o.secret(tok.RefreshToken)
}

// jwtPart decodes the header (0) or claims (1) of a compact JWT.
func jwtPart(t testing.TB, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// forgeClaims returns token's claims segment with claim set to value,
// re-encoded but (of course) not re-signed.
func forgeClaims(t testing.TB, token, claim string, value any) string {
	t.Helper()
	c := jwtPart(t, token, 1)
	c[claim] = value
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
