package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr returns a function that names the client of a request for
// the limiter: the address of the TCP peer (RemoteAddr), unless that peer
// is one of the trusted proxies, in which case X-Forwarded-For is read from
// the right, skipping trusted proxies, and the first address that is not
// one is the client. The right-most entries are the ones our own proxies
// appended; anything further left was sent by the client and could be
// forged, so it is never believed past the first untrusted hop.
//
// IPv6 clients are named by their /64 prefix (see clientKey).
//
// With no trusted proxies X-Forwarded-For is ignored entirely: a client
// could otherwise pick a fresh "address" for every guess.
func ClientAddr(trusted []netip.Prefix) func(*http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, ok := parseAddr(r.RemoteAddr)
		if !ok {
			return r.RemoteAddr // not an IP (a unix socket, a test): still one key per peer
		}
		if len(trusted) == 0 || !isTrusted(peer) {
			return clientKey(peer)
		}
		client := peer
		for _, line := range slicesBackward(r.Header.Values("X-Forwarded-For")) {
			hops := strings.Split(line, ",")
			for i := len(hops) - 1; i >= 0; i-- {
				a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					// A garbled hop: stop at the last address we could trust.
					return clientKey(client)
				}
				a = a.Unmap()
				if !isTrusted(a) {
					return clientKey(a)
				}
				client = a
			}
		}
		return clientKey(client)
	}
}

// clientKey names a client by its IPv4 address, or by the /64 prefix of
// its IPv6 address: one subscriber usually holds a whole /64, so keying by
// the full address would give an attacker 2^64 fresh buckets.
func clientKey(a netip.Addr) string {
	if a.Is6() {
		return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	}
	return a.String()
}

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses ("10.0.0.0/8, 192.0.2.1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%w: trusted proxy %q is not an address or a CIDR prefix", ErrInvalidConfig, f)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted proxy %q is not an address or a CIDR prefix", ErrInvalidConfig, f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// parseAddr reads the IP of a "host:port" RemoteAddr.
func parseAddr(hostport string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func slicesBackward(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[len(s)-1-i] = s[i]
	}
	return out
}
