package httpapi

import (
	"slices"
	"testing"
)

func TestMatchRoute(t *testing.T) {
	tests := []struct {
		method, path string
		want         RouteMatch
	}{
		{"GET", "/users/7/todos", RouteMatch{Template: "/users/{id}/todos"}},
		{"HEAD", "/users/7", RouteMatch{Template: "/users/{id}"}},
		{"GET", "/nope", RouteMatch{Status: 404}},
		{"GET", "/users/7/", RouteMatch{Status: 404}},
		{"GET", "/%75sers/7", RouteMatch{Status: 404}},
		{"PUT", "/users/7", RouteMatch{Status: 405, Allow: []string{"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"}}},
	}
	for _, tt := range tests {
		got, err := MatchRoute(tt.method, tt.path)
		if err != nil || got.Template != tt.want.Template || got.Status != tt.want.Status || !slices.Equal(got.Allow, tt.want.Allow) {
			t.Errorf("MatchRoute(%s %s) = %+v, %v; want %+v", tt.method, tt.path, got, err, tt.want)
		}
	}
	for _, bad := range []string{"users/7", "http://x/users/7", "%zz"} {
		if _, err := MatchRoute("GET", bad); err == nil {
			t.Errorf("MatchRoute(%q) accepted it", bad)
		}
	}
}
