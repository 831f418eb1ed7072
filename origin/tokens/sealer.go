package tokens

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Encodings of a stored private key, kept beside it so that a key written
// with a master key is never mistaken for plain bytes.
const (
	EncNone      = "none"        // stored in plain (no master key was set)
	EncAES256GCM = "aes-256-gcm" // nonce (12 bytes) || ciphertext+tag, kid as AAD
)

// MasterKeyLen is the length of the master key in bytes (AES-256).
const MasterKeyLen = 32

// ParseMasterKey decodes the ORIGIN_MASTER_KEY value: standard base64 (with
// or without padding) of exactly MasterKeyLen bytes. Surrounding whitespace
// is ignored. ErrBadMasterKey otherwise; the value is never echoed.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if k, err := enc.Strict().DecodeString(s); err == nil && len(k) == MasterKeyLen {
			return k, nil
		}
	}
	return nil, ErrBadMasterKey
}

// Sealer encrypts private keys at rest. The zero value is not usable; build
// one with NewSealer. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD // nil: no master key, keys are stored in plain
	rand io.Reader
}

// NewSealer returns a Sealer. With a nil masterKey it stores keys in plain
// (and Open refuses encrypted ones with ErrMasterKeyRequired); otherwise the
// key must be MasterKeyLen bytes. rand supplies nonces (crypto/rand when nil).
func NewSealer(masterKey []byte, random io.Reader) (*Sealer, error) {
	if random == nil {
		random = rand.Reader
	}
	s := &Sealer{rand: random}
	if masterKey == nil {
		return s, nil
	}
	if len(masterKey) != MasterKeyLen {
		return nil, ErrBadMasterKey
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return s, nil
}

// Encrypting reports whether a master key is set.
func (s *Sealer) Encrypting() bool { return s.aead != nil }

// Seal returns the stored form of a private key and its encoding. The kid
// is authenticated as additional data, so a sealed key moved to another
// row does not open.
func (s *Sealer) Seal(kid string, private []byte) (enc string, sealed []byte, err error) {
	if s.aead == nil {
		return EncNone, append([]byte(nil), private...), nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(private)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", nil, fmt.Errorf("tokens: nonce: %w", err)
	}
	return EncAES256GCM, s.aead.Seal(nonce, nonce, private, []byte(kid)), nil
}

// Open reverses Seal. ErrMasterKeyRequired when the key is encrypted and no
// master key is set; ErrDecrypt when the master key (or kid) does not match.
func (s *Sealer) Open(kid, enc string, sealed []byte) ([]byte, error) {
	switch enc {
	case EncNone:
		return append([]byte(nil), sealed...), nil
	case EncAES256GCM:
		if s.aead == nil {
			return nil, ErrMasterKeyRequired
		}
		n := s.aead.NonceSize()
		if len(sealed) < n+s.aead.Overhead() {
			return nil, ErrDecrypt
		}
		plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
		if err != nil {
			return nil, ErrDecrypt
		}
		return plain, nil
	default:
		return nil, fmt.Errorf("%w: unknown encoding %q", ErrBadKey, enc)
	}
}
