// Package minimalcheck is the native baseline a full check in wasm is
// judged against: the least a Go service must do to accept a JWS compact
// token — split it, decode base64url, decode header and claims with
// encoding/json, verify the signature with the standard library, check
// the algorithm, the key id and the expiry — and nothing else (no
// strictness beyond that, no cache, no route rules).
package minimalcheck

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
)

// Keys are the verification keys by kid.
type Keys struct {
	EdDSA map[string]ed25519.PublicKey
	ES256 map[string]*ecdsa.PublicKey
	HS256 map[string][]byte
}

// ErrInvalid is every refusal.
var ErrInvalid = errors.New("minimalcheck: invalid token")

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// Claims are the registered claims the check reads.
type Claims struct {
	Sub   string `json:"sub"`
	Scope string `json:"scope"`
	Exp   int64  `json:"exp"`
}

var b64 = base64.RawURLEncoding

// Check verifies token at time now (unix seconds) and returns its claims.
func (k *Keys) Check(token []byte, now int64) (*Claims, error) {
	dot1 := bytes.IndexByte(token, '.')
	if dot1 < 0 {
		return nil, ErrInvalid
	}
	dot2 := bytes.IndexByte(token[dot1+1:], '.') + dot1 + 1
	if dot2 <= dot1 {
		return nil, ErrInvalid
	}
	hb, err := b64.DecodeString(string(token[:dot1]))
	if err != nil {
		return nil, ErrInvalid
	}
	pb, err := b64.DecodeString(string(token[dot1+1 : dot2]))
	if err != nil {
		return nil, ErrInvalid
	}
	sig, err := b64.DecodeString(string(token[dot2+1:]))
	if err != nil {
		return nil, ErrInvalid
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, ErrInvalid
	}
	signed := token[:dot2]
	ok := false
	switch h.Alg {
	case "EdDSA":
		if pub, found := k.EdDSA[h.Kid]; found {
			ok = ed25519.Verify(pub, signed, sig)
		}
	case "ES256":
		if pub, found := k.ES256[h.Kid]; found && len(sig) == 64 {
			digest := sha256.Sum256(signed)
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			ok = ecdsa.Verify(pub, digest[:], r, s)
		}
	case "HS256":
		if secret, found := k.HS256[h.Kid]; found {
			m := hmac.New(sha256.New, secret)
			m.Write(signed)
			ok = hmac.Equal(m.Sum(nil), sig)
		}
	}
	if !ok {
		return nil, ErrInvalid
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil || c.Exp <= now {
		return nil, ErrInvalid
	}
	return &c, nil
}
