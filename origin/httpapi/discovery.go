package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/craftingapis/todos/origin"
)

// Paths of the discovery documents and of the API reference they point to.
const (
	// AuthorizationServerMetadataPath serves RFC 8414 metadata: where
	// tokens come from and which keys verify them.
	AuthorizationServerMetadataPath = "/.well-known/oauth-authorization-server"
	// ProtectedResourceMetadataPath serves RFC 9728 metadata: which
	// authorization server this API trusts and how to present its tokens.
	ProtectedResourceMetadataPath = "/.well-known/oauth-protected-resource"
	jwksPath                      = "/.well-known/jwks.json"
	tokenPath                     = "/authenticate"
	docsPath                      = "/docs"
	readyzPath                    = "/readyz"
)

// AccessTokenAlgs are the JWS algorithms of the access tokens this origin
// issues and publishes keys for (HS256 keys are never published, so no
// verifier outside the origin could check such a token).
var AccessTokenAlgs = []string{origin.AlgEdDSA, origin.AlgES256}

// authorizationServerMetadata is RFC 8414 section 2. The token endpoint is
// POST /authenticate, which takes a user's email and password (the
// password grant's credentials, as a JSON body rather than RFC 6749's form
// encoding) from a public client (no client authentication). There is no
// authorization endpoint, hence no response types.
type authorizationServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	// AccessTokenSigningAlgs is an extension member: RFC 8414 names no
	// member for the algorithms of JWT access tokens (RFC 9068), which is
	// what a verifier configured from this document needs.
	AccessTokenSigningAlgs []string `json:"access_token_signing_alg_values_supported"`
	ServiceDocumentation   string   `json:"service_documentation"`
}

// protectedResourceMetadata is RFC 9728 section 2. The resource is the
// API's base URL, which is also the issuer: one origin is both the
// authorization server and the resource server.
type protectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name"`
	ResourceDocumentation  string   `json:"resource_documentation"`
}

// discovery holds the rendered documents and the resource_metadata URL
// every bearer challenge carries. It is built once: its inputs are fixed
// for the life of the server.
type discovery struct {
	as, pr         []byte
	asETag, prETag string
	// resourceMetadata is the URL of the protected resource metadata, ""
	// when the server was given no issuer (then nothing is published).
	resourceMetadata string
}

// newDiscovery renders the documents for issuer, the API's base URL
// (scheme://host[:port], no trailing slash). An empty issuer gives empty
// documents: the routes answer 404.
func newDiscovery(issuer string) discovery {
	if issuer == "" {
		return discovery{}
	}
	scopes := strings.Fields(origin.DefaultScope)
	as, _ := json.Marshal(authorizationServerMetadata{ // only strings: cannot fail
		Issuer:                            issuer,
		JWKSURI:                           issuer + jwksPath,
		TokenEndpoint:                     issuer + tokenPath,
		TokenEndpointAuthMethodsSupported: []string{"none"},
		GrantTypesSupported:               []string{"password"},
		ResponseTypesSupported:            []string{},
		ScopesSupported:                   scopes,
		AccessTokenSigningAlgs:            AccessTokenAlgs,
		ServiceDocumentation:              issuer + docsPath,
	})
	pr, _ := json.Marshal(protectedResourceMetadata{
		Resource:               issuer,
		AuthorizationServers:   []string{issuer},
		ScopesSupported:        scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "todos",
		ResourceDocumentation:  issuer + docsPath,
	})
	d := discovery{as: as, pr: pr, asETag: strongETag(as), prETag: strongETag(pr)}
	// The URL goes into a quoted-string of WWW-Authenticate unescaped: only
	// an issuer that needs no escaping is advertised there.
	if !strings.ContainsAny(issuer, "\"\\") && !hasControl(issuer) {
		d.resourceMetadata = issuer + ProtectedResourceMetadataPath
	}
	return d
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func strongETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// withResourceMetadata adds RFC 9728 section 5.1's resource_metadata
// parameter to a Bearer challenge, so that a client refused here can find
// the authorization server from the 401 alone. The challenge comes from the
// module (built from its config) or from the handlers; the module's ABI and
// its conformance corpus stay as they are, and any ABI v1 module gets the
// parameter alike. Another scheme, or a challenge that already names its
// metadata, is returned unchanged.
func (s *server) withResourceMetadata(challenge string) string {
	if s.discovery.resourceMetadata == "" || !strings.HasPrefix(challenge, "Bearer ") ||
		strings.Contains(challenge, "resource_metadata=") {
		return challenge
	}
	return challenge + `, resource_metadata="` + s.discovery.resourceMetadata + `"`
}

// authorizationServer: GET /.well-known/oauth-authorization-server.
func (s *server) authorizationServer(w http.ResponseWriter, r *http.Request) {
	s.discoveryDocument(w, r, s.discovery.as, s.discovery.asETag)
}

// protectedResource: GET /.well-known/oauth-protected-resource.
func (s *server) protectedResource(w http.ResponseWriter, r *http.Request) {
	s.discoveryDocument(w, r, s.discovery.pr, s.discovery.prETag)
}

// discoveryDocument serves a metadata document; clients may cache it for a
// while, as it changes only with the configuration.
func (s *server) discoveryDocument(w http.ResponseWriter, r *http.Request, doc []byte, etag string) {
	if doc == nil {
		s.notFound(w, r)
		return
	}
	writeDocument(w, r, doc, etag, "public, max-age=300")
}
