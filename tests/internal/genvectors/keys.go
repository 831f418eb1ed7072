package genvectors

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
)

// b64 is the JWS base64url encoding: unpadded (RFC 7515 section 2).
var b64 = base64.RawURLEncoding

// seed derives fixed key material from a label, so that keys are stable
// without checking secrets into the repository in any other form.
func seed(label string) []byte {
	s := sha256.Sum256([]byte("edgeauth conformance " + label))
	return s[:]
}

// key is one signing key of the corpus with its public JWK.
type key struct {
	kid, alg string
	sign     func(input []byte) []byte
	// verify checks a signature with the standard library, so that the
	// generator proves every token it calls valid really is.
	verify func(input, sig []byte) bool
	jwk    map[string]any
	// pub is the key's public form as bytes, for the key-confusion vectors
	// that use it as an HMAC secret: raw Ed25519, uncompressed EC, DER RSA.
	pub []byte
}

// keys holds every key the corpus signs with.
type keys struct {
	ed1, ed2, edX          *key // EdDSA; edX is never configured
	ec1, ec2               *key // ES256
	rsaA, rsaB             *key // RS256 (A), PS256 (B)
	hs1, hs64, hsX         *key // HS256: 32 and 64 bytes; hsX is never configured
	ecPriv1                *ecdsa.PrivateKey
	rsaPrivA, rsaPrivB     *rsa.PrivateKey
	rsaShort               *rsa.PublicKey // 1024 bits, for the config error
	edPriv1                ed25519.PrivateKey
	hsSecret1, hsSecretBad []byte
}

func loadKeys(keyFS fs.FS) (*keys, error) {
	var k keys
	var err error
	k.edPriv1 = ed25519.NewKeyFromSeed(seed("ed-1"))
	k.ed1 = edKey("ed-1", k.edPriv1)
	k.ed2 = edKey("ed-2", ed25519.NewKeyFromSeed(seed("ed-2")))
	k.edX = edKey("ed-x", ed25519.NewKeyFromSeed(seed("ed-x")))

	if k.ecPriv1, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), seed("ec-1")); err != nil {
		return nil, err
	}
	k.ec1 = ecKey("ec-1", k.ecPriv1)
	ec2, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed("ec-2"))
	if err != nil {
		return nil, err
	}
	k.ec2 = ecKey("ec-2", ec2)

	if k.rsaPrivA, err = loadRSA(keyFS, "rsa-a.pem"); err != nil {
		return nil, err
	}
	if k.rsaPrivB, err = loadRSA(keyFS, "rsa-b.pem"); err != nil {
		return nil, err
	}
	short, err := loadRSA(keyFS, "rsa-short.pem")
	if err != nil {
		return nil, err
	}
	k.rsaShort = &short.PublicKey
	k.rsaA = rsaKey("rsa-a", "RS256", k.rsaPrivA, rs256Sign(k.rsaPrivA))
	k.rsaB = rsaKey("rsa-b", "PS256", k.rsaPrivB, ps256Sign(k.rsaPrivB, 32))

	k.hsSecret1 = seed("hs-1")
	k.hs1 = hsKey("hs-1", k.hsSecret1)
	k.hs64 = hsKey("hs-64", append(seed("hs-64a"), seed("hs-64b")...))
	k.hsSecretBad = seed("hs-x")
	k.hsX = hsKey("hs-1", k.hsSecretBad) // a wrong secret under the real kid
	return &k, nil
}

func edKey(kid string, priv ed25519.PrivateKey) *key {
	pub := priv.Public().(ed25519.PublicKey)
	return &key{
		kid: kid, alg: "EdDSA",
		sign:   func(in []byte) []byte { return ed25519.Sign(priv, in) },
		verify: func(in, sig []byte) bool { return ed25519.Verify(pub, in, sig) },
		jwk:    map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA", "x": b64.EncodeToString(pub)},
		pub:    pub,
	}
}

func ecKey(kid string, priv *ecdsa.PrivateKey) *key {
	pub, err := priv.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	return &key{
		kid: kid, alg: "ES256",
		sign: func(in []byte) []byte { r, s := es256RS(priv, in); return rawRS(r, s) },
		verify: func(in, sig []byte) bool {
			d := sha256.Sum256(in)
			return len(sig) == 64 && ecdsa.Verify(&priv.PublicKey, d[:],
				new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		},
		jwk: map[string]any{"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256",
			"x": b64.EncodeToString(pub[1:33]), "y": b64.EncodeToString(pub[33:])},
		pub: pub,
	}
}

func rsaKey(kid, alg string, priv *rsa.PrivateKey, sign func([]byte) []byte) *key {
	return &key{
		kid: kid, alg: alg, sign: sign,
		verify: func(in, sig []byte) bool {
			d := sha256.Sum256(in)
			if alg == "PS256" {
				return rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, d[:], sig,
					&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
			}
			return rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, d[:], sig) == nil
		},
		jwk: rsaJWK(kid, alg, &priv.PublicKey),
		pub: x509.MarshalPKCS1PublicKey(&priv.PublicKey),
	}
}

