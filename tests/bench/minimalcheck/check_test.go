package minimalcheck

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

const now = 1_800_000_000

// signer mints tokens of one algorithm.
type signer struct {
	alg  string
	sign func(signed []byte) []byte
}

func newKeys(t testing.TB) (*Keys, map[string]signer) {
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("a secret of thirty-two bytes ...")
	keys := &Keys{
		EdDSA: map[string]ed25519.PublicKey{"k": edPub},
		ES256: map[string]*ecdsa.PublicKey{"k": &ec.PublicKey},
		HS256: map[string][]byte{"k": secret},
	}
	signers := map[string]signer{
		"EdDSA": {"EdDSA", func(m []byte) []byte { return ed25519.Sign(edPriv, m) }},
		"ES256": {"ES256", func(m []byte) []byte {
			d := sha256.Sum256(m)
			r, s, err := ecdsa.Sign(rand.Reader, ec, d[:])
			if err != nil {
				t.Fatal(err)
			}
			sig := make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
			return sig
		}},
		"HS256": {"HS256", func(m []byte) []byte { h := hmac.New(sha256.New, secret); h.Write(m); return h.Sum(nil) }},
	}
	return keys, signers
}

// mint returns a token the origin would issue, with jti i.
func (s signer) mint(t testing.TB, kid string, i int, exp int64) []byte {
	h, _ := json.Marshal(map[string]string{"alg": s.alg, "kid": kid, "typ": "at+jwt"})
	c, err := json.Marshal(map[string]any{"iss": "http://127.0.0.1:3000", "sub": "users/42", "aud": "todos",
		"scope": "users:read users:write todos:read todos:write", "jti": "jti-" + strconv.Itoa(i),
		"iat": now - 10, "nbf": now - 10, "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return []byte(signed + "." + b64.EncodeToString(s.sign([]byte(signed))))
}

func TestCheck(t *testing.T) {
	keys, signers := newKeys(t)
	for alg, s := range signers {
		t.Run(alg, func(t *testing.T) {
			good := s.mint(t, "k", 1, now+3600)
			tampered := append([]byte(nil), good...)
			tampered[len(tampered)/2] ^= 1
			tests := []struct {
				name  string
				token []byte
				ok    bool
			}{
				{"valid", good, true},
				{"tampered", tampered, false},
				{"expired", s.mint(t, "k", 2, now), false},
				{"unknown kid", s.mint(t, "other", 3, now+3600), false},
				{"two segments", good[:bytes.LastIndexByte(good, '.')], false},
			}
			for _, tt := range tests {
				c, err := keys.Check(tt.token, now)
				if tt.ok && (err != nil || c.Sub != "users/42") {
					t.Errorf("%s: %v, %+v", tt.name, err, c)
				}
				if !tt.ok && !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
				}
			}
		})
	}
}

// BenchmarkCheck checks distinct valid tokens, each a full check: the
// baseline of wasmhost's BenchmarkAuthorize miss cases.
func BenchmarkCheck(b *testing.B) {
	keys, signers := newKeys(b)
	for _, alg := range []string{"EdDSA", "ES256", "HS256"} {
		b.Run(alg, func(b *testing.B) {
			tokens := make([][]byte, 512)
			for i := range tokens {
				tokens[i] = signers[alg].mint(b, "k", i, now+3600)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := keys.Check(tokens[i%len(tokens)], now); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
