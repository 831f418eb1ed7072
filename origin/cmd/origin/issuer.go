package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// The issuer is the iss of every token and the API's base URL, from which
// the discovery documents and every challenge's resource_metadata are
// derived. Unset, it follows the listener: http://<server.host>:<port>,
// the port being the one actually bound (server.port 0 picks a free one),
// so that a local origin on any port issues tokens naming itself. A
// deployment behind a proxy, TLS or replicas sets it to the URL clients use.

// listenerIssuer is the issuer of an origin listening on host:port with
// auth.issuer unset.
func listenerIssuer(host string, port int) string {
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// issuerFor is the effective issuer of config c once it listens on port.
func (c Config) issuerFor(port int) string {
	if c.Auth.Issuer != "" {
		return c.Auth.Issuer
	}
	return listenerIssuer(c.Server.Host, port)
}

// issuerSource says where issuerFor takes the issuer from, for `origin
// config print` and the start-up log.
func (c Config) issuerSource() string {
	switch {
	case c.Auth.Issuer != "":
		return "auth.issuer"
	case c.Server.Port == 0:
		return "the listener, auth.issuer being unset: server.host and the port chosen at start (server.port is 0)"
	}
	return "the listener, auth.issuer being unset: server.host and server.port"
}

// wildcardHost reports whether host listens on every address, which makes
// a poor issuer: clients cannot reach http://0.0.0.0:3000.
func wildcardHost(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// validateIssuer checks a set auth.issuer: an http or https URL with a
// host and nothing after it (no path, not even "/", no query, fragment or
// user info). Tokens compare iss byte for byte, and the discovery documents
// live at its root (/.well-known/...), so a trailing slash or a path would
// make an issuer that nothing serves or that verifiers never match.
func validateIssuer(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: auth.issuer %q is not an http or https URL", errConfig, s)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.ForceQuery || u.String() != s {
		return fmt.Errorf("%w: auth.issuer %q must be scheme://host[:port] alone: no path (not even a trailing /), query, fragment or user info", errConfig, s)
	}
	return nil
}
