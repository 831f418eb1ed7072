package nativeauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func config(t *testing.T, revoked ...string) []byte {
	t.Helper()
	cfg := map[string]any{
		"issuer": "https://issuer.test", "audiences": []string{"todos"}, "algorithms": []string{"HS256"},
		"keys":   map[string]any{"keys": []map[string]any{{"kty": "oct", "kid": "hs", "alg": "HS256", "k": b64(secret)}}},
		"routes": []map[string]any{{"method": "GET", "path": "/users/{id}/todos", "scopes": []string{"todos:read"}, "owner": "id"}},
	}
	var rev []map[string]any
	for _, jti := range revoked {
		rev = append(rev, map[string]any{"jti": jti, "exp": time.Now().Add(time.Hour).Unix()})
	}
	if rev != nil {
		cfg["revoked"] = rev
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mint(jti string, ttl time.Duration) string {
	now := time.Now().Unix()
	h := b64([]byte(`{"alg":"HS256","typ":"at+jwt","kid":"hs"}`))
	c := b64(fmt.Appendf(nil, `{"iss":"https://issuer.test","aud":"todos","sub":"users/1","iat":%d,"exp":%d,"jti":%q,"scope":"todos:read"}`,
		now-5, now+int64(ttl/time.Second), jti))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(h + "." + c))
	return h + "." + c + "." + b64(m.Sum(nil))
}

func todos(user int, tok string) *edgeauth.Request {
	return &edgeauth.Request{Method: "GET", Path: fmt.Sprintf("/users/%d/todos", user),
		Headers: map[string][]string{"authorization": {"Bearer " + tok}}}
}

func TestAuthorizer(t *testing.T) {
	ctx := context.Background()
	n := New()
	tok := mint("a", time.Hour)
	if d, err := n.Authorize(ctx, todos(1, tok)); err != nil || d.Allow || d.Status != 401 {
		t.Fatalf("before any Config: %+v, %v; want 401", d, err)
	}
	if err := n.Configure(ctx, []byte(`{"issuer":""}`)); !errors.Is(err, edgeauth.ErrInvalidConfig) {
		t.Fatalf("invalid Config: %v, want ErrInvalidConfig", err)
	}
	if err := n.Configure(ctx, config(t)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		req    *edgeauth.Request
		status int
	}{
		{"owner", todos(1, tok), 200},
		{"stranger", todos(2, tok), 404},
		{"expired", todos(1, mint("b", -time.Hour)), 401},
		{"tampered", todos(1, tok+"x"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := n.Authorize(ctx, tt.req)
			if err != nil || d.Status != tt.status || d.Allow != (tt.status == 200) {
				t.Fatalf("%+v, %v; want %d", d, err, tt.status)
			}
			if d.Allow && d.Subject != "users/1" {
				t.Fatalf("subject %q", d.Subject)
			}
		})
	}
	// A revocation applies from the next request, cached token or not.
	if err := n.Configure(ctx, config(t, "a")); err != nil {
		t.Fatal(err)
	}
	if d, _ := n.Authorize(ctx, todos(1, tok)); d.Allow {
		t.Fatalf("revoked token allowed: %+v", d)
	}
	// A rejected Config leaves the previous one in force.
	if err := n.Configure(ctx, []byte(`{}`)); err == nil {
		t.Fatal("empty Config accepted")
	}
	if d, _ := n.Authorize(ctx, todos(1, tok)); d.Allow {
		t.Fatalf("rejected Config changed the decision: %+v", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := n.Authorize(cctx, todos(1, tok)); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: %v", err)
	}
	if err := n.Configure(cctx, config(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	n := New()
	upd := fmt.Appendf(nil, `{"revoked":[{"jti":"a","exp":%d}]}`, time.Now().Add(time.Hour).Unix())
	if err := n.Update(ctx, upd); !errors.Is(err, edgeauth.ErrInvalidConfig) {
		t.Fatalf("update before any Config: %v, want ErrInvalidConfig", err)
	}
	if err := n.Configure(ctx, config(t)); err != nil {
		t.Fatal(err)
	}
	tok := mint("a", time.Hour)
	if d, _ := n.Authorize(ctx, todos(1, tok)); !d.Allow {
		t.Fatalf("valid token refused: %+v", d)
	}
	if err := n.Update(ctx, []byte(`{"revoked":[{"jti":""}]}`)); !errors.Is(err, edgeauth.ErrInvalidConfig) {
		t.Fatalf("invalid update: %v, want ErrInvalidConfig", err)
	}
	if err := n.Update(ctx, upd); err != nil {
		t.Fatal(err)
	}
	// The update applies from the next request, though the token was cached.
	if d, _ := n.Authorize(ctx, todos(1, tok)); d.Allow {
		t.Fatalf("revoked token allowed after the update: %+v", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := n.Update(cctx, upd); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: %v", err)
	}
}
