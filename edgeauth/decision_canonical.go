package edgeauth

import (
	"bytes"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// parseCanonicalDecision reads b in one pass when it is a Decision in the
// shape AppendDecisionJSON writes — its members in its order, no space,
// every string plain (see jsonx.PlainPrefix), every integer non-negative
// without a leading zero — and consistent (allow exactly when status is
// 200, status within 100–599). It then holds exactly what
// parseDecisionGeneral would read; for anything else it reports false and
// leaves that parser to judge. A host reads one Decision per check, and the
// general parser validates the document before walking it member by
// member.
func parseCanonicalDecision(b []byte) (Decision, bool) {
	var d Decision
	rest, ok := bytes.CutPrefix(b, []byte(`{"allow":`))
	if !ok {
		return Decision{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte("true")); ok {
		d.Allow = true
	} else if rest, ok = bytes.CutPrefix(rest, []byte("false")); !ok {
		return Decision{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"status":`)); !ok {
		return Decision{}, false
	}
	status, rest, ok := canonicalUint(rest)
	if !ok || status < 100 || status > 599 || d.Allow != (status == 200) {
		return Decision{}, false
	}
	d.Status = int(status)
	var member []byte
	if member, rest, ok = canonicalMember(rest, `,"subject":`); ok {
		if d.Subject, ok = canonicalString(member); !ok {
			return Decision{}, false
		}
	}
	if list, present := bytes.CutPrefix(rest, []byte(`,"scopes":[`)); present {
		if d.Scopes, rest, ok = canonicalStrings(list); !ok {
			return Decision{}, false
		}
	}
	for _, m := range [...]struct {
		prefix string
		dst    *string
	}{{`,"jti":`, &d.JTI}, {`,"sid":`, &d.SID}} {
		if member, rest, ok = canonicalMember(rest, m.prefix); ok {
			if *m.dst, ok = canonicalString(member); !ok {
				return Decision{}, false
			}
		}
	}
	if num, present := bytes.CutPrefix(rest, []byte(`,"expires_at":`)); present {
		var exp uint64
		if exp, rest, ok = canonicalUint(num); !ok {
			return Decision{}, false
		}
		d.ExpiresAt = int64(exp) //nolint:gosec // canonicalUint reads at most 18 digits
	}
	for _, m := range [...]struct {
		prefix string
		dst    *string
	}{{`,"error":`, &d.Error}, {`,"error_description":`, &d.ErrorDescription}, {`,"www_authenticate":`, &d.WWWAuthenticate}} {
		if member, rest, ok = canonicalMember(rest, m.prefix); ok {
			if *m.dst, ok = canonicalString(member); !ok {
				return Decision{}, false
			}
		}
	}
	if member, rest, ok = canonicalMember(rest, `,"reason":`); ok {
		if len(member) < 2 {
			return Decision{}, false
		}
		d.Reason = internReason(member[1 : len(member)-1])
	}
	if string(rest) != "}" {
		return Decision{}, false
	}
	return d, true
}

// canonicalMember cuts prefix and the plain string after it from b: the
// string with its quotes, and what follows. Without prefix it reports
// false and returns b as rest; with prefix but no plain string it returns
// an empty member and ok, which canonicalString refuses.
func canonicalMember(b []byte, prefix string) (member, rest []byte, ok bool) {
	s, found := bytes.CutPrefix(b, []byte(prefix))
	if !found {
		return nil, b, false
	}
	if len(s) == 0 || s[0] != '"' {
		return nil, s, true
	}
	n := 1 + jsonx.PlainPrefix(s[1:])
	if n >= len(s) || s[n] != '"' {
		return nil, s, true
	}
	return s[:n+1], s[n+1:], true
}

// canonicalString returns the contents of a member canonicalMember cut.
func canonicalString(member []byte) (string, bool) {
	if len(member) < 2 {
		return "", false
	}
	return string(member[1 : len(member)-1]), true
}

// canonicalStrings reads plain strings up to the closing bracket of an
// array whose opening bracket was already cut; an empty array gives an
// empty, non-nil list, as the general parser does.
func canonicalStrings(b []byte) ([]string, []byte, bool) {
	if rest, ok := bytes.CutPrefix(b, []byte("]")); ok {
		return []string{}, rest, true
	}
	// Plain strings hold no quote, so in a canonical array `","` occurs
	// only between elements: the list is allocated once, at its length.
	end := bytes.IndexByte(b, ']')
	if end < 0 {
		return nil, nil, false
	}
	list := make([]string, 0, 1+bytes.Count(b[:end], []byte(`","`)))
	for {
		if len(b) == 0 || b[0] != '"' {
			return nil, nil, false
		}
		n := 1 + jsonx.PlainPrefix(b[1:])
		if n >= len(b) || b[n] != '"' {
			return nil, nil, false
		}
		list = append(list, string(b[1:n]))
		b = b[n+1:]
		if rest, ok := bytes.CutPrefix(b, []byte("]")); ok {
			return list, rest, true
		}
		var comma bool
		if b, comma = bytes.CutPrefix(b, []byte(",")); !comma {
			return nil, nil, false
		}
	}
}

// canonicalUint reads a non-negative integer of 1 to 18 digits without a
// leading zero (no overflow is possible) and returns what follows it.
func canonicalUint(b []byte) (uint64, []byte, bool) {
	i := 0
	var n uint64
	for i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + uint64(b[i]-'0')
		i++
	}
	if i == 0 || i > 18 || (b[0] == '0' && i > 1) {
		return 0, nil, false
	}
	return n, b[i:], true
}
