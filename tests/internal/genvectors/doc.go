// Package genvectors generates the ABI v1 conformance corpus
// (tests/testdata/conformance/*.json) from fixed keys, deterministically:
// running it twice yields identical bytes, and a test in tests/conformance
// checks that the checked-in files are exactly its output.
//
// Every expected decision here is derived from the text of the contract,
// edgeauth/ABI.md (outcomes 1–6 in order and the token profile), and the RFCs
// it cites, not from running an implementation: this package is the
// independent oracle. Where the text leaves a behaviour open, no vector pins
// it down.
//
// The keys are test keys: Ed25519 from fixed seeds, P-256 from fixed scalars
// (signed with crypto/ecdsa's RFC 6979 deterministic mode), RSA from the PEM
// files in tests/testdata/conformance/keys, HMAC from fixed bytes. PS256 is
// signed by hand with a fixed salt, because crypto/rsa always draws the salt
// from its own random source.
package genvectors
