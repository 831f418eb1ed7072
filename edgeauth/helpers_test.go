package edgeauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"testing"
)

// testNow is the clock of every test request (2023-11-14T22:13:20Z).
const testNow int64 = 1700000000

const (
	testIssuer   = "https://issuer.example"
	testAudience = "todos"
)

// testKeys is one key per algorithm, generated once per test process.
type testKeys struct {
	ed    ed25519.PrivateKey
	ec    *ecdsa.PrivateKey
	rsa   *rsa.PrivateKey
	hmac  []byte
	other ed25519.PrivateKey // a second Ed25519 key, for wrong-key cases
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(tb testing.TB) *testKeys {
	tb.Helper()
	keysOnce.Do(func() {
		var err error
		_, keys.ed, _ = ed25519.GenerateKey(rand.Reader)
		_, keys.other, _ = ed25519.GenerateKey(rand.Reader)
		if keys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		keys.hmac = make([]byte, 32)
		rand.Read(keys.hmac)
	})
	return &keys
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func fixed32(n *big.Int) []byte {
	b := make([]byte, 32)
	return n.FillBytes(b)
}

// jwks returns the public JWKs of all test keys: kid = alg name in lower case.
func (k *testKeys) jwks() []map[string]any {
	return []map[string]any{
		{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": b64(k.ed.Public().(ed25519.PublicKey))},
		{"kty": "EC", "crv": "P-256", "kid": "es", "alg": "ES256", "x": b64(fixed32(k.ec.X)), "y": b64(fixed32(k.ec.Y))},
		{"kty": "RSA", "kid": "rs", "alg": "RS256", "n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())},
		{"kty": "RSA", "kid": "ps", "alg": "PS256", "n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())},
		{"kty": "oct", "kid": "hs", "alg": "HS256", "k": b64(k.hmac)},
	}
}

// baseConfig is a Config (as a JSON-ready map) that accepts every test key.
func baseConfig(tb testing.TB) map[string]any {
	k := getKeys(tb)
	return map[string]any{
		"issuer":     testIssuer,
		"audiences":  []string{testAudience},
		"realm":      "todos",
		"algorithms": []string{"EdDSA", "ES256", "RS256", "PS256", "HS256"},
		"keys":       map[string]any{"keys": k.jwks()},
		"public":     []map[string]any{{"method": "POST", "path": "/authenticate"}},
		"routes": []map[string]any{
			{"method": "GET", "path": "/users/{id}/todos", "scopes": []string{"todos:read"}, "owner": "id"},
			{"method": "POST", "path": "/users/{id}/todos", "scopes": []string{"todos:read", "todos:write"}, "owner": "id"},
			{"method": "GET", "path": "/admin", "scopes": []string{"admin"}},
		},
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func newTestAuthorizer(tb testing.TB, cfg map[string]any) *Authorizer {
	tb.Helper()
	a := NewAuthorizer(Options{})
	if err := a.Configure(mustJSON(tb, cfg)); err != nil {
		tb.Fatalf("Configure: %v", err)
	}
	return a
}

// baseHeader and baseClaims are a valid token's header and claims for alg/kid.
func baseHeader(alg, kid string) map[string]any {
	return map[string]any{"alg": alg, "kid": kid, "typ": "at+jwt"}
}

func baseClaims() map[string]any {
	return map[string]any{
		"iss":   testIssuer,
		"aud":   testAudience,
		"sub":   "users/42",
		"iat":   testNow - 60,
		"exp":   testNow + 3600,
		"jti":   "jti-1",
		"scope": "todos:read todos:write",
	}
}

// signRaw signs raw header and claims JSON with the key for alg (the alg
// name of the key, not necessarily the header's).
func signRaw(tb testing.TB, keyAlg string, header, claims []byte) string {
	tb.Helper()
	input := b64(header) + "." + b64(claims)
	return input + "." + b64(signInput(tb, keyAlg, []byte(input)))
}

func signInput(tb testing.TB, keyAlg string, input []byte) []byte {
	k := getKeys(tb)
	h := sha256.Sum256(input)
	switch keyAlg {
	case "EdDSA":
		return ed25519.Sign(k.ed, input)
	case "other":
		return ed25519.Sign(k.other, input)
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, h[:])
		if err != nil {
			tb.Fatal(err)
		}
		return append(fixed32(r), fixed32(s)...)
	case "RS256":
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, h[:])
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	case "PS256":
		sig, err := rsa.SignPSS(rand.Reader, k.rsa, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	case "HS256":
		m := hmac.New(sha256.New, k.hmac)
		m.Write(input)
		return m.Sum(nil)
	}
	tb.Fatalf("no key for %q", keyAlg)
	return nil
}

// kidOf is the test kid of the key for alg.
func kidOf(alg string) string {
	switch alg {
	case "EdDSA", "Ed25519":
		return "ed"
	}
	return strings.ToLower(alg[:2])
}

// mint signs a token with header and claims maps.
func mint(tb testing.TB, keyAlg string, header, claims map[string]any) string {
	tb.Helper()
	return signRaw(tb, keyAlg, mustJSON(tb, header), mustJSON(tb, claims))
}

// validToken is a token every test config accepts, for the key of alg.
func validToken(tb testing.TB, alg string) string {
	return mint(tb, alg, baseHeader(alg, kidOf(alg)), baseClaims())
}

// request builds a Request with one Authorization value (none if auth is "").
func request(method, path, auth string) *Request {
	now := testNow
	r := &Request{Method: method, Path: path, Now: &now}
	if auth != "" {
		r.Headers = map[string][]string{"authorization": {auth}}
	}
	return r
}

// negateModN returns n − s for a 32-byte scalar s (the high-S twin of a
// signature's s).
func negateModN(s []byte) []byte {
	n := new(big.Int).SetBytes(p256Order[:])
	return fixed32(n.Sub(n, new(big.Int).SetBytes(s)))
}

// appendDERSignature encodes r and s as an ASN.1 ECDSA-Sig-Value: the form
// crypto/ecdsa verifies, and a shape a JWS ES256 signature must not take.
func appendDERSignature(dst, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	lr, ls := derIntLen(r), derIntLen(s)
	dst = append(dst, 0x30, byte(2+lr+2+ls))
	dst = appendDERInt(dst, r, lr)
	return appendDERInt(dst, s, ls)
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the content length of a non-negative INTEGER: a leading zero
// byte keeps a value with its top bit set positive.
func derIntLen(b []byte) int {
	if b[0]&0x80 != 0 {
		return len(b) + 1
	}
	return len(b)
}

func appendDERInt(dst, b []byte, n int) []byte {
	dst = append(dst, 0x02, byte(n))
	if n > len(b) {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
