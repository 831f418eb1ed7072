package edgeauth

import (
	"sync"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// Reason labels, returned by Reason and sent by the module as a Decision's
// "reason" (ABI.md). They are stable: dashboards, alerts and other hosts are
// built on them, so a label is never renamed, only added. Every label is a
// short constant, never derived from the request, so a metric labelled with
// it has a bounded number of series.
const (
	ReasonPublic     = "public"      // allowed: a public route (a token, if any, was not needed)
	ReasonValidToken = "valid_token" // allowed: a verified token that passed the route's rules

	ReasonMissing           = "missing"     // 401 without error code: no Authorization header
	ReasonBadRequest        = "bad_request" // 400: the Request itself is unusable
	ReasonMultipleAuth      = "multiple_authorization"
	ReasonBadScheme         = "bad_scheme"         // not "Bearer"
	ReasonNoCredential      = "no_credential"      // "Bearer" with nothing after it
	ReasonMalformed         = "malformed"          // not a well-formed compact JWS
	ReasonTooLarge          = "too_large"          // over max_token_bytes
	ReasonBadHeader         = "bad_header"         // a JOSE header member that is refused (crit, jku, ...)
	ReasonBadType           = "bad_type"           // typ is not accepted
	ReasonBadAlgorithm      = "bad_algorithm"      // alg not allowed, or not the alg of the key
	ReasonUnknownKey        = "unknown_kid"        // no verifying key has the token's kid
	ReasonBadSignature      = "bad_signature"      // the signature does not verify
	ReasonBadClaims         = "bad_claims"         // a required claim is missing or mistyped
	ReasonBadIssuer         = "bad_issuer"         // iss is not the configured issuer
	ReasonBadAudience       = "bad_audience"       // no aud is accepted
	ReasonExpired           = "expired"            // exp has passed (beyond the leeway)
	ReasonNotYetValid       = "not_yet_valid"      // nbf or iat is in the future
	ReasonBadLifetime       = "bad_lifetime"       // exp - iat beyond max_lifetime_seconds
	ReasonRevoked           = "revoked"            // its jti or its session (sid) was revoked (a logout)
	ReasonSuperseded        = "superseded"         // issued before its subject's cutoff (password change, deletion)
	ReasonNotConfigured     = "not_configured"     // the module has no Config yet
	ReasonInsufficientScope = "insufficient_scope" // 403
	// ReasonNotFound is a 404: the token's subject does not own the route's
	// {owner} variable (an owner mismatch), or the route is unlisted under
	// default "deny". A Decision does not tell the two apart, on purpose: a
	// stranger must not learn which one it was.
	ReasonNotFound = "not_found"
	// ReasonOther is a denial this package does not know: a Decision from
	// another ABI v1 module that sends no reason this package knows and
	// whose error_description is not one of edgeauth's fixed phrases. The
	// module never sends it.
	ReasonOther = "other"
)

// denialReasons names every denial of denials (denial.go) with its label;
// the module sends it as a Decision's "reason".
var denialReasons = [numDenials]string{
	denyBadRequest:    ReasonBadRequest,
	denyManyAuth:      ReasonMultipleAuth,
	denyScheme:        ReasonBadScheme,
	denyNoCredential:  ReasonNoCredential,
	denyMalformed:     ReasonMalformed,
	denyTooLarge:      ReasonTooLarge,
	denyHeader:        ReasonBadHeader,
	denyType:          ReasonBadType,
	denyAlg:           ReasonBadAlgorithm,
	denyKey:           ReasonUnknownKey,
	denySignature:     ReasonBadSignature,
	denyClaims:        ReasonBadClaims,
	denyIssuer:        ReasonBadIssuer,
	denyAudience:      ReasonBadAudience,
	denyExpired:       ReasonExpired,
	denyNotYet:        ReasonNotYetValid,
	denyLifetime:      ReasonBadLifetime,
	denyRevoked:       ReasonRevoked,
	denySuperseded:    ReasonSuperseded,
	denyNotConfigured: ReasonNotConfigured,
	denyNoToken:       ReasonMissing,
	denyScope:         ReasonInsufficientScope,
	denyNotFound:      ReasonNotFound,
}

// reasonKey identifies a denial by what a Decision carries of it.
type reasonKey struct {
	status int
	code   string
	desc   string
}

// reasonTables are the lookups of Reason and ParseDecisionJSON, built on
// first use: lazily, so that the WASI module, which only writes reasons,
// pays nothing for them at start-up (the linker drops them altogether).
type reasonTables struct {
	// byDenial is denialReasons keyed by the other Decision fields: the
	// fallback for a Decision without a reason.
	byDenial map[reasonKey]string
	// denied and allowed hold the labels of denials and of allowed
	// Decisions, each mapped to itself, so that a parsed reason can share
	// the constant's memory.
	denied, allowed map[string]string
}

var reasonTable = sync.OnceValue(func() *reasonTables {
	t := &reasonTables{
		byDenial: make(map[reasonKey]string, numDenials),
		denied:   make(map[string]string, numDenials),
		allowed:  map[string]string{ReasonPublic: ReasonPublic, ReasonValidToken: ReasonValidToken},
	}
	for d := denyBadRequest; d < numDenials; d++ {
		info := denials[d]
		t.byDenial[reasonKey{info.status, info.code, info.desc}] = denialReasons[d]
		t.denied[denialReasons[d]] = denialReasons[d]
	}
	return t
})

// reasonText decodes a Decision's "reason" string. A known label comes
// back as the package's constant, so a parsed Decision holds no copy of it.
func reasonText(v jsonx.Value) (string, bool) {
	var buf [32]byte
	b, ok := v.AppendText(buf[:0])
	if !ok {
		return "", false
	}
	return internReason(b), true
}

// internReason returns a decoded "reason": a known label as the package's
// constant, anything else as a copy.
func internReason(b []byte) string {
	t := reasonTable()
	if r, known := t.denied[string(b)]; known {
		return r
	}
	if r, known := t.allowed[string(b)]; known {
		return r
	}
	return string(b)
}

// Reason returns a stable, low-cardinality label for why d was decided, for
// metrics and logs: ReasonPublic or ReasonValidToken for an allowed request,
// otherwise the Reason* constant of the denial.
//
// It reads d.Reason, which this package's module sends (ABI.md), when it
// is a label of this package that fits d (an allowed label on an allowed
// Decision, a denial's label on a denial). Otherwise — another ABI v1 module
// that sends no reason, or one this package does not know — it falls back
// on the other fields: an allowed Decision is ReasonValidToken when it has a
// subject and ReasonPublic when not; a denial is recognised by its status,
// error and error_description together, which name a denial of this
// package exactly (its descriptions are fixed phrases, one per denial). A
// denial it still does not recognise is ReasonOther, never a label taken
// from the Decision itself.
func Reason(d Decision) string {
	t := reasonTable()
	if d.Allow {
		if r, ok := t.allowed[d.Reason]; ok {
			return r
		}
		if d.Subject == "" {
			return ReasonPublic
		}
		return ReasonValidToken
	}
	if r, ok := t.denied[d.Reason]; ok {
		return r
	}
	if r, ok := t.byDenial[reasonKey{d.Status, d.Error, d.ErrorDescription}]; ok {
		return r
	}
	return ReasonOther
}

// Reasons lists every label Reason can return, so that a metrics exporter
// can pre-declare its series (a counter at 0 is more useful to an alert than
// a missing one).
func Reasons() []string {
	out := []string{ReasonPublic, ReasonValidToken}
	for d := denyBadRequest; d < numDenials; d++ {
		out = append(out, denialReasons[d])
	}
	return append(out, ReasonOther)
}
