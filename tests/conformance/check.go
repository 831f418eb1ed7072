package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Check judges one Decision (its ABI v1 JSON) against a vector and returns
// every mismatch found; none means the vector passed.
//
// Each field present in v.Expect is compared exactly: allow, status,
// subject, jti, sid, expires_at, error and error_description by value; scopes as
// an ordered array, where [] demands a present, empty array; a JSON null
// demands that the field be absent. www_authenticate is compared exactly, with
// one allowance: when the vector expects an error code, the header's
// error_description parameter (whose wording is free) is removed before the
// comparison, and its value must equal the Decision's error_description.
//
// Whatever the vector says, every Decision must also keep these invariants:
// allow is true exactly when status is 200; an allowed Decision carries no
// error, error_description or www_authenticate; a denied one carries no
// subject, scopes, jti, sid or expires_at; an error code comes with a non-empty
// error_description; and neither error_description nor www_authenticate
// contains the request's credential or any long part of it.
func Check(v *Vector, decision []byte) []string {
	var c checker
	got, err := decodeDecision(decision)
	if err != nil {
		return []string{err.Error()}
	}
	c.got = got
	c.expectFields(v.Expect)
	c.invariants(v)
	return c.problems
}

type checker struct {
	got      map[string]json.RawMessage
	problems []string
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// decodeDecision decodes the top level of a Decision, refusing duplicate
// members: two hosts could read a duplicated field differently.
func decodeDecision(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("decision is not a JSON object: %q", b)
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decision JSON: %v", err)
		}
		name, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("decision JSON: %v", err)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("decision has a duplicate member %q", name)
		}
		out[name] = val
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("decision JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decision JSON has trailing data")
	}
	return out, nil
}

func (c *checker) present(field string) bool {
	_, ok := c.got[field]
	return ok
}

func (c *checker) str(field string) string {
	var s string
	if raw, ok := c.got[field]; ok {
		if err := json.Unmarshal(raw, &s); err != nil {
			c.fail("%s: not a string: %s", field, raw)
		}
	}
	return s
}

func (c *checker) expectFields(expect map[string]json.RawMessage) {
	names := make([]string, 0, len(expect))
	for name := range expect {
		names = append(names, name)
	}
	slices.Sort(names) // stable messages
	for _, name := range names {
		want := expect[name]
		got, ok := c.got[name]
		if string(want) == "null" {
			if ok {
				c.fail("%s: want absent, got %s", name, got)
			}
			continue
		}
		if !ok {
			c.fail("%s: want %s, got absent", name, want)
			continue
		}
		switch name {
		case "allow", "status", "subject", "jti", "sid", "expires_at", "error", "error_description":
			if !jsonEqual(want, got) {
				c.fail("%s: want %s, got %s", name, want, got)
			}
		case "scopes":
			var w, g []string
			if err := json.Unmarshal(want, &w); err != nil {
				c.fail("scopes: bad expectation %s", want)
			} else if err := json.Unmarshal(got, &g); err != nil || g == nil {
				c.fail("scopes: want %s, got %s (not an array of strings)", want, got)
			} else if !slices.Equal(w, g) {
				c.fail("scopes: want %s, got %s", want, got)
			}
		case "www_authenticate":
			var w string
			if err := json.Unmarshal(want, &w); err != nil {
				c.fail("www_authenticate: bad expectation %s", want)
				continue
			}
			g := c.str(name)
			if e, ok := expect["error"]; ok && string(e) != "null" {
				g = c.withoutDescription(g)
			}
			if g != w {
				c.fail("www_authenticate: want %q, got %q", w, c.str(name))
			}
		default:
			c.fail("%s: unknown expectation field", name)
		}
	}
}

// descParam matches the error_description auth-param of a Bearer challenge
// (RFC 6750 section 3) with its quoted-string value (RFC 9110 section 5.6.4).
var descParam = regexp.MustCompile(`, error_description="((?:[^"\\]|\\.)*)"`)

var quotedPair = regexp.MustCompile(`\\(.)`)

// withoutDescription removes the error_description parameter from a
// challenge, checking that it repeats the Decision's error_description.
func (c *checker) withoutDescription(h string) string {
	m := descParam.FindAllStringSubmatchIndex(h, -1)
	switch len(m) {
	case 0:
		return h
	case 1:
		val := quotedPair.ReplaceAllString(h[m[0][2]:m[0][3]], "$1")
		if desc := c.str("error_description"); val != desc {
			c.fail("www_authenticate: error_description=%q differs from the decision's %q", val, desc)
		}
		return h[:m[0][0]] + h[m[0][1]:]
	default:
		c.fail("www_authenticate: more than one error_description parameter: %q", h)
		return h
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return fmt.Sprintf("%#v", x) == fmt.Sprintf("%#v", y)
}

// minEchoLen is the shortest part of a credential that the echo check looks
// for: shorter strings ("x", "abc") may occur in any generic text.
const minEchoLen = 16

func (c *checker) invariants(v *Vector) {
	var allow bool
	if raw, ok := c.got["allow"]; !ok || json.Unmarshal(raw, &allow) != nil {
		c.fail("allow: missing or not a boolean")
		return
	}
	var status int
	if raw, ok := c.got["status"]; !ok || json.Unmarshal(raw, &status) != nil {
		c.fail("status: missing or not an integer")
		return
	}
	if allow != (status == 200) {
		c.fail("invariant: allow=%v with status %d", allow, status)
	}
	if allow {
		for _, f := range []string{"error", "error_description", "www_authenticate"} {
			if c.present(f) {
				c.fail("invariant: an allowed decision carries %s", f)
			}
		}
	} else {
		for _, f := range []string{"subject", "scopes", "jti", "sid", "expires_at"} {
			if c.present(f) {
				c.fail("invariant: a denied decision carries %s", f)
			}
		}
	}
	if c.present("error") && c.str("error_description") == "" {
		c.fail("invariant: error %q without an error_description", c.str("error"))
	}
	desc, header := c.str("error_description"), c.str("www_authenticate")
	for _, cred := range v.Credentials() {
		for _, part := range echoParts(cred) {
			if strings.Contains(desc, part) || strings.Contains(header, part) {
				c.fail("invariant: the decision echoes the credential (%.20q...)", part)
				return
			}
		}
	}
}

// echoParts returns the credential and its dot-separated segments that are
// long enough to be recognised if a decision echoed them.
func echoParts(cred string) []string {
	var parts []string
	if len(cred) >= minEchoLen {
		parts = append(parts, cred)
	}
	for seg := range strings.SplitSeq(cred, ".") {
		if len(seg) >= minEchoLen && seg != cred {
			parts = append(parts, seg)
		}
	}
	return parts
}
