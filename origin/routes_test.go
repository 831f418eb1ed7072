package origin_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// TestPublishedRoutes: the published tables are the tables plus a HEAD
// twin of every GET route (the same rule) and a public OPTIONS on every
// path, once each.
func TestPublishedRoutes(t *testing.T) {
	public, rules := origin.PublishedRoutes()
	for _, p := range origin.PublicRoutes {
		if !slices.Contains(public, p) {
			t.Errorf("public route %v is not published", p)
		}
		if p.Method == "GET" && !slices.Contains(public, edgeauth.PublicRoute{Method: "HEAD", Path: p.Path}) {
			t.Errorf("GET %s has no public HEAD twin", p.Path)
		}
	}
	for _, r := range origin.RouteRules {
		if !slices.ContainsFunc(rules, func(x edgeauth.Route) bool { return sameRule(x, r) }) {
			t.Errorf("rule %v is not published", r)
		}
		head := r
		head.Method = "HEAD"
		if r.Method == "GET" && !slices.ContainsFunc(rules, func(x edgeauth.Route) bool { return sameRule(x, head) }) {
			t.Errorf("GET %s has no HEAD twin with its scopes and owner", r.Path)
		}
	}
	options := map[string]int{}
	for _, p := range public {
		if p.Method == "OPTIONS" {
			options[p.Path]++
		}
	}
	publicPaths := pathsOf(origin.PublicRoutes, func(r edgeauth.PublicRoute) string { return r.Path })
	for _, p := range append(publicPaths, pathsOf(origin.RouteRules, func(r edgeauth.Route) string { return r.Path })...) {
		if options[p] != 1 {
			t.Errorf("OPTIONS %s is published %d times, want once", p, options[p])
		}
	}
	for _, r := range rules {
		if r.Method == "OPTIONS" {
			t.Errorf("OPTIONS %s is a ruled route; it must be public", r.Path)
		}
	}
}

// TestPublishedRoutesDecide: the module's own code, configured with the
// published tables, lets HEAD and OPTIONS through exactly as said.
func TestPublishedRoutesDecide(t *testing.T) {
	public, rules := origin.PublishedRoutes()
	cfg, err := json.Marshal(edgeauth.Config{Issuer: "https://i.test", Audiences: []string{"a"},
		Keys: edgeauth.JWKS{Keys: []edgeauth.JWK{}}, Public: public, Routes: rules, Default: origin.DefaultRoute})
	if err != nil {
		t.Fatal(err)
	}
	a := edgeauth.NewAuthorizer(edgeauth.Options{})
	if err := a.Configure(cfg); err != nil {
		t.Fatalf("the module refuses the published tables: %v", err)
	}
	tests := []struct {
		method, path string
		status       int
	}{
		{"HEAD", "/healthz", 200},
		{"HEAD", "/users/1", 401},
		{"OPTIONS", "/users/1/todos", 200},
		{"OPTIONS", "/authenticate", 200},
		{"PUT", "/users/1", 401},
	}
	for _, tt := range tests {
		d := a.Authorize(&edgeauth.Request{Method: tt.method, Path: tt.path})
		if d.Status != tt.status {
			t.Errorf("%s %s without a token: %d, want %d", tt.method, tt.path, d.Status, tt.status)
		}
	}
}

func sameRule(a, b edgeauth.Route) bool {
	return a.Method == b.Method && a.Path == b.Path && a.Owner == b.Owner && slices.Equal(a.Scopes, b.Scopes)
}

// pathsOf lists the distinct paths of routes, in order.
func pathsOf[R edgeauth.PublicRoute | edgeauth.Route](routes []R, path func(R) string) []string {
	var out []string
	for _, r := range routes {
		if p := path(r); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
