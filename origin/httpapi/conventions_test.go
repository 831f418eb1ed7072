package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHead: HEAD is served wherever GET is, decided by the auth step exactly
// as GET, and over a real connection it carries GET's headers and no body.
func TestHead(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	tests := []struct {
		name, path string
		header     []string
		status     int
	}{
		{"public", "/healthz", nil, 200},
		{"no token", "/users/1", nil, 401},
		{"own user", "/users/1", []string{"Authorization", "Bearer alice"}, 200},
		{"another user", "/users/1", []string{"Authorization", "Bearer bob"}, 404},
		{"scope missing", "/users/1", []string{"Authorization", "Bearer readonly"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := hs.do("GET", tt.path, "", tt.header...)
			head := hs.do("HEAD", tt.path, "", tt.header...)
			if head.Code != tt.status || get.Code != tt.status {
				t.Fatalf("HEAD = %d, GET = %d, want %d for both", head.Code, get.Code, tt.status)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "WWW-Authenticate", "Cache-Control"} {
				if head.Header().Get(k) != get.Header().Get(k) {
					t.Errorf("%s: HEAD %q, GET %q", k, head.Header().Get(k), get.Header().Get(k))
				}
			}
		})
	}

	srv := httptest.NewServer(hs.h)
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(openAPIDocument)) {
		t.Errorf("HEAD /openapi.json over HTTP: %d, %d body bytes, Content-Length %d", resp.StatusCode, len(b), resp.ContentLength)
	}
}

// TestMethodBeforeAuth: a served path with a wrong method is 405 with Allow
// whatever the token, before the auth step's 401; an unknown path still
// gets the auth step's answer, so paths are no oracle for strangers.
func TestMethodBeforeAuth(t *testing.T) {
	hs := newHarness(t, true)
	tests := []struct {
		name, method, path string
		header             []string
		status             int
		allow              string
	}{
		{"no token", "PUT", "/users/1", nil, 405, "GET, HEAD, PATCH, DELETE, OPTIONS"},
		{"a bad token", "PUT", "/users/1/todos", []string{"Authorization", "Bearer nobody"}, 405, "GET, HEAD, POST, OPTIONS"},
		{"a good token", "POST", "/users/1", []string{"Authorization", "Bearer alice"}, 405, "GET, HEAD, PATCH, DELETE, OPTIONS"},
		{"a public path", "DELETE", "/healthz", nil, 405, "GET, HEAD, OPTIONS"},
		{"OPTIONS, no token", "OPTIONS", "/users/1", nil, 204, "GET, HEAD, PATCH, DELETE, OPTIONS"},
		{"unknown path, no token", "PUT", "/nope", nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := hs.do(tt.method, tt.path, "", tt.header...)
			if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
				t.Fatalf("%s %s = %d Allow %q, want %d Allow %q: %s", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"), tt.status, tt.allow, rec.Body)
			}
			if tt.status == 405 {
				mustProblem(t, rec, 405, "method_not_allowed")
			}
		})
	}
}

const appOrigin = "https://app.example"

func withCORS(o *Options) { o.CORSOrigins = []string{appOrigin, "http://localhost:5173"} }

