package edgeauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
)

// p256Order is n, the order of the P-256 group, big-endian.
var p256Order = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
}

// pssOptions: RFC 7518 section 3.5 fixes PS256's salt length to the hash
// length; a verifier that auto-detects the salt accepts more than the spec.
var pssOptions = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}

// verify checks sig over the JWS signing input (header.payload) with k.
// The caller has already checked that the token's alg is k's alg.
func (k *key) verify(signingInput, sig []byte) bool {
	switch k.alg {
	case algEdDSA:
		// crypto/ed25519 rejects a non-canonical S and uses the cofactorless
		// equation; low-order keys were refused when the key was loaded.
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, signingInput, sig)
	case algES256:
		return verifyES256(k.ec, signingInput, sig)
	case algRS256:
		h := sha256.Sum256(signingInput)
		return rsa.VerifyPKCS1v15(k.rsa, crypto.SHA256, h[:], sig) == nil
	case algPS256:
		h := sha256.Sum256(signingInput)
		return rsa.VerifyPSS(k.rsa, crypto.SHA256, h[:], sig, pssOptions) == nil
	case algHS256:
		if len(sig) != sha256.Size {
			return false
		}
		var mac [sha256.Size]byte
		k.macOf(&mac, signingInput)
		return hmac.Equal(mac[:], sig) // constant time
	}
	return false
}

// verifyES256 checks a JWS ES256 signature: exactly 64 bytes, r‖s, each a
// big-endian integer in [1, n-1] (RFC 7518 section 3.4). High-S signatures
// are valid ECDSA and are accepted; revocation therefore keys on jti, never
// on token bytes.
func verifyES256(pub *ecdsa.PublicKey, signingInput, sig []byte) bool {
	if len(sig) != 64 || !inScalarRange(sig[:32]) || !inScalarRange(sig[32:]) {
		return false
	}
	h := sha256.Sum256(signingInput)
	var der [72]byte // SEQUENCE of two INTEGERs of at most 33 bytes each
	return ecdsa.VerifyASN1(pub, h[:], appendDERSignature(der[:0], sig[:32], sig[32:]))
}

// inScalarRange reports whether the 32-byte big-endian v is in [1, n-1].
func inScalarRange(v []byte) bool {
	zero := true
	for _, b := range v {
		if b != 0 {
			zero = false
			break
		}
	}
	if zero {
		return false
	}
	for i, b := range v {
		if b != p256Order[i] {
			return b < p256Order[i]
		}
	}
	return false // v == n
}

// appendDERSignature encodes r and s as an ASN.1 ECDSA-Sig-Value, the form
// crypto/ecdsa verifies.
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
