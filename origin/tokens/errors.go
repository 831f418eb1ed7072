package tokens

import "errors"

// Sentinel errors; test them with errors.Is.
var (
	// ErrMasterKeyRequired: a private key is stored encrypted but no master
	// key was given (set ORIGIN_MASTER_KEY).
	ErrMasterKeyRequired = errors.New("tokens: private key is encrypted at rest and no master key is set (ORIGIN_MASTER_KEY)")
	// ErrDecrypt: the master key does not open a stored private key (wrong
	// master key, or the row was tampered with).
	ErrDecrypt = errors.New("tokens: cannot decrypt private key: wrong master key or corrupted data")
	// ErrBadMasterKey: the master key is not base64 of exactly 32 bytes.
	ErrBadMasterKey = errors.New("tokens: master key must be standard base64 of exactly 32 bytes")
	// ErrUnsupportedAlg: an algorithm other than EdDSA, ES256 or HS256.
	ErrUnsupportedAlg = errors.New("tokens: unsupported signing algorithm")
	// ErrBadKey: stored key material does not parse as its algorithm's key.
	ErrBadKey = errors.New("tokens: malformed key material")
	// ErrNoActiveKey: there is no active signing key (run serve once, or
	// `origin keys rotate`).
	ErrNoActiveKey = errors.New("tokens: no active signing key")
	// ErrCredentialChanged: the account's password changed, or the account
	// was deleted, since its credential was read.
	ErrCredentialChanged = errors.New("tokens: the credential changed since it was read")
)

// ErrInvalidRefreshToken: a refresh token that is unknown, malformed, or
// of a session that ended or lapsed. Clients see only origin.EINVALIDGRANT.
var ErrInvalidRefreshToken = errors.New("tokens: invalid refresh token")
