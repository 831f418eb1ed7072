package httpapi

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, served at
// GET /openapi.json. It is written by hand and held to the router by
// TestOpenAPIMatchesRouter: every served route is documented, every
// documented route is served, with the same public/bearer security as the
// route tables.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag is the strong ETag of openAPIDocument, fixed per build.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// OpenAPIDocument returns a copy of the embedded OpenAPI document, for tools
// (a client generator, a contract test) that want it without a server.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

// openAPI: GET /openapi.json -> the OpenAPI 3.1 document, public. It changes
// only with the binary, so clients may cache it for a while and revalidate.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeDocument(w, r, openAPIDocument, openAPIETag, "public, max-age=300")
}
