package httpapi

import (
	"net/http"
	"testing"
)

func TestWellKnown(t *testing.T) {
	tests := []struct {
		name, path, ifNoneMatch string
		status                  int
		body, etag, cache       string
	}{
		{"jwks", "/.well-known/jwks.json", "", 200, `{"keys":[]}`, `"jwks1"`, "public, max-age=60"},
		{"jwks revalidated", "/.well-known/jwks.json", `"jwks1"`, 304, "", `"jwks1"`, "public, max-age=60"},
		{"config", "/.well-known/edgeauth.json", "", 200, `{"issuer":"x"}`, `"cfg1"`, "no-cache"},
		{"config not modified", "/.well-known/edgeauth.json", `"cfg1"`, 304, "", `"cfg1"`, "no-cache"},
		{"config weak match", "/.well-known/edgeauth.json", `W/"cfg1"`, 304, "", `"cfg1"`, "no-cache"},
		{"config in a list", "/.well-known/edgeauth.json", `"old", "cfg1"`, 304, "", `"cfg1"`, "no-cache"},
		{"config star", "/.well-known/edgeauth.json", `*`, 304, "", `"cfg1"`, "no-cache"},
		{"config changed", "/.well-known/edgeauth.json", `"cfg0"`, 200, `{"issuer":"x"}`, `"cfg1"`, "no-cache"},
		{"healthz", "/healthz", "", 200, "{\"status\":\"ok\"}\n", "", "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, security := range []bool{false, true} {
				hs := newHarness(t, security)
				rec := hs.do("GET", tc.path, "", "If-None-Match", tc.ifNoneMatch)
				if rec.Code != tc.status || rec.Body.String() != tc.body {
					t.Fatalf("security=%v: %d %q, want %d %q", security, rec.Code, rec.Body, tc.status, tc.body)
				}
				if rec.Header().Get("ETag") != tc.etag || rec.Header().Get("Cache-Control") != tc.cache {
					t.Errorf("ETag %q Cache-Control %q, want %q %q", rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"), tc.etag, tc.cache)
				}
				if tc.status == 200 && rec.Header().Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
				}
			}
		})
	}
}

func TestWellKnownBeforeFirstBuild(t *testing.T) {
	hs := newHarness(t, false)
	hs.control.doc = nil
	for _, path := range []string{"/.well-known/jwks.json", "/.well-known/edgeauth.json"} {
		rec := hs.do("GET", path, "")
		mustProblem(t, rec, http.StatusServiceUnavailable, "unavailable")
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
}
