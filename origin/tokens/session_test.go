package tokens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/craftingapis/todos/origin"
)

// fakeSessions is an in-memory SessionStore: enough to check what the
// Issuer asks of a store. The transactional behaviour (races, reuse ending
// the session) is the real stores' and is tested in origin/storetest.
type fakeSessions struct {
	mu        sync.Mutex
	byID      map[string]*NewSession
	current   map[string]string // refresh hash -> sid
	rotated   map[string]string // rotated refresh hash -> sid
	ended     []string
	rotations []Rotation
	err       error // returned by RotateRefreshToken when set
}

func (f *fakeSessions) CreateSession(_ context.Context, s NewSession) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byID == nil {
		f.byID, f.current, f.rotated = map[string]*NewSession{}, map[string]string{}, map[string]string{}
	}
	f.byID[s.ID] = &s
	f.current[string(s.RefreshHash)] = s.ID
	return nil
}

func (f *fakeSessions) RotateRefreshToken(_ context.Context, r Rotation) (*SessionGrant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rotations = append(f.rotations, r)
	if f.err != nil {
		return nil, f.err
	}
	if sid, ok := f.rotated[string(r.OldHash)]; ok {
		f.ended = append(f.ended, sid)
		return nil, fmt.Errorf("%w: %w", ErrInvalidRefreshToken, origin.ErrRefreshTokenReused)
	}
	sid, ok := f.current[string(r.OldHash)]
	if !ok {
		return nil, ErrInvalidRefreshToken
	}
	delete(f.current, string(r.OldHash))
	f.rotated[string(r.OldHash)] = sid
	f.current[string(r.NewHash)] = sid
	s := f.byID[sid]
	return &SessionGrant{ID: sid, UserID: s.UserID, Scope: s.Scope, IdleExpiresAt: r.Now.Add(r.Idle)}, nil
}

func (f *fakeSessions) EndSessionByID(_ context.Context, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, sid)
	return nil
}

func claimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRefreshRotates(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	ctx := context.Background()
	first, err := iss.Authenticate(ctx, origin.Credentials{Email: "alice@example.com", Password: "correct horse", Scope: "todos:read"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := iss.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.Token == first.Token {
		t.Fatal("a refresh answered the same tokens")
	}
	if second.ExpiresIn != 900 || second.RefreshExpiresIn != int64(DefaultRefreshIdle/time.Second) {
		t.Fatalf("refreshed token = %+v", second)
	}
	c1, c2 := claimsOf(t, first.Token), claimsOf(t, second.Token)
	if c2["sid"] != c1["sid"] || c2["sub"] != "users/7" || c2["scope"] != "todos:read" || c2["jti"] == c1["jti"] {
		t.Fatalf("claims after refresh = %v (first %v)", c2, c1)
	}
	r := f.sessions.rotations[0]
	if string(r.OldHash) != string(HashRefreshToken(first.RefreshToken)) || string(r.NewHash) != string(HashRefreshToken(second.RefreshToken)) ||
		r.AccessExp != testNow.Unix()+900 || r.Idle != DefaultRefreshIdle || !r.Now.Equal(testNow) {
		t.Fatalf("rotation = %+v", r)
	}
	parse(t, f, second.Token) // verifies
}

func TestRefreshReuse(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	ctx := context.Background()
	tok, err := iss.Authenticate(ctx, origin.Credentials{Email: "alice@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Refresh(ctx, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err = iss.Refresh(ctx, tok.RefreshToken)
	if origin.ErrorCode(err) != origin.EINVALIDGRANT || !errors.Is(err, origin.ErrRefreshTokenReused) {
		t.Fatalf("reuse = %v, want invalid_grant carrying ErrRefreshTokenReused", err)
	}
	if origin.ErrorMessage(err) != origin.ErrorMessage(errInvalidGrant) {
		t.Fatalf("reuse message %q tells it apart from any other invalid grant", origin.ErrorMessage(err))
	}
}

// Every refresh token that does not work gets the same answer, so the
// answer tells nothing about why.
func TestRefreshRejects(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	unknown := b64.EncodeToString(make([]byte, 32))
	tests := []struct {
		name      string
		token     string
		storeErr  error
		wantStore bool // whether the store is asked at all
	}{
		{"empty", "", nil, false},
		{"too short", unknown[:42], nil, false},
		{"too long", unknown + "A", nil, false},
		{"not base64url", strings.Repeat("+", 43), nil, false},
		{"unknown", unknown, nil, true},
		{"expired or of an ended session", unknown, ErrInvalidRefreshToken, true},
		{"reused", unknown, fmt.Errorf("%w: %w", ErrInvalidRefreshToken, origin.ErrRefreshTokenReused), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.sessions.err = tt.storeErr
			before := len(f.sessions.rotations)
			tok, err := iss.Refresh(context.Background(), tt.token)
			if tok != nil || origin.ErrorCode(err) != origin.EINVALIDGRANT || origin.ErrorMessage(err) != origin.ErrorMessage(errInvalidGrant) {
				t.Fatalf("Refresh = %v, %v; want the one invalid_grant", tok, err)
			}
			if asked := len(f.sessions.rotations) > before; asked != tt.wantStore {
				t.Fatalf("store asked = %v, want %v", asked, tt.wantStore)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	iss := newTestIssuer(t, f)
	if err := iss.Logout(context.Background(), "sid-1"); err != nil {
		t.Fatal(err)
	}
	if len(f.sessions.ended) != 1 || f.sessions.ended[0] != "sid-1" {
		t.Fatalf("ended = %v", f.sessions.ended)
	}
	for _, bad := range []string{"", strings.Repeat("a", MaxSIDLen+1)} {
		if err := iss.Logout(context.Background(), bad); origin.ErrorCode(err) != origin.EINVALID {
			t.Fatalf("Logout(%q) = %v", bad, err)
		}
	}
}

func TestNewIssuerRefreshLimits(t *testing.T) {
	f := newFakeStore(t, origin.AlgEdDSA)
	tests := []struct {
		name           string
		idle, absolute time.Duration
		ok             bool
	}{
		{"defaults", 0, 0, true},
		{"idle equal to absolute", time.Hour, time.Hour, true},
		{"idle beyond absolute", 2 * time.Hour, time.Hour, false},
		{"idle under a second", time.Millisecond, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIssuer(IssuerOptions{Issuer: "i", Audiences: []string{"a"}, BcryptCost: 4,
				Credentials: f, Keys: f, Sessions: &f.sessions,
				RefreshIdle: tt.idle, RefreshAbsolute: tt.absolute})
			if (err == nil) != tt.ok {
				t.Fatalf("NewIssuer = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
