// Package edgeauth checks a request's bearer token and authorizes its route.
//
// It is pure Go with no cgo and no file, network or environment access, so the
// same code runs natively (tests, fuzzing, the native baseline in benchmarks)
// and inside the WASI module built from ./wasm, which exposes it through
// ABI v1 (see ABI.md). Every host — wazero in the origin, Node, workerd — runs
// that one module, so every host decides alike.
//
// The types below are the ABI v1 JSON documents. Go callers (the origin, the
// conformance suite) may build them and marshal them with encoding/json; the
// package itself parses and writes them with its own strict, reflection-free
// JSON code so that the module stays small and fast.
package edgeauth

// Config is the ABI v1 configuration: who issues tokens, which keys verify
// them, and which routes need which scopes. See ABI.md for every default.
type Config struct {
	Issuer    string   `json:"issuer"`
	Audiences []string `json:"audiences"`
	// Realm goes into every WWW-Authenticate header; "api" when empty.
	Realm string `json:"realm,omitempty"`
	// Algorithms is the allow-list; ["EdDSA","ES256"] when empty.
	Algorithms []string `json:"algorithms,omitempty"`
	// LeewaySeconds is a pointer because an explicit 0 means 0; nil means 30.
	LeewaySeconds      *int64       `json:"leeway_seconds,omitempty"`
	MaxLifetimeSeconds int64        `json:"max_lifetime_seconds,omitempty"`
	MaxTokenBytes      int64        `json:"max_token_bytes,omitempty"`
	Keys               JWKS         `json:"keys"`
	Revoked            []Revocation `json:"revoked,omitempty"`
	// RevokedSessions names revoked sessions: a token whose sid claim is
	// listed is refused like a revoked jti. Leave it out (nil) when empty:
	// a module older than the member rejects a Config that has it.
	RevokedSessions []SessionRevocation `json:"revoked_sessions,omitempty"`
	// SubjectsValidAfter maps a token subject ("users/42") to unix seconds:
	// tokens of that subject issued (iat) earlier are rejected.
	SubjectsValidAfter map[string]int64 `json:"subjects_valid_after,omitempty"`
	Public             []PublicRoute    `json:"public,omitempty"`
	Routes             []Route          `json:"routes,omitempty"`
	// Default is "authenticated" (an unlisted route needs any valid token) or
	// "deny" (an unlisted route is refused with 404); "authenticated" when empty.
	Default string `json:"default,omitempty"`
}

// JWKS is a JSON Web Key Set (RFC 7517 section 5).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public (or, for HS256, symmetric) key. Kid and Alg are required:
// a key verifies only tokens whose header names its kid and its alg.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	K   string `json:"k,omitempty"`
}

// Revocation names a revoked token by its jti. Exp lets a host forget the
// entry once the token would have expired anyway.
type Revocation struct {
	JTI string `json:"jti"`
	Exp int64  `json:"exp"`
}

// SessionRevocation names a revoked session by its sid. Exp must be at
// least the exp of every token of the session: it lets a host forget the
// entry once they have all expired.
type SessionRevocation struct {
	SID string `json:"sid"`
	Exp int64  `json:"exp"`
}

// ConfigUpdate is an incremental change to the Config in force (ABI.md,
// edgeauth_update): revocations are added to those in force and a
// subject's cutoff only ever moves later.
type ConfigUpdate struct {
	Revoked            []Revocation        `json:"revoked,omitempty"`
	RevokedSessions    []SessionRevocation `json:"revoked_sessions,omitempty"`
	SubjectsValidAfter map[string]int64    `json:"subjects_valid_after,omitempty"`
}

// PublicRoute is a route that needs no token at all.
type PublicRoute struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// Route is a rule for an authenticated route. Path uses {name} for one
// non-empty segment. Owner names a path variable whose value must equal the
// token subject's id ("users/<value>").
type Route struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Scopes []string `json:"scopes,omitempty"`
	Owner  string   `json:"owner,omitempty"`
}

// Request is what a host asks about: one HTTP request.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Headers maps lower-case names to their values; only "authorization" is read.
	Headers map[string][]string `json:"headers,omitempty"`
	// Now is unix seconds; when nil the module reads the host's clock.
	Now *int64 `json:"now,omitempty"`
}

// Decision is the answer to a Request.
type Decision struct {
	Allow  bool `json:"allow"`
	Status int  `json:"status"`

	// Set when allowed (and a token was checked).
	Subject   string   `json:"subject,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	ExpiresAt int64    `json:"expires_at,omitempty"`

	// SID is the token's session (its sid claim), set when allowed with a
	// token that has one.
	SID string `json:"sid,omitempty"`

	// Set when denied.
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
	WWWAuthenticate  string `json:"www_authenticate,omitempty"`

	// Reason is why: one of the labels of Reasons(), stable and meant for
	// machines (metrics, logs), set on every Decision this package makes.
	// Another ABI v1 module may leave it out; read it through Reason,
	// which falls back when it is absent.
	Reason string `json:"reason,omitempty"`
}

// Codes of a denied Decision's error member (RFC 6750 section 3.1, plus
// not_found). They are strings a client reads, not Go errors: the package's
// errors are the Err* sentinels of errors.go.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	CodeNotFound          = "not_found"
)
