package edgeauth

import (
	"reflect"
	"testing"
)

// canonicalDecisionCases are Decision documents in and just out of the
// shape AppendDecisionJSON writes; they also seed FuzzCanonicalDecision.
var canonicalDecisionCases = []struct {
	name, doc string
	canonical bool
}{
	{"allowed", `{"allow":true,"status":200,"subject":"users/1","scopes":["a","b"],"jti":"j","sid":"s","expires_at":9,"reason":"valid_token"}`, true},
	{"no scopes", `{"allow":true,"status":200,"subject":"users/1","scopes":[],"jti":"j","expires_at":9}`, true},
	{"public", `{"allow":true,"status":200,"reason":"public"}`, true},
	{"bare", `{"allow":true,"status":200}`, true},
	{"denied", `{"allow":false,"status":401,"error":"invalid_token","error_description":"d","www_authenticate":"Bearer realm=x","reason":"expired"}`, true},
	{"unknown reason", `{"allow":false,"status":404,"reason":"from-elsewhere"}`, true},
	{"empty strings", `{"allow":false,"status":403,"subject":"","jti":"","reason":""}`, true},
	{"expires at zero", `{"allow":true,"status":200,"expires_at":0}`, true},
	{"an escape", `{"allow":false,"status":401,"www_authenticate":"Bearer realm=\"a\""}`, false},
	{"an escaped scope", `{"allow":true,"status":200,"scopes":["\u0061"]}`, false},
	{"non-ASCII", `{"allow":true,"status":200,"subject":"é"}`, false},
	{"a space", `{"allow":true, "status":200}`, false},
	{"trailing space", `{"allow":true,"status":200} `, false},
	{"out of order", `{"allow":true,"status":200,"jti":"j","subject":"s"}`, false},
	{"unknown member", `{"allow":true,"status":200,"x":1}`, false},
	{"duplicate member", `{"allow":true,"status":200,"jti":"a","jti":"b"}`, false},
	{"status first", `{"status":200,"allow":true}`, false},
	{"allowed with 401", `{"allow":true,"status":401}`, false},
	{"denied with 200", `{"allow":false,"status":200}`, false},
	{"status out of range", `{"allow":false,"status":99}`, false},
	{"status leading zero", `{"allow":true,"status":0200}`, false},
	{"negative expiry", `{"allow":true,"status":200,"expires_at":-1}`, false},
	{"expiry with a fraction", `{"allow":true,"status":200,"expires_at":1.5}`, false},
	{"expiry beyond 18 digits", `{"allow":true,"status":200,"expires_at":1234567890123456789}`, false},
	{"scope not a string", `{"allow":true,"status":200,"scopes":[1]}`, false},
	{"scopes unclosed", `{"allow":true,"status":200,"scopes":["a",]}`, false},
	{"subject not a string", `{"allow":true,"status":200,"subject":1}`, false},
	{"reason not a string", `{"allow":false,"status":401,"reason":1}`, false},
	{"truncated", `{"allow":true,"status":200,"subject":"a`, false},
	{"no closing brace", `{"allow":true,"status":200`, false},
}

// TestCanonicalDecision checks which documents the one-pass reader takes,
// that it reads them as the general parser does, and that it takes what
// AppendDecisionJSON writes for plain Decisions.
func TestCanonicalDecision(t *testing.T) {
	for _, tt := range canonicalDecisionCases {
		t.Run(tt.name, func(t *testing.T) {
			fast, ok := parseCanonicalDecision([]byte(tt.doc))
			if ok != tt.canonical {
				t.Fatalf("canonical = %t, want %t", ok, tt.canonical)
			}
			if !ok {
				return
			}
			general, err := parseDecisionGeneral([]byte(tt.doc))
			if err != nil {
				t.Fatalf("the general parser refused it: %v", err)
			}
			if !reflect.DeepEqual(fast, general) {
				t.Fatalf("one pass %+v, general %+v", fast, general)
			}
		})
	}
	for _, d := range []Decision{
		{Allow: true, Status: 200, Subject: "users/42", Scopes: []string{"todos:read", "todos:write"}, JTI: "j-1", SID: "s-1", ExpiresAt: 1_900_000_000, Reason: ReasonValidToken},
		{Allow: true, Status: 200, Subject: "users/42", JTI: "j-1", ExpiresAt: 1},
		{Allow: true, Status: 200, Reason: ReasonPublic},
		{Status: 403, Error: "insufficient_scope", ErrorDescription: "the token lacks a scope", Reason: ReasonInsufficientScope},
	} {
		doc := AppendDecisionJSON(nil, &d)
		got, ok := parseCanonicalDecision(doc)
		if !ok {
			t.Fatalf("AppendDecisionJSON's %s is not read in one pass", doc)
		}
		want, err := parseDecisionGeneral(doc)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: one pass %+v, general %+v, %v", doc, got, want, err)
		}
	}
}

// FuzzCanonicalDecision holds the one-pass reader to the general parser:
// any document it reads, the general parser reads to the same Decision.
func FuzzCanonicalDecision(f *testing.F) {
	for _, c := range canonicalDecisionCases {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		fast, ok := parseCanonicalDecision(doc)
		if !ok {
			return
		}
		general, err := parseDecisionGeneral(doc)
		if err != nil {
			t.Fatalf("one pass read %q, the general parser refused it: %v", doc, err)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Fatalf("%q: one pass %+v, general %+v", doc, fast, general)
		}
	})
}

func BenchmarkParseDecision(b *testing.B) {
	doc := AppendDecisionJSON(nil, &Decision{Allow: true, Status: 200, Subject: "users/42",
		Scopes: []string{"todos:read", "todos:write"}, JTI: "0a1b2c3d4e5f", ExpiresAt: 1_900_000_000, Reason: ReasonValidToken})
	b.Run("one-pass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseCanonicalDecision(doc); !ok {
				b.Fatal("not canonical")
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseDecisionGeneral(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
