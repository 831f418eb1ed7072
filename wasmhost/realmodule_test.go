package wasmhost

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
)

// Tests and benchmarks against the real edgeauth module, built once per
// process by edgeauthtest.

func loadRealModule(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(edgeauthtest.ModulePath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const (
	realIssuer   = "https://issuer.test"
	realAudience = "todos"
)

// realKeys signs tokens for the real module; generated once per process.
type realKeys struct {
	ed   ed25519.PrivateKey
	ec   *ecdsa.PrivateKey
	hmac []byte
}

var getRealKeys = sync.OnceValue(func() *realKeys {
	k := &realKeys{hmac: make([]byte, 32)}
	_, k.ed, _ = ed25519.GenerateKey(rand.Reader)
	k.ec, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, _ = rand.Read(k.hmac)
	return k
})

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// realConfig is an ABI v1 Config accepting the three test keys.
func realConfig(tb testing.TB) []byte {
	k := getRealKeys()
	cfg := map[string]any{
		"issuer":     realIssuer,
		"audiences":  []string{realAudience},
		"realm":      "todos",
		"algorithms": []string{"EdDSA", "ES256", "HS256"},
		"keys": map[string]any{"keys": []map[string]any{
			{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": b64(k.ed.Public().(ed25519.PublicKey))},
			{"kty": "EC", "crv": "P-256", "kid": "es", "alg": "ES256", "x": b64(k.ec.X.FillBytes(make([]byte, 32))), "y": b64(k.ec.Y.FillBytes(make([]byte, 32)))},
			{"kty": "oct", "kid": "hs", "alg": "HS256", "k": b64(k.hmac)},
		}},
		"routes": []map[string]any{
			{"method": "GET", "path": "/users/{id}/todos", "scopes": []string{"todos:read"}, "owner": "id"},
		},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mint signs an RFC 9068 access token for users/<user> with alg (EdDSA,
// ES256 or HS256), issued now and expiring after ttl.
func mint(tb testing.TB, alg string, user int, jti string, ttl time.Duration) string {
	tb.Helper()
	now := time.Now().Unix()
	claims := fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"users/%d","iat":%d,"exp":%d,"jti":%q,"scope":"todos:read todos:write"}`,
		realIssuer, realAudience, user, now-10, now+int64(ttl/time.Second), jti)
	return sign(tb, alg, claims)
}

// sign signs claims (JSON) with the test key of alg.
func sign(tb testing.TB, alg, claims string) string {
	tb.Helper()
	k := getRealKeys()
	kid := map[string]string{"EdDSA": "ed", "ES256": "es", "HS256": "hs"}[alg]
	header := fmt.Sprintf(`{"alg":%q,"typ":"at+jwt","kid":%q}`, alg, kid)
	input := b64([]byte(header)) + "." + b64([]byte(claims))
	var sig []byte
	switch alg {
	case "EdDSA":
		sig = ed25519.Sign(k.ed, []byte(input))
	case "ES256":
		h := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, h[:])
		if err != nil {
			tb.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case "HS256":
		m := hmac.New(sha256.New, k.hmac)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		tb.Fatalf("mint: unknown alg %q", alg)
	}
	return input + "." + b64(sig)
}

func todosOf(user int, token string) *edgeauth.Request {
	req := &edgeauth.Request{Method: "GET", Path: fmt.Sprintf("/users/%d/todos", user)}
	if token != "" {
		req.Headers = map[string][]string{"authorization": {"Bearer " + token}}
	}
	return req
}

func TestRealModule(t *testing.T) {
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	ctx := context.Background()

	d, err := h.Authorize(ctx, todosOf(1, mint(t, "EdDSA", 1, "before-config", time.Hour)))
	if err != nil || d.Allow || d.Status != 401 {
		t.Fatalf("before any Config: %+v, %v; want 401", d, err)
	}
	err = h.Configure(ctx, []byte(`{"issuer":"","audiences":["todos"]}`))
	if !errors.Is(err, ErrConfigRejected) || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("invalid Config: err = %v, want ErrConfigRejected naming the issuer", err)
	}
	if err := h.Configure(ctx, realConfig(t)); err != nil {
		t.Fatalf("Configure: %v", err)
	}

	tests := []struct {
		name   string
		req    *edgeauth.Request
		status int
		errc   string
		reason string // the module's reason member, as wasmhost passes it on
	}{
		{"EdDSA owner", todosOf(1, mint(t, "EdDSA", 1, "a", time.Hour)), 200, "", edgeauth.ReasonValidToken},
		{"ES256 owner", todosOf(2, mint(t, "ES256", 2, "b", time.Hour)), 200, "", edgeauth.ReasonValidToken},
		{"HS256 owner", todosOf(3, mint(t, "HS256", 3, "c", time.Hour)), 200, "", edgeauth.ReasonValidToken},
		{"expired (real clock)", todosOf(1, mint(t, "EdDSA", 1, "d", -time.Hour)), 401, edgeauth.CodeInvalidToken, edgeauth.ReasonExpired},
		{"stranger", todosOf(2, mint(t, "EdDSA", 1, "e", time.Hour)), 404, edgeauth.CodeNotFound, edgeauth.ReasonNotFound},
		{"no token", todosOf(1, ""), 401, "", edgeauth.ReasonMissing},
		// One more base64url character: a 65-byte signature.
		{"tampered", todosOf(1, mint(t, "EdDSA", 1, "f", time.Hour)+"A"), 401, edgeauth.CodeInvalidToken, edgeauth.ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := h.Authorize(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status || d.Error != tt.errc || d.Allow != (tt.status == 200) || d.Reason != tt.reason {
				t.Fatalf("decision = %+v, want status %d error %q reason %q", d, tt.status, tt.errc, tt.reason)
			}
			if d.Allow && d.Subject != strings.TrimSuffix(strings.TrimPrefix(tt.req.Path, "/"), "/todos") {
				t.Errorf("subject %q for path %s", d.Subject, tt.req.Path)
			}
		})
	}
	if s := h.Stats(); s.Replaced != 0 {
		t.Errorf("the real module cost %d instances", s.Replaced)
	}
}

// TestRealModuleConcurrent checks that concurrent callers each get the
// decision for their own token from the real module.
func TestRealModuleConcurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("signs and verifies hundreds of tokens")
	}
	h := newHost(t, loadRealModule(t), Options{PoolSize: 2})
	if err := h.Configure(context.Background(), realConfig(t)); err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 4, 25
	tokens := make([][]string, workers)
	for w := range tokens {
		for i := range perWorker {
			tokens[w] = append(tokens[w], mint(t, "HS256", w+1, fmt.Sprintf("%d-%d", w, i), time.Hour))
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i, tok := range tokens[w] {
				user := w + 1
				if i%5 == 0 {
					user = w + 100 // someone else's list: 404
				}
				d, err := h.Authorize(context.Background(), todosOf(user, tok))
				want := 200
				if user != w+1 {
					want = 404
				}
				if err != nil || d.Status != want || (d.Allow && d.Subject != fmt.Sprintf("users/%d", w+1)) {
					t.Errorf("worker %d call %d: %+v, %v; want %d", w, i, d, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
