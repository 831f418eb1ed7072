package tokens

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
)

// fakeStore is an in-memory CredentialStore, KeyStore, SubjectStore and
// SessionStore.
type fakeStore struct {
	mu         sync.Mutex
	users      map[string]int64
	hashes     map[int64][]byte
	key        *KeyPair
	versions   map[int64]int64
	validAfter map[string]int64
	refreshes  int
	sessions   fakeSessions
	// afterFind, when set, runs after FindCredentials has read a
	// credential: the window in which a password check is under way.
	afterFind func()
}

func newFakeStore(t *testing.T, alg string) *fakeStore {
	t.Helper()
	k, err := GenerateKey(alg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeStore{
		users:      map[string]int64{"alice@example.com": 7},
		hashes:     map[int64][]byte{7: h},
		versions:   map[int64]int64{7: 0},
		key:        k,
		validAfter: map[string]int64{},
	}
}

func (f *fakeStore) FindCredentials(_ context.Context, email string) (Credential, error) {
	f.mu.Lock()
	id, ok := f.users[email]
	c := Credential{UserID: id, Hash: f.hashes[id], Version: f.versions[id]}
	hook := f.afterFind
	f.mu.Unlock()
	if !ok {
		return Credential{}, origin.Errorf(origin.ENOTFOUND, "user not found")
	}
	if hook != nil {
		hook()
	}
	return c, nil
}

func (f *fakeStore) ConfirmCredential(_ context.Context, id, version int64, issue func(int64) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.versions[id]; !ok || v != version {
		return ErrCredentialChanged
	}
	return issue(f.validAfter[origin.SubjectOf(id)])
}

// changePassword is what a store's password change does: a new hash, the
// version moved, the cutoff set to the next second.
func (f *fakeStore) changePassword(id int64, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hashes[id] = []byte("$2a$04$changed")
	f.versions[id]++
	f.validAfter[origin.SubjectOf(id)] = now.Unix() + 1
}

// deleteUser is what a store's deletion does.
func (f *fakeStore) deleteUser(id int64, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.hashes, id)
	delete(f.versions, id)
	f.validAfter[origin.SubjectOf(id)] = now.Unix() + 1
}

func (f *fakeStore) ActiveKey(context.Context) (*KeyPair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.key == nil {
		return nil, ErrNoActiveKey
	}
	return f.key, nil
}