func rsaJWK(kid, alg string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "alg": alg,
		"n": b64.EncodeToString(pub.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

func hsKey(kid string, secret []byte) *key {
	return &key{
		kid: kid, alg: "HS256",
		sign:   func(in []byte) []byte { return hs256(secret, in) },
		verify: func(in, sig []byte) bool { return hmac.Equal(sig, hs256(secret, in)) },
		jwk:    map[string]any{"kty": "oct", "kid": kid, "alg": "HS256", "k": b64.EncodeToString(secret)},
	}
}

func hs256(secret, in []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(in)
	return m.Sum(nil)
}

func loadRSA(keyFS fs.FS, name string) (*rsa.PrivateKey, error) {
	b, err := fs.ReadFile(keyFS, name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", name)
	}
	return priv, nil
}

// es256RS signs deterministically (RFC 6979: crypto/ecdsa with a nil
// random source) and returns r and s.
func es256RS(priv *ecdsa.PrivateKey, in []byte) (r, s *big.Int) {
	d := sha256.Sum256(in)
	der, err := priv.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		panic(err)
	}
	r, s, err = parseDERSig(der)
	if err != nil {
		panic(err)
	}
	return r, s
}

// parseDERSig reads an ASN.1 ECDSA-Sig-Value (SEQUENCE of two INTEGERs).
func parseDERSig(der []byte) (r, s *big.Int, err error) {
	next := func(b []byte) (*big.Int, []byte, error) {
		if len(b) < 2 || b[0] != 0x02 || int(b[1]) > len(b)-2 {
			return nil, nil, errors.New("bad DER integer")
		}
		n := int(b[1])
		return new(big.Int).SetBytes(b[2 : 2+n]), b[2+n:], nil
	}
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 {
		return nil, nil, errors.New("bad DER sequence")
	}
	rest := der[2:]
	if r, rest, err = next(rest); err != nil {
		return nil, nil, err
	}
	if s, rest, err = next(rest); err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, errors.New("trailing DER bytes")
	}
	return r, s, nil
}

// derSig encodes r and s as an ASN.1 ECDSA-Sig-Value, the form a JWS must
// not use (RFC 7518 section 3.4).
func derSig(r, s *big.Int) []byte {
	integer := func(x *big.Int) []byte {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(integer(r), integer(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// rawRS is the JWS ES256 signature: r and s as 32-byte big-endian each.
func rawRS(r, s *big.Int) []byte {
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// p256N is the order of the P-256 group.
var p256N = elliptic.P256().Params().N

func rs256Sign(priv *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// ps256Sign signs RSASSA-PSS with SHA-256 and MGF1-SHA-256 (RFC 8017
// section 8.1) with a fixed salt of saltLen bytes, so that the corpus is
// deterministic. It is only for test vectors: the private operation is a
// plain math/big exponentiation, not constant time.
func ps256Sign(priv *rsa.PrivateKey, saltLen int) func([]byte) []byte {
	return func(in []byte) []byte {
		mHash := sha256.Sum256(in)
		salt := seed("pss salt")[:0]
		for len(salt) < saltLen {
			salt = append(salt, seed(fmt.Sprint("pss salt ", len(salt)))...)
		}
		salt = salt[:saltLen]
		emBits := priv.N.BitLen() - 1
		emLen := (emBits + 7) / 8
		// EMSA-PSS-ENCODE (RFC 8017 section 9.1.1).
		mp := append(append(make([]byte, 8), mHash[:]...), salt...)
		h := sha256.Sum256(mp)
		db := make([]byte, emLen-len(h)-1)
		db[len(db)-saltLen-1] = 0x01
		copy(db[len(db)-saltLen:], salt)
		mask := mgf1(h[:], len(db))
		for i := range db {
			db[i] ^= mask[i]
		}
		db[0] &= 0xff >> (8*emLen - emBits)
		em := append(append(db, h[:]...), 0xbc)
		m := new(big.Int).SetBytes(em)
		sig := new(big.Int).Exp(m, priv.D, priv.N)
		return sig.FillBytes(make([]byte, priv.Size()))
	}
}

func mgf1(seedBytes []byte, n int) []byte {
	var out []byte
	for c := uint32(0); len(out) < n; c++ {
		h := sha256.New()
		h.Write(seedBytes)
		h.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
		out = h.Sum(out)
	}
	return out[:n]
}

// offCurve reports whether the JWK coordinates x, y are not a P-256 point,
// so the off-curve vector is sure to be one.
func offCurve(x, y []byte) bool {
	_, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
	return err != nil
}
