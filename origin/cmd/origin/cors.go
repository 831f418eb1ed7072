package main

import (
	"fmt"
	"net/url"
	"strings"
)

// validateCORSOrigins checks server.corsOrigins: each an origin exactly as
// a browser sends it in the Origin header (scheme://host[:port]: http or
// https, lower case, no default port, nothing after), since the API
// compares them byte for byte. "*" is refused: the list is an allow-list,
// and the API never answers Access-Control-Allow-Origin: *.
func validateCORSOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		ok := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == "" &&
			u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery &&
			u.String() == o && strings.ToLower(o) == o &&
			!(u.Scheme == "http" && u.Port() == "80") && !(u.Scheme == "https" && u.Port() == "443")
		if !ok {
			return fmt.Errorf("%w: server.corsOrigins: %q is not an origin as browsers send it: scheme://host[:port], http or https, lower case, no default port, no path (and never *)", errConfig, o)
		}
	}
	return nil
}