func (f *fakeStore) Refresh(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	return nil
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestIssuer(t *testing.T, f *fakeStore) *Issuer {
	t.Helper()
	i, err := NewIssuer(IssuerOptions{
		Issuer: "https://origin.test", Audiences: []string{"todos", "edge"},
		Lifetime: 15 * time.Minute, BcryptCost: bcrypt.MinCost,
		Credentials: f, Keys: f, Sessions: &f.sessions, Notifier: f,
		Now: func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// parse verifies a token with golang-jwt against the store's JWK, strictly,
// and returns its header and claims.
func parse(t *testing.T, f *fakeStore, s string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(s, claims, func(*jwt.Token) (any, error) { return verifyKey(t, f.key.JWK()), nil },
		jwt.WithValidMethods([]string{f.key.Alg}), jwt.WithTimeFunc(func() time.Time { return testNow }),
		jwt.WithIssuer("https://origin.test"), jwt.WithAudience("todos"), jwt.WithStrictDecoding())
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return tok.Header, claims
}

func TestAuthenticateIssuesToken(t *testing.T) {
	for _, alg := range []string{origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256} {
		t.Run(alg, func(t *testing.T) {
			f := newFakeStore(t, alg)
			iss := newTestIssuer(t, f)
			got, err := iss.Authenticate(context.Background(), origin.Credentials{Email: " Alice@Example.com ", Password: "correct horse"})
			if err != nil {
				t.Fatal(err)
			}
			if got.TokenType != "Bearer" || got.ExpiresIn != 900 || got.RefreshExpiresIn != int64(DefaultRefreshIdle/time.Second) {
				t.Fatalf("token = %+v", got)
			}
			if raw, err := b64.DecodeString(got.RefreshToken); err != nil || len(raw) != 32 {
				t.Fatalf("refresh token %q is not 256 bits of base64url", got.RefreshToken)
			}
			header, claims := parse(t, f, got.Token)
			if len(header) != 3 || header["alg"] != alg || header["kid"] != f.key.Kid || header["typ"] != "at+jwt" {
				t.Fatalf("header = %v", header)
			}
			now := float64(testNow.Unix())
			want := map[string]any{
				"iss": "https://origin.test", "sub": "users/7", "scope": origin.DefaultScope,
				"iat": now, "nbf": now, "exp": now + 900,
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v (%T), want %v", k, claims[k], claims[k], v)
				}
			}
			aud, _ := claims.GetAudience()
			if strings.Join(aud, ",") != "todos,edge" {
				t.Errorf("aud = %v", aud)
			}
			jti, _ := claims["jti"].(string)
			if raw, err := b64.DecodeString(jti); err != nil || len(raw) != 16 {
				t.Errorf("jti %q is not 128 bits of base64url", jti)
			}
			sid, _ := claims["sid"].(string)
			if raw, err := b64.DecodeString(sid); err != nil || len(raw) != 16 {
				t.Errorf("sid %q is not 128 bits of base64url", sid)
			}
			if len(claims) != 9 {
				t.Errorf("claims = %v, want exactly iss sub aud scope jti sid iat nbf exp", claims)
			}
			ses := f.sessions.byID[sid]
			if ses == nil || ses.UserID != 7 || ses.Scope != origin.DefaultScope || ses.AccessExp != testNow.Unix()+900 ||
				!ses.ExpiresAt.Equal(testNow.Add(DefaultRefreshAbsolute)) || !ses.IdleExpiresAt.Equal(testNow.Add(DefaultRefreshIdle)) ||
				string(ses.RefreshHash) != string(HashRefreshToken(got.RefreshToken)) {
				t.Fatalf("stored session = %+v", ses)
			}
			again, _ := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: "correct horse"})
			_, c2 := parse(t, f, again.Token)
			if c2["jti"] == jti || c2["sid"] == sid || again.RefreshToken == got.RefreshToken {
				t.Error("two sign-ins share a jti, a sid or a refresh token")
			}
		})
	}
}

func TestAuthenticateRejects(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	tests := []struct {
		name     string
		c        origin.Credentials
		wantCode string
	}{
		{"wrong password", origin.Credentials{Email: "alice@example.com", Password: "wrong horse"}, origin.EUNAUTHORIZED},
		{"unknown email", origin.Credentials{Email: "bob@example.com", Password: "correct horse"}, origin.EUNAUTHORIZED},
		{"malformed email", origin.Credentials{Email: "not an email", Password: "correct horse"}, origin.EUNAUTHORIZED},
		{"empty", origin.Credentials{}, origin.EUNAUTHORIZED},
		{"password with 73 bytes whose first 72 match", origin.Credentials{Email: "alice@example.com", Password: "correct horse" + strings.Repeat("x", 60)}, origin.EUNAUTHORIZED},
		{"scope beyond default", origin.Credentials{Email: "alice@example.com", Password: "correct horse", Scope: "todos:read admin"}, origin.EINVALIDSCOPE},
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.Authenticate(context.Background(), tt.c)
			if tok != nil || origin.ErrorCode(err) != tt.wantCode {
				t.Fatalf("Authenticate = %v, %v; want %s", tok, err, tt.wantCode)
			}
			if tt.wantCode == origin.EUNAUTHORIZED {
				messages = append(messages, origin.ErrorMessage(err))
			}
		})
	}
	for _, m := range messages {
		if m != messages[0] {
			t.Fatalf("messages differ, revealing which part was wrong: %q", messages)
		}
	}
}

func TestAuthenticatePasswordOf72BytesIsWhole(t *testing.T) {
	// bcrypt ignores bytes past 72; a 72-byte password must match exactly.
	f := newFakeStore(t, origin.AlgEdDSA)
	pw := strings.Repeat("p", 72)
	h, _ := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	f.hashes[7] = h
	iss := newTestIssuer(t, f)
	if _, err := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: pw + "q"}); origin.ErrorCode(err) != origin.EUNAUTHORIZED {
		t.Fatalf("73-byte password accepted: %v", err)
	}
}

func TestAuthenticateAfterCutoff(t *testing.T) {
	// A password change at second T sets valid_after T+1; a token issued
	// within T must still satisfy iat >= valid_after.
	f := newFakeStore(t, origin.AlgEdDSA)
	f.validAfter["users/7"] = testNow.Unix() + 1
	iss := newTestIssuer(t, f)
	tok, err := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok.Token, claims); err != nil {
		t.Fatal(err)
	}
	now := testNow.Unix()
	if claims["iat"] != float64(now+1) || claims["nbf"] != float64(now) || claims["exp"] != float64(now+1+900) {
		t.Fatalf("iat/nbf/exp = %v/%v/%v, want %d/%d/%d", claims["iat"], claims["nbf"], claims["exp"], now+1, now, now+901)
	}
	if tok.ExpiresIn != 901 {
		t.Fatalf("expires_in = %d", tok.ExpiresIn)
	}
}

