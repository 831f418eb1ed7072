package edgeauth

// denial names why a request is refused. Each has a fixed status, error code
// and description; descriptions are short, generic and constant, so they can
// never echo a token, a key or other input.
type denial uint8

const (
	denyNone denial = iota

	// 400 invalid_request: the Authorization header (or the Request) is unusable.
	denyBadRequest
	denyManyAuth
	denyScheme
	denyNoCredential

	// 401 invalid_token.
	denyMalformed
	denyTooLarge
	denyHeader
	denyType
	denyAlg
	denyKey
	denySignature
	denyClaims
	denyIssuer
	denyAudience
	denyExpired
	denyNotYet
	denyLifetime
	denyRevoked
	denySuperseded
	denyNotConfigured

	// 401 with no error code: no credential at all (RFC 6750 section 3.1).
	denyNoToken

	// 403 insufficient_scope; its challenge is per route.
	denyScope

	// 404 not_found: a denied route or an owner mismatch.
	denyNotFound

	numDenials
)

type denialInfo struct {
	status int
	code   string
	desc   string
}

var denials = [numDenials]denialInfo{
	denyBadRequest:    {400, CodeInvalidRequest, "the request is malformed"},
	denyManyAuth:      {400, CodeInvalidRequest, "more than one Authorization value"},
	denyScheme:        {400, CodeInvalidRequest, "the authorization scheme must be Bearer"},
	denyNoCredential:  {400, CodeInvalidRequest, "the Authorization header has no credential"},
	denyMalformed:     {401, CodeInvalidToken, "the token is malformed"},
	denyTooLarge:      {401, CodeInvalidToken, "the token is too large"},
	denyHeader:        {401, CodeInvalidToken, "the token header is not accepted"},
	denyType:          {401, CodeInvalidToken, "the token type is not accepted"},
	denyAlg:           {401, CodeInvalidToken, "the token algorithm is not accepted"},
	denyKey:           {401, CodeInvalidToken, "the token key is unknown"},
	denySignature:     {401, CodeInvalidToken, "the token signature is invalid"},
	denyClaims:        {401, CodeInvalidToken, "the token claims are invalid"},
	denyIssuer:        {401, CodeInvalidToken, "the token issuer is not accepted"},
	denyAudience:      {401, CodeInvalidToken, "the token audience is not accepted"},
	denyExpired:       {401, CodeInvalidToken, "the token has expired"},
	denyNotYet:        {401, CodeInvalidToken, "the token is not valid yet"},
	denyLifetime:      {401, CodeInvalidToken, "the token lifetime is not accepted"},
	denyRevoked:       {401, CodeInvalidToken, "the token has been revoked"},
	denySuperseded:    {401, CodeInvalidToken, "the token is no longer valid"},
	denyNotConfigured: {401, CodeInvalidToken, "no configuration is loaded"},
	denyNoToken:       {401, "", ""},
	denyScope:         {403, CodeInsufficientScope, "the token lacks a required scope"},
	denyNotFound:      {404, CodeNotFound, "not found"},
}

// challenges holds the Decision of every denial for one realm, built once
// per Config so that a denial allocates nothing.
type challenges [numDenials]Decision

func newChallenges(realm string) *challenges {
	var c challenges
	for d := denyBadRequest; d < numDenials; d++ {
		info := denials[d]
		c[d] = Decision{Status: info.status, Error: info.code, ErrorDescription: info.desc, Reason: denialReasons[d]}
		if info.status != 404 {
			c[d].WWWAuthenticate = challenge(realm, info.code, info.desc, nil)
		}
	}
	return &c
}

// unconfigured answers every request before a Config is accepted.
var unconfigured = newChallenges(defaultRealm)

// challenge builds a WWW-Authenticate value (RFC 6750 section 3). Realm,
// descriptions and scopes were checked to hold no '"' or '\', so no quoting
// is needed.
func challenge(realm, code, desc string, scopes []string) string {
	b := make([]byte, 0, 96)
	b = append(b, `Bearer realm="`...)
	b = append(b, realm...)
	b = append(b, '"')
	if code != "" {
		b = append(b, `, error="`...)
		b = append(b, code...)
		b = append(b, `", error_description="`...)
		b = append(b, desc...)
		b = append(b, '"')
	}
	if len(scopes) > 0 {
		b = append(b, `, scope="`...)
		for i, s := range scopes {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, s...)
		}
		b = append(b, '"')
	}
	return string(b)
}
