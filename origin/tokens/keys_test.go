package tokens

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// verifyKey turns a verifying JWK back into what golang-jwt verifies with,
// independently of the code under test.
func verifyKey(t *testing.T, j edgeauth.JWK) any {
	t.Helper()
	dec := func(s string) []byte {
		b, err := b64.DecodeString(s)
		if err != nil {
			t.Fatalf("JWK member %q: %v", s, err)
		}
		return b
	}
	switch j.Kty {
	case "OKP":
		if j.Crv != "Ed25519" {
			t.Fatalf("crv = %q", j.Crv)
		}
		return ed25519.PublicKey(dec(j.X))
	case "EC":
		x, y := dec(j.X), dec(j.Y)
		if j.Crv != "P-256" || len(x) != 32 || len(y) != 32 {
			t.Fatalf("EC JWK %+v", j)
		}
		return &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
	case "oct":
		return dec(j.K)
	}
	t.Fatalf("kty %q", j.Kty)
	return nil
}

func TestGenerateKey(t *testing.T) {
	tests := []struct {
		alg         string
		kty         string
		publishable bool
	}{
		{origin.AlgEdDSA, "OKP", true},
		{origin.AlgES256, "EC", true},
		{origin.AlgHS256, "oct", false},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			k, err := GenerateKey(tt.alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			j := k.JWK()
			if j.Kid != k.Kid || j.Alg != tt.alg || j.Kty != tt.kty || j.Use != "sig" || len(k.Kid) != 22 {
				t.Fatalf("JWK = %+v (kid %q)", j, k.Kid)
			}
			if k.Publishable() != tt.publishable {
				t.Fatalf("Publishable = %v", k.Publishable())
			}
			if tt.publishable && j.K != "" {
				t.Fatal("public JWK carries a secret")
			}
			// Round trip through the stored form, then sign and verify.
			back, err := ParseKeyPair(k.Kid, k.Alg, k.Private)
			if err != nil || back.JWK() != j {
				t.Fatalf("ParseKeyPair = %+v, %v", back, err)
			}
			s, err := back.Sign(jwt.MapClaims{"sub": "users/1"})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return verifyKey(t, j), nil },
				jwt.WithValidMethods([]string{tt.alg}))
			if err != nil || tok.Header["kid"] != k.Kid || tok.Header["typ"] != "at+jwt" {
				t.Fatalf("verify: %v, header %v", err, tok.Header)
			}
			other, _ := GenerateKey(tt.alg, nil)
			if other.Kid == k.Kid {
				t.Fatal("two keys share a kid")
			}
		})
	}
}

func TestParseKeyPairRejects(t *testing.T) {
	ed, _ := GenerateKey(origin.AlgEdDSA, nil)
	es, _ := GenerateKey(origin.AlgES256, nil)
	tests := []struct {
		name    string
		kid     string
		alg     string
		private []byte
		wantErr error
	}{
		{"Ed25519 material as ES256", "k", origin.AlgES256, ed.Private, ErrBadKey},
		{"P-256 material as EdDSA", "k", origin.AlgEdDSA, es.Private, ErrBadKey},
		{"garbage", "k", origin.AlgEdDSA, []byte("garbage"), ErrBadKey},
		{"short HMAC secret", "k", origin.AlgHS256, make([]byte, 16), ErrBadKey},
		{"empty kid", "", origin.AlgEdDSA, ed.Private, ErrBadKey},
		{"RS256", "k", "RS256", ed.Private, ErrUnsupportedAlg},
		{"none", "k", "none", nil, ErrUnsupportedAlg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseKeyPair(tt.kid, tt.alg, tt.private); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := GenerateKey("none", nil); !errors.Is(err, ErrUnsupportedAlg) {
		t.Fatalf("GenerateKey(none) = %v", err)
	}
}

// TestKidNeverStartsWithDash: a kid whose random bytes would encode to a
// leading '-' is changed, so that it never reads as a flag on a command line.
func TestKidNeverStartsWithDash(t *testing.T) {
	for _, first := range []byte{0xF8, 0xF9, 0xFA, 0xFB} { // 111110xx: '-' in base64url
		random := io.MultiReader(bytes.NewReader(append([]byte{first}, make([]byte, 15)...)), rand.Reader)
		k, err := GenerateKey(origin.AlgEdDSA, random)
		if err != nil {
			t.Fatal(err)
		}
		if k.Kid == "" || k.Kid[0] == '-' {
			t.Errorf("first byte %#x: kid %q", first, k.Kid)
		}
	}
}
