package edgeauth

import (
	"crypto/rsa"
	"math/big"

	"filippo.io/edwards25519"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// Bounds on key sizes. RSA keys above 8192 bits only make each check slower
// (and are unheard of for JWTs); an exponent above 2^31-1 is not a sane RSA
// key and Go's crypto/rsa refuses it anyway.
const (
	minRSABits      = 2048
	maxRSABits      = 8192
	maxRSAExponent  = 1<<31 - 1
	minHMACKeyBytes = 32
)

// key is one validated verification key of a Config. Exactly one of the
// algorithm-specific fields is set, the one for alg.
type key struct {
	kid string
	alg alg

	ed  *ed25519Key
	ec  *p256Key
	rsa *rsa.PublicKey
	mac *hmacKey
}

// jwkFields are the JWK members the profile reads; all are strings.
type jwkFields struct {
	kty, kid, alg, use, crv, x, y, n, e, k string
	hasKid, hasAlg, private                bool
}

// parseJWK validates one JWK against the allow-list. Its errors name the
// broken rule, never key material. tables keeps an EdDSA or ES256 key's
// precomputed table; nil gives the key none.
func parseJWK(v jsonx.Value, allowed alg, tables *tableCache) (*key, error) {
	if v.Kind() != jsonx.Object {
		return nil, configErr("keys: every key must be a JSON object")
	}
	var f jwkFields
	for it := v.Object(); it.Next(); {
		var dst *string
		switch string(it.Key()) {
		case "kty":
			dst = &f.kty
		case "kid":
			dst, f.hasKid = &f.kid, true
		case "alg":
			dst, f.hasAlg = &f.alg, true
		case "use":
			dst = &f.use
		case "crv":
			dst = &f.crv
		case "x":
			dst = &f.x
		case "y":
			dst = &f.y
		case "n":
			dst = &f.n
		case "e":
			dst = &f.e
		case "k":
			dst = &f.k
		case "d", "p", "q", "dp", "dq", "qi", "oth":
			// Private parts of an asymmetric key must never reach a verifier:
			// a config is published to edges.
			f.private = true
			continue
		default:
			continue // x5c, key_ops, ... are not used
		}
		s, ok := it.Value().Text()
		if !ok {
			return nil, configErr("keys: kty, kid, alg, use, crv, x, y, n, e and k must be strings")
		}
		*dst = s
	}
	if !f.hasKid || f.kid == "" {
		return nil, configErr("keys: every key needs a non-empty kid")
	}
	if !f.hasAlg || f.alg == "" {
		return nil, configErr("keys: every key needs an alg")
	}
	if f.use != "" && f.use != "sig" {
		return nil, configErr(`keys: a key's use must be "sig" when present`)
	}
	a := parseAlg(f.alg)
	if a == 0 {
		return nil, configErr("keys: a key's alg is not a supported algorithm")
	}
	if a&allowed == 0 {
		return nil, configErr("keys: a key's alg is not in algorithms")
	}
	k := &key{kid: f.kid, alg: a}
	var err error
	switch a {
	case algEdDSA:
		err = k.setEd25519(&f, tables)
	case algES256:
		err = k.setP256(&f, tables)
	case algRS256, algPS256:
		err = k.setRSA(&f)
	case algHS256:
		err = k.setHMAC(&f)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

var errKtyMismatch = configErr("keys: a key's kty (or crv) does not fit its alg")

// setEd25519 and setP256 take the cache of the key's precomputed table (see
// comb.go), or nil: the Config decides which keys get one, to bound memory.
func (k *key) setEd25519(f *jwkFields, tables *tableCache) error {
	if f.kty != "OKP" || f.crv != "Ed25519" {
		return errKtyMismatch
	}
	if f.private {
		return configErr("keys: a key holds private material")
	}
	x, ok := appendB64(nil, f.x)
	if !ok || len(x) != 32 {
		return configErr("keys: an Ed25519 x must be 32 bytes of base64url")
	}
	// SetBytes accepts non-canonical encodings; re-encoding exposes them.
	p, err := new(edwards25519.Point).SetBytes(x)
	if err != nil || string(p.Bytes()) != string(x) {
		return configErr("keys: an Ed25519 key is not a canonical curve point")
	}
	// A point of small order (cofactor 8) makes signatures meaningless: any
	// message verifies against it for some signature.
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return configErr("keys: an Ed25519 key is of low order")
	}
	k.ed = newEd25519Key(x, p, tables)
	return nil
}

func (k *key) setP256(f *jwkFields, tables *tableCache) error {
	if f.kty != "EC" || f.crv != "P-256" {
		return errKtyMismatch
	}
	if f.private {
		return configErr("keys: a key holds private material")
	}
	// RFC 7518 section 6.2.1.2: x and y are exactly the coordinate size.
	pt := make([]byte, 1, 65)
	pt[0] = 4 // uncompressed point
	pt, okX := appendB64(pt, f.x)
	n := len(pt)
	pt, okY := appendB64(pt, f.y)
	if !okX || !okY || n != 33 || len(pt) != 65 {
		return configErr("keys: a P-256 x and y must each be 32 bytes of base64url")
	}
	ec, err := newP256Key(pt, tables)
	if err != nil {
		return configErr("keys: a P-256 key is not on the curve")
	}
	k.ec = ec
	return nil
}

func (k *key) setRSA(f *jwkFields) error {
	if f.kty != "RSA" {
		return errKtyMismatch
	}
	if f.private {
		return configErr("keys: a key holds private material")
	}
	n, okN := appendB64(nil, f.n)
	e, okE := appendB64(nil, f.e)
	if !okN || !okE || len(n) == 0 || len(e) == 0 || n[0] == 0 || e[0] == 0 {
		// RFC 7518 section 6.3.1: minimal big-endian, so no leading zero.
		return configErr("keys: an RSA n and e must be minimal base64url integers")
	}
	bits := len(n)*8 - leadingZeros(n[0])
	if bits < minRSABits || bits > maxRSABits {
		return configErr("keys: an RSA key must have 2048 to 8192 bits")
	}
	if n[len(n)-1]&1 == 0 {
		return configErr("keys: an RSA modulus must be odd")
	}
	if len(e) > 4 {
		return configErr("keys: an RSA exponent must be odd, at least 3 and below 2^31")
	}
	var exp uint64
	for _, b := range e {
		exp = exp<<8 | uint64(b)
	}
	if exp < 3 || exp > maxRSAExponent || exp&1 == 0 {
		return configErr("keys: an RSA exponent must be odd, at least 3 and below 2^31")
	}
	k.rsa = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
	return nil
}

func (k *key) setHMAC(f *jwkFields) error {
	if f.kty != "oct" {
		return errKtyMismatch
	}
	secret, ok := appendB64(nil, f.k)
	if !ok {
		return configErr("keys: an oct k must be base64url")
	}
	if len(secret) < minHMACKeyBytes {
		return configErr("keys: an HS256 key must have at least 32 bytes")
	}
	k.mac = newHMACKey(secret)
	return nil
}

func leadingZeros(b byte) int {
	n := 0
	for mask := byte(0x80); mask != 0 && b&mask == 0; mask >>= 1 {
		n++
	}
	return n
}
