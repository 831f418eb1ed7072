//go:build wasm

package edgeauth

import "github.com/craftingapis/todos/edgeauth/internal/hmac256"

// hmacKey in wasm keeps SHA-256's states after the key's pads and runs the
// rounds written out (internal/hmac256): crypto/sha256's generic code loops
// per round, which wasm engines run slowly. An hmac256.Key is immutable, so
// checks share it without a pool.
type hmacKey = hmac256.Key

func newHMACKey(secret []byte) *hmacKey { return hmac256.New(secret) }
