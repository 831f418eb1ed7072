package tokens

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/golang-jwt/jwt/v5"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// hmacKeyLen is the HS256 secret length: 256 bits, the hash's output size
// (RFC 7518 section 3.2 requires at least that).
const hmacKeyLen = 32

// kidLen is the number of random bytes in a kid (128 bits): unique without
// coordination, so two processes creating keys at once never collide.
const kidLen = 16

var b64 = base64.RawURLEncoding

// KeyPair is one signing key in memory: its private part, ready to sign,
// and the JWK that verifies its signatures. Build it with GenerateKey or
// ParseKeyPair.
type KeyPair struct {
	Kid string
	Alg string
	// Private is the stored form: PKCS#8 DER for EdDSA and ES256, the raw
	// secret for HS256. Never log it.
	Private []byte

	jwk    edgeauth.JWK
	method jwt.SigningMethod
	signer any // ed25519.PrivateKey, *ecdsa.PrivateKey or []byte
}

// GenerateKey creates a new key of alg (origin.AlgEdDSA, AlgES256 or
// AlgHS256) with a random kid. random is the entropy source (crypto/rand when
// nil; note that Go ignores it for ECDSA and always uses its own CSPRNG).
func GenerateKey(alg string, random io.Reader) (*KeyPair, error) {
	if random == nil {
		random = rand.Reader
	}
	kidBytes := make([]byte, kidLen)
	if _, err := io.ReadFull(random, kidBytes); err != nil {
		return nil, fmt.Errorf("tokens: kid: %w", err)
	}
	// A kid is typed on command lines (`origin keys retire KID`), where one
	// starting with '-' would read as a flag: the first byte's top six bits
	// never make that character (62 in the URL alphabet).
	if kidBytes[0]>>2 == 62 {
		kidBytes[0] ^= 0x80
	}
	kid := b64.EncodeToString(kidBytes)
	var private []byte
	switch alg {
	case origin.AlgEdDSA:
		_, priv, err := ed25519.GenerateKey(random)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		if private, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
	case origin.AlgES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), random)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		if private, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
	case origin.AlgHS256:
		private = make([]byte, hmacKeyLen)
		if _, err := io.ReadFull(random, private); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
	}
	return ParseKeyPair(kid, alg, private)
}

// ParseKeyPair rebuilds a KeyPair from its stored form, checking that the
// material really is a key of alg. ErrBadKey or ErrUnsupportedAlg otherwise.
func ParseKeyPair(kid, alg string, private []byte) (*KeyPair, error) {
	if kid == "" {
		return nil, fmt.Errorf("%w: empty kid", ErrBadKey)
	}
	k := &KeyPair{Kid: kid, Alg: alg, Private: private}
	switch alg {
	case origin.AlgEdDSA:
		parsed, err := x509.ParsePKCS8PrivateKey(private)
		priv, ok := parsed.(ed25519.PrivateKey)
		if err != nil || !ok {
			return nil, fmt.Errorf("%w: not an Ed25519 PKCS#8 key", ErrBadKey)
		}
		k.method, k.signer = jwt.SigningMethodEdDSA, priv
		k.jwk = edgeauth.JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(priv.Public().(ed25519.PublicKey))}
	case origin.AlgES256:
		parsed, err := x509.ParsePKCS8PrivateKey(private)
		priv, ok := parsed.(*ecdsa.PrivateKey)
		if err != nil || !ok || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: not a P-256 PKCS#8 key", ErrBadKey)
		}
		point, err := priv.PublicKey.Bytes() // 0x04 || X || Y, each 32 bytes
		if err != nil || len(point) != 65 {
			return nil, fmt.Errorf("%w: P-256 public point", ErrBadKey)
		}
		k.method, k.signer = jwt.SigningMethodES256, priv
		k.jwk = edgeauth.JWK{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:])}
	case origin.AlgHS256:
		if len(private) < hmacKeyLen {
			return nil, fmt.Errorf("%w: HS256 secret shorter than %d bytes", ErrBadKey, hmacKeyLen)
		}
		k.method, k.signer = jwt.SigningMethodHS256, private
		k.jwk = edgeauth.JWK{Kty: "oct", K: b64.EncodeToString(private)}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
	}
	k.jwk.Kid, k.jwk.Alg, k.jwk.Use = kid, alg, "sig"
	return k, nil
}

// JWK returns the key that verifies this key's signatures. For HS256 that is
// the secret itself (kty "oct"): it may go to the origin's own auth step but
// must never be published; Publishable says which.
func (k *KeyPair) JWK() edgeauth.JWK { return k.jwk }

// Publishable reports whether JWK may appear in the JWKS and the edge config.
func (k *KeyPair) Publishable() bool { return Publishable(k.Alg) }

// Publishable reports whether keys of alg have a public part that may be
// published (false for HS256, whose verifying key is its secret).
func Publishable(alg string) bool { return alg == origin.AlgEdDSA || alg == origin.AlgES256 }

// Sign serialises claims as a compact JWS with the header the origin's token
// profile requires: alg, kid and typ "at+jwt" (RFC 9068).
func (k *KeyPair) Sign(claims jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["kid"] = k.Kid
	t.Header["typ"] = "at+jwt"
	s, err := t.SignedString(k.signer)
	if err != nil {
		return "", fmt.Errorf("tokens: sign: %w", err)
	}
	return s, nil
}
