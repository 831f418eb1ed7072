package httpapi

import (
	"net/http"
	"slices"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// TestRoutesAreExactlyTheTables holds the router to the published route
// tables (origin.PublishedRoutes: the tables with their HEAD twins) both
// ways: an unruled route would be unknown to the edge config, and a ruled
// route without a handler would be a dead rule. OPTIONS, published on every
// path, is answered before the router (methodNotAllowed, cors.go).
func TestRoutesAreExactlyTheTables(t *testing.T) {
	served := routerRoutes(t, true)
	var ruled []string
	public, rules := origin.PublishedRoutes()
	for _, p := range public {
		if p.Method != http.MethodOptions {
			ruled = append(ruled, routeKey(p.Method, p.Path))
		}
	}
	for _, r := range rules {
		ruled = append(ruled, routeKey(r.Method, r.Path))
	}
	for _, k := range served {
		if !slices.Contains(ruled, k) {
			t.Errorf("router serves %s, which is in neither PublicRoutes nor RouteRules", k)
		}
	}
	for _, k := range ruled {
		if !slices.Contains(served, k) {
			t.Errorf("%s is in the route tables but the router does not serve it", k)
		}
	}
	if len(served) != len(ruled) {
		t.Errorf("router has %d routes, tables %d", len(served), len(ruled))
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	hs := newHarness(t, false)
	hs.seed()
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"unknown path", "GET", "/nope", http.StatusNotFound, ""},
		{"trailing slash", "GET", "/users/1/", http.StatusNotFound, ""},
		{"dot segments are not cleaned", "GET", "/users/2/../1", http.StatusNotFound, ""},
		{"encoded segment is not decoded", "GET", "/%75sers/1", http.StatusNotFound, ""},
		{"PUT on a user", "PUT", "/users/1", http.StatusMethodNotAllowed, "GET, HEAD, PATCH, DELETE, OPTIONS"},
		{"GET on /authenticate", "GET", "/authenticate", http.StatusMethodNotAllowed, "POST, DELETE, OPTIONS"},
		{"HEAD on /authenticate", "HEAD", "/authenticate", http.StatusMethodNotAllowed, "POST, DELETE, OPTIONS"},
		{"POST on healthz", "POST", "/healthz", http.StatusMethodNotAllowed, "GET, HEAD, OPTIONS"},
		{"OPTIONS on todos", "OPTIONS", "/users/1/todos", http.StatusNoContent, "GET, HEAD, POST, OPTIONS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := hs.do(tc.method, tc.path, "")
			if tc.method == "HEAD" || tc.status == http.StatusNoContent {
				if rec.Code != tc.status {
					t.Fatalf("status = %d, want %d", rec.Code, tc.status)
				}
			} else {
				mustProblem(t, rec, tc.status, "")
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"0", 0, false},
		{"01", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{" 1", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		{"%31", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseID(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseID(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
