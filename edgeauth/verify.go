package edgeauth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
)

// pssOptions: RFC 7518 section 3.5 fixes PS256's salt length to the hash
// length; a verifier that auto-detects the salt accepts more than the spec.
var pssOptions = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}

// verify checks sig over the JWS signing input (header.payload) with k.
// The caller has already checked that the token's alg is k's alg.
func (k *key) verify(signingInput, sig []byte) bool {
	switch k.alg {
	case algEdDSA:
		return k.ed.verify(signingInput, sig)
	case algES256:
		return k.ec.verify(signingInput, sig)
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
		k.mac.Sum(&mac, signingInput)
		return hmac.Equal(mac[:], sig) // constant time
	}
	return false
}
