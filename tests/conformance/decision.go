package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/craftingapis/todos/edgeauth"
)

// DecisionJSON encodes a host's Decision struct for Check without losing
// what encoding/json's omitempty would: "scopes" is written whenever
// Scopes is non-nil, so an allowed Decision with no scopes keeps its "[]".
// Other optional fields are written when they are not their zero value,
// as the module writes them.
func DecisionJSON(d edgeauth.Decision) []byte {
	var b bytes.Buffer
	field := func(name string, v any) {
		enc, err := json.Marshal(v)
		if err != nil {
			panic(err) // strings, ints, bools and []string always encode
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", name, enc)
	}
	b.WriteByte('{')
	field("allow", d.Allow)
	field("status", d.Status)
	if d.Subject != "" {
		field("subject", d.Subject)
	}
	if d.Scopes != nil {
		field("scopes", d.Scopes)
	}
	if d.JTI != "" {
		field("jti", d.JTI)
	}
	if d.SID != "" {
		field("sid", d.SID)
	}
	if d.ExpiresAt != 0 {
		field("expires_at", d.ExpiresAt)
	}
	if d.Error != "" {
		field("error", d.Error)
	}
	if d.ErrorDescription != "" {
		field("error_description", d.ErrorDescription)
	}
	if d.WWWAuthenticate != "" {
		field("www_authenticate", d.WWWAuthenticate)
	}
	if d.Reason != "" {
		field("reason", d.Reason)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// SameDecision compares two Decisions' JSON member by member — every
// field, error_description included — and returns the differences. Member
// order and insignificant whitespace do not matter; "[]" differs from an
// absent "scopes".
func SameDecision(a, b []byte) []string {
	da, err := decodeDecision(a)
	if err != nil {
		return []string{"first: " + err.Error()}
	}
	db, err := decodeDecision(b)
	if err != nil {
		return []string{"second: " + err.Error()}
	}
	names := make([]string, 0, len(da)+len(db))
	for n := range da {
		names = append(names, n)
	}
	for n := range db {
		if _, ok := da[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var diffs []string
	for _, n := range names {
		va, oka := da[n]
		vb, okb := db[n]
		switch {
		case !oka:
			diffs = append(diffs, fmt.Sprintf("%s: absent vs %s", n, vb))
		case !okb:
			diffs = append(diffs, fmt.Sprintf("%s: %s vs absent", n, va))
		case !jsonEqual(va, vb):
			diffs = append(diffs, fmt.Sprintf("%s: %s vs %s", n, va, vb))
		}
	}
	return diffs
}
