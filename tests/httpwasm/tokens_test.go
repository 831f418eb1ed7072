package httpwasm_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// issuer signs EdDSA tokens and gives the guest config that trusts them:
// GET /users/{id}/todos needs todos:read and to be that user, /healthz is
// public, anything else needs a token.
type issuer struct {
	key ed25519.PrivateKey
}

func newIssuer(tb testing.TB) *issuer {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return &issuer{key: key}
}

func (is *issuer) jwk() map[string]string {
	return map[string]string{
		"kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA", "use": "sig",
		"x": base64.RawURLEncoding.EncodeToString(is.key.Public().(ed25519.PublicKey)),
	}
}

// config returns the guest config; keys is the JWKS object, or when
// keysAsText is set the JWKS document as a string.
func (is *issuer) config(tb testing.TB, keysAsText bool) []byte {
	tb.Helper()
	var keys any = map[string]any{"keys": []any{is.jwk()}}
	if keysAsText {
		b, err := json.Marshal(keys)
		if err != nil {
			tb.Fatal(err)
		}
		keys = string(b)
	}
	cfg := map[string]any{
		"issuer":    "https://issuer.test",
		"audiences": []string{"todos-api"},
		"realm":     "todos",
		"keys":      keys,
		"public":    []map[string]string{{"method": "GET", "path": "/healthz"}},
		"routes":    []map[string]any{{"method": "GET", "path": "/users/{id}/todos", "scopes": []string{"todos:read"}, "owner": "id"}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// token signs a token for sub with scope, valid for an hour from now (the
// guest judges it by the host's real clock), with jti as given.
func (is *issuer) token(tb testing.TB, sub, scope, jti string) string {
	tb.Helper()
	now := time.Now().Unix()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := seg(map[string]string{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}) + "." +
		seg(map[string]any{"iss": "https://issuer.test", "aud": "todos-api", "sub": sub, "scope": scope, "jti": jti, "iat": now, "exp": now + 3600})
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(is.key, []byte(input)))
}
