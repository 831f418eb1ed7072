package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestDocsPage: GET /docs is public and serves the page that starts
// Swagger UI on /openapi.json, under a policy that keeps it on this origin.
func TestDocsPage(t *testing.T) {
	hs := newHarness(t, true)
	rec := hs.do("GET", "/docs", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{`src="/docs/swagger-ui-bundle.js"`, `src="/docs/docs.js"`, `href="/docs/swagger-ui.css"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	if rec := hs.do("GET", "/docs", "", "If-None-Match", rec.Header().Get("ETag")); rec.Code != 304 {
		t.Errorf("revalidation = %d, want 304", rec.Code)
	}
}

// TestDocsAssets: the listed files are served with their types, anything
// else under /docs/ is the one 404, and gzip is a representation of its own.
func TestDocsAssets(t *testing.T) {
	hs := newHarness(t, false)
	rec := hs.do("GET", "/docs/docs.js", "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
		!strings.Contains(rec.Body.String(), `url: "/openapi.json"`) {
		t.Fatalf("GET /docs/docs.js = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	plain, plainTag := rec.Body.Bytes(), rec.Header().Get("ETag")
	for _, name := range []string{"README.md", "index.html", "swagger-ui-dist.json", "..%2Fdocs.go", "nope.js"} {
		mustProblem(t, hs.do("GET", "/docs/"+name, ""), 404, "not_found")
	}

	rec = hs.do("GET", "/docs/docs.js", "", "Accept-Encoding", "br, gzip;q=0.8")
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip not used: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, plain) {
		t.Fatalf("the gzip body does not decode to the file: %v", err)
	}
	if gzTag := rec.Header().Get("ETag"); gzTag == plainTag || gzTag == "" {
		t.Errorf("gzip ETag %q must differ from the identity one %q", gzTag, plainTag)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for v, want := range map[string]bool{
		"":                  false,
		"gzip":              true,
		"GZIP":              true,
		"br, gzip":          true,
		"gzip;q=0":          false,
		"gzip; q=0.000":     false,
		"gzip;q=0.5":        true,
		"deflate, identity": false,
	} {
		r := httptest.NewRequest("GET", "/docs", nil)
		if v != "" {
			r.Header.Set("Accept-Encoding", v)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestSwaggerUIPinned: the Swagger UI embedded (when make put it there) is
// the version the lock file pins, and the lock file pins the version
// package.json names exactly.
func TestSwaggerUIPinned(t *testing.T) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	for file, v := range map[string]any{"swaggerui/package.json": &pkg, "swaggerui/package-lock.json": &lock} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	pin := pkg.Dependencies["swagger-ui-dist"]
	if pin == "" || strings.ContainsAny(pin, "^~<>=* x") {
		t.Fatalf("package.json must pin swagger-ui-dist to one version, not %q", pin)
	}
	if got := lock.Packages["node_modules/swagger-ui-dist"].Version; got != pin {
		t.Fatalf("the lock file has swagger-ui-dist %q, package.json %q", got, pin)
	}
	_, err := docsFiles.ReadFile("docs/swagger-ui-bundle.js")
	switch v := SwaggerUIVersion(); {
	case err != nil && v != "":
		t.Errorf("no bundle embedded, yet a version %q", v)
	case err == nil && v != pin:
		t.Errorf("embedded Swagger UI %q, pinned %q: run make docs-ui", v, pin)
	}
}