// A password change or deletion committed while a login's bcrypt runs (after
// its hash was read) makes the login fail: the token it would issue would
// carry an iat at or after the change's cutoff and outlive the change.
func TestAuthenticateRacingCredentialChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fakeStore)
	}{
		{"password change", func(f *fakeStore) { f.changePassword(7, testNow.Add(-2*time.Second)) }},
		{"deletion", func(f *fakeStore) { f.deleteUser(7, testNow.Add(-2*time.Second)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore(t, origin.AlgEdDSA)
			f.afterFind = func() { tc.change(f) }
			iss := newTestIssuer(t, f)
			tok, err := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: "correct horse"})
			if origin.ErrorCode(err) != origin.EUNAUTHORIZED {
				t.Fatalf("login racing a %s: token %v, err %v; want EUNAUTHORIZED", tc.name, tok, err)
			}
		})
	}
}

func TestNarrowScope(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		wantCode string
	}{
		{"", origin.DefaultScope, ""},
		{"todos:read", "todos:read", ""},
		{"todos:write users:read", "users:read todos:write", ""},
		{"todos:read todos:read", "todos:read", ""},
		{origin.DefaultScope, origin.DefaultScope, ""},
		{"admin", "", origin.EINVALIDSCOPE},
		{"todos:read  todos:write", "", origin.EINVALIDSCOPE},
		{" todos:read", "", origin.EINVALIDSCOPE},
		{"todos:read\ttodos:write", "", origin.EINVALIDSCOPE},
		{"TODOS:READ", "", origin.EINVALIDSCOPE},
		{strings.Repeat("todos:read ", 30) + "todos:read", "", origin.EINVALIDSCOPE},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NarrowScope(tt.in)
			if origin.ErrorCode(err) != tt.wantCode || got != tt.want {
				t.Fatalf("NarrowScope(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.wantCode)
			}
		})
	}
}

func TestNewKeyIsAnnouncedOnce(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	login := func() {
		t.Helper()
		if _, err := iss.Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}
	}
	login()
	login()
	if f.refreshes != 1 {
		t.Fatalf("refreshes = %d after two logins with one key, want 1", f.refreshes)
	}
	f.key, _ = GenerateKey(origin.AlgEdDSA, nil) // another process rotated
	login()
	if f.refreshes != 2 {
		t.Fatalf("refreshes = %d after a rotation, want 2", f.refreshes)
	}
}

func TestAuthenticateNoKey(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	f.key = nil
	_, err := newTestIssuer(t, f).Authenticate(context.Background(), origin.Credentials{Email: "alice@example.com", Password: "correct horse"})
	if !errors.Is(err, ErrNoActiveKey) {
		t.Fatalf("err = %v", err)
	}
}

// The two benchmarks below should report about the same ns/op at the same
// bcrypt cost: that is the "no user enumeration by timing" property.
func benchmarkFailedLogin(b *testing.B, email string) {
	f := &fakeStore{users: map[string]int64{"alice@example.com": 7}, hashes: map[int64][]byte{}}
	f.hashes[7], _ = bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.DefaultCost)
	iss, err := NewIssuer(IssuerOptions{Issuer: "i", Audiences: []string{"a"}, BcryptCost: bcrypt.DefaultCost,
		Credentials: f, Keys: f, Sessions: &f.sessions})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		iss.Authenticate(context.Background(), origin.Credentials{Email: email, Password: "wrong horse"})
	}
}

func BenchmarkFailedLoginKnownEmail(b *testing.B)   { benchmarkFailedLogin(b, "alice@example.com") }
func BenchmarkFailedLoginUnknownEmail(b *testing.B) { benchmarkFailedLogin(b, "bob@example.com") }

// An over-long password must cost a full bcrypt comparison whether or not
// the email exists; otherwise it would tell the two apart.
func BenchmarkFailedLoginUnknownEmailLongPassword(b *testing.B) {
	f := &fakeStore{users: map[string]int64{}, hashes: map[int64][]byte{}}
	iss, err := NewIssuer(IssuerOptions{Issuer: "i", Audiences: []string{"a"}, BcryptCost: bcrypt.DefaultCost,
		Credentials: f, Keys: f, Sessions: &f.sessions})
	if err != nil {
		b.Fatal(err)
	}
	long := strings.Repeat("x", 100)
	for b.Loop() {
		iss.Authenticate(context.Background(), origin.Credentials{Email: "bob@example.com", Password: long})
	}
}
