package httpapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// docsFiles is the API reference: docs/index.html and docs/docs.js
// (committed) and, in a build made with make, the vendored Swagger UI
// (docs/README.md says how it gets there).
//
//go:embed docs
var docsFiles embed.FS

// docsAssets are the files served under /docs/, with their media types;
// anything else under /docs/ is 404.
var docsAssets = map[string]string{
	"docs.js":                          "text/javascript; charset=utf-8",
	"swagger-ui-bundle.js":             "text/javascript; charset=utf-8",
	"swagger-ui.css":                   "text/css; charset=utf-8",
	"swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8",
	"LICENSE":                          "text/plain; charset=utf-8",
	"NOTICE":                           "text/plain; charset=utf-8",
}

// docsCSP lets the page run only this origin's scripts and talk only to
// this origin (the "try it out" calls); Swagger UI sets inline styles and
// draws its icons from data: URLs.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// SwaggerUIVersion returns the version of the Swagger UI embedded in this
// binary (swagger-ui-dist's package.json, copied by make), or "" when the
// binary was built without it.
func SwaggerUIVersion() string {
	b, err := docsFiles.ReadFile("docs/swagger-ui-dist.json")
	if err != nil {
		return ""
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pkg) != nil || pkg.Name != "swagger-ui-dist" {
		return ""
	}
	return pkg.Version
}

// docAsset is one served file, with its validator and, made on first use,
// its gzip encoding (the bundle shrinks to about a quarter).
type docAsset struct {
	body, gz    []byte
	contentType string
	etag        string // of body; the gzip encoding's is etag with "-gzip" inside the quotes
	gzOnce      sync.Once
}

func (a *docAsset) gzipped() []byte {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
		_, _ = zw.Write(a.body)
		if zw.Close() == nil {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

// newDocAssets reads the embedded files once; a missing one (Swagger UI in
// a build without make) is simply not served.
func newDocAssets() map[string]*docAsset {
	out := map[string]*docAsset{}
	add := func(name, file, contentType string) {
		if b, err := docsFiles.ReadFile("docs/" + file); err == nil {
			out[name] = &docAsset{body: b, contentType: contentType, etag: strongETag(b)}
		}
	}
	add("", "index.html", "text/html; charset=utf-8")
	for file, ct := range docsAssets {
		add(file, file, ct)
	}
	return out
}

// docsPage: GET /docs -> the interactive reference of /openapi.json.
func (s *server) docsPage(w http.ResponseWriter, r *http.Request) {
	s.serveDocAsset(w, r, "")
}

// docsAsset: GET /docs/{file} -> one of docsAssets.
func (s *server) docsAsset(w http.ResponseWriter, r *http.Request) {
	file := pathValue(r, "file")
	if file == "" {
		s.notFound(w, r)
		return
	}
	s.serveDocAsset(w, r, file)
}

// serveDocAsset writes a docs file: revalidated by ETag (it changes only
// with the binary), gzip-encoded when the client takes it.
func (s *server) serveDocAsset(w http.ResponseWriter, r *http.Request, name string) {
	a := s.docs[name]
	if a == nil {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if acceptsGzip(r) {
		if gz := a.gzipped(); gz != nil {
			// A strong validator names one representation (RFC 9110
			// section 8.8.3): the encoded one gets its own.
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	writeAsset(w, r, body, etag, "public, max-age=300", a.contentType)
}

// acceptsGzip reports whether Accept-Encoding names gzip without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, c := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(c), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}
