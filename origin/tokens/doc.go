// Package tokens issues the origin's access tokens and owns the cryptography
// behind them: signing-key generation (EdDSA, ES256, HS256), the public JWK of
// each key, and the at-rest encryption of private keys (AES-256-GCM under a
// master key). It holds no storage of its own: stores call GenerateKey and a
// Sealer, and the Issuer reads users, keys and cutoffs through small
// interfaces, so the package works on top of any backend.
package tokens