// TestCORS: preflights from a listed origin are answered without a token;
// actual requests from it may be read by the page (their challenges and
// Location included); any other origin gets no CORS header at all.
func TestCORS(t *testing.T) {
	hs := newHarness(t, true, withCORS)
	hs.seed()
	preflight := func(origin, method, path, headers string) *httptest.ResponseRecorder {
		h := []string{"Origin", origin, "Access-Control-Request-Method", method}
		if headers != "" {
			h = append(h, "Access-Control-Request-Headers", headers)
		}
		return hs.do("OPTIONS", path, "", h...)
	}

	t.Run("preflight from a listed origin", func(t *testing.T) {
		rec := preflight(appOrigin, "POST", "/users/1/todos", "authorization, content-type")
		h := rec.Header()
		if rec.Code != 204 || h.Get("Access-Control-Allow-Origin") != appOrigin ||
			h.Get("Access-Control-Allow-Methods") != "GET, HEAD, POST, OPTIONS" ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") ||
			h.Get("Access-Control-Max-Age") == "" || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("preflight = %d %v", rec.Code, h)
		}
		if vary := strings.Join(h.Values("Vary"), ", "); !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Access-Control-Request-Method") {
			t.Errorf("Vary = %q", vary)
		}
	})
	refused := []struct {
		name                         string
		origin, method, path, header string
	}{
		{"an unlisted origin", "https://evil.example", "POST", "/users/1/todos", "authorization"},
		{"a listed origin with another port", "https://app.example:8443", "GET", "/users/1", ""},
		{"a method the path does not serve", appOrigin, "PUT", "/users/1", ""},
		{"a header the API does not read", appOrigin, "GET", "/users/1", "authorization, x-debug"},
		{"an unknown path", appOrigin, "GET", "/nope", ""},
	}
	for _, tt := range refused {
		t.Run("preflight: "+tt.name, func(t *testing.T) {
			rec := preflight(tt.origin, tt.method, tt.path, tt.header)
			for k := range rec.Header() {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("refused preflight carries %s: %v", k, rec.Header())
				}
			}
			if rec.Code == 200 || rec.Code == 204 && rec.Header().Get("Allow") == "" {
				t.Errorf("refused preflight = %d %v", rec.Code, rec.Header())
			}
		})
	}

	t.Run("actual requests", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			method string
			path   string
			body   string
			header []string
			status int
		}{
			{"a read", "GET", "/users/1", "", []string{"Authorization", "Bearer alice"}, 200},
			{"a 401 the page must read", "GET", "/users/1", "", nil, 401},
			{"a 201 with Location", "POST", "/users/1/todos", `{"title":"x"}`, []string{"Authorization", "Bearer alice"}, 201},
		} {
			rec := hs.do(tc.method, tc.path, tc.body, append([]string{"Origin", appOrigin}, tc.header...)...)
			h := rec.Header()
			if rec.Code != tc.status || h.Get("Access-Control-Allow-Origin") != appOrigin ||
				!strings.Contains(h.Get("Access-Control-Expose-Headers"), "Location") ||
				!strings.Contains(h.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") ||
				!strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("%s: %d %v", tc.name, rec.Code, h)
			}
		}
		rec := hs.do("GET", "/users/1", "", "Origin", "https://evil.example", "Authorization", "Bearer alice")
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Header().Get("Vary") != "Origin" {
			t.Errorf("an unlisted origin: %d %v", rec.Code, rec.Header())
		}
	})

	t.Run("off by default", func(t *testing.T) {
		hs := newHarness(t, true)
		rec := hs.do("OPTIONS", "/users/1", "", "Origin", appOrigin, "Access-Control-Request-Method", "GET")
		if rec.Code != 204 || rec.Header().Get("Allow") == "" {
			t.Errorf("OPTIONS without CORS = %d %v", rec.Code, rec.Header())
		}
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
				t.Errorf("CORS is off, yet %s is set", k)
			}
		}
	})
}

// TestCORSSurvivesPanic: the 500 that replaces a panicking handler's answer
// keeps the CORS headers, so the page can read it.
func TestCORSSurvivesPanic(t *testing.T) {
	hs := newHarness(t, false, withCORS)
	hs.users.panicWith = "boom"
	rec := hs.do("POST", "/users", `{"email":"n@example.com","password":"long enough","name":"N"}`, "Origin", appOrigin)
	mustProblem(t, rec, http.StatusInternalServerError, "internal")
	if rec.Header().Get("Access-Control-Allow-Origin") != appOrigin || rec.Header().Get("Vary") != "Origin" {
		t.Errorf("CORS headers lost in the panic: %v", rec.Header())
	}
}
