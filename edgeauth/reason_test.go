package edgeauth

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestReasonCoversEveryDenial: every fixed phrase of denial.go has its own
// label, so a new denial cannot be added without naming it for metrics, and
// two denials never share one (the labels would then lie).
func TestReasonCoversEveryDenial(t *testing.T) {
	seen := map[string]denial{}
	for d := denyBadRequest; d < numDenials; d++ {
		info := denials[d]
		dec := Decision{Status: info.status, Error: info.code, ErrorDescription: info.desc}
		got := Reason(dec)
		if got == "" || got == ReasonOther || got != denialReasons[d] {
			t.Errorf("denial %d (%q) -> %q, want its own label %q", d, info.desc, got, denialReasons[d])
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("denials %d and %d share the label %q", prev, d, got)
		}
		seen[got] = d
		if !slices.Contains(Reasons(), got) {
			t.Errorf("Reasons() lacks %q", got)
		}
	}
	// Descriptions are what tells denials apart: they must be unique too.
	descs := map[reasonKey]bool{}
	for d := denyBadRequest; d < numDenials; d++ {
		k := reasonKey{denials[d].status, denials[d].code, denials[d].desc}
		if descs[k] {
			t.Errorf("denial %d repeats another's status, code and description", d)
		}
		descs[k] = true
	}
	if n := len(Reasons()); n != int(numDenials)-1+3 {
		t.Errorf("Reasons() has %d labels, want every denial plus public, valid_token and other", n)
	}
}

// TestReasonOfRealDecisions runs the checker itself, so that the mapping is
// tested against what the module really answers, not only the table: every
// Decision carries its label as Reason, and the fallback on the other
// fields (for modules that send none) agrees with it.
func TestReasonOfRealDecisions(t *testing.T) {
	tok := validToken(t, "EdDSA") // sub users/42, scope "todos:read todos:write"
	expired := mint(t, "EdDSA", baseHeader("EdDSA", "ed"), merge(baseClaims(), map[string]any{"exp": testNow - 100, "jti": "old"}))
	unknownKid := mint(t, "EdDSA", baseHeader("EdDSA", "nope"), baseClaims())
	badSig := tok[:len(tok)-4] + "AAAA"
	if badSig == tok {
		badSig = tok[:len(tok)-4] + "BBBB"
	}
	revokedCfg := baseConfig(t)
	revokedCfg["revoked"] = []map[string]any{{"jti": "jti-1", "exp": testNow + 3600}}
	deny := baseConfig(t)
	deny["default"] = "deny"
	tests := []struct {
		name string
		cfg  map[string]any
		req  *Request
		want string
	}{
		{"public route", nil, request("POST", "/authenticate", ""), ReasonPublic},
		{"valid token", nil, request("GET", "/users/42/todos", "Bearer "+tok), ReasonValidToken},
		{"no header", nil, request("GET", "/users/42/todos", ""), ReasonMissing},
		{"basic scheme", nil, request("GET", "/x", "Basic abc"), ReasonBadScheme},
		{"bearer alone", nil, request("GET", "/x", "Bearer"), ReasonNoCredential},
		{"garbage", nil, request("GET", "/x", "Bearer garbage"), ReasonMalformed},
		{"expired", nil, request("GET", "/users/42/todos", "Bearer "+expired), ReasonExpired},
		{"unknown kid", nil, request("GET", "/x", "Bearer "+unknownKid), ReasonUnknownKey},
		{"bad signature", nil, request("GET", "/x", "Bearer "+badSig), ReasonBadSignature},
		{"revoked", revokedCfg, request("GET", "/x", "Bearer "+tok), ReasonRevoked},
		{"owner mismatch", nil, request("GET", "/users/1/todos", "Bearer "+tok), ReasonNotFound},
		{"unlisted under deny", deny, request("GET", "/unlisted", "Bearer "+tok), ReasonNotFound},
		{"missing scope", nil, request("GET", "/admin", "Bearer "+tok), ReasonInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == nil {
				cfg = baseConfig(t)
			}
			d := newTestAuthorizer(t, cfg).Authorize(tt.req)
			if d.Reason != tt.want {
				t.Errorf("Decision.Reason = %q, want %q", d.Reason, tt.want)
			}
			if got := Reason(d); got != tt.want {
				t.Errorf("Reason(%+v) = %q, want %q", d, got, tt.want)
			}
			fallback := d
			fallback.Reason = ""
			if got := Reason(fallback); got != tt.want {
				t.Errorf("Reason without a reason member = %q, want %q", got, tt.want)
			}
		})
	}
	unconfigured := NewAuthorizer(Options{})
	if d := unconfigured.Authorize(request("GET", "/x", "Bearer "+tok)); d.Reason != ReasonNotConfigured || Reason(d) != ReasonNotConfigured {
		t.Fatalf("before a Config: reason %q, Reason %q; want %q", d.Reason, Reason(d), ReasonNotConfigured)
	}
}

// TestReasonOfForeignDecision: Decisions that did not come from this
// package. A reason member that is one of its labels and fits the Decision
// wins over the wording; anything else falls back on the other fields, and
// an unknown denial is ReasonOther, never a label taken from the Decision.
func TestReasonOfForeignDecision(t *testing.T) {
	expired := Decision{Status: 401, Error: CodeInvalidToken, ErrorDescription: "the token has expired"}
	withReason := func(d Decision, r string) Decision { d.Reason = r; return d }
	tests := []struct {
		name string
		d    Decision
		want string
	}{
		{"other wording", Decision{Status: 401, Error: CodeInvalidToken, ErrorDescription: "token bad"}, ReasonOther},
		{"known wording, other status", Decision{Status: 403, Error: CodeInvalidToken, ErrorDescription: "the token has expired"}, ReasonOther},
		{"empty denial", Decision{}, ReasonOther},
		{"reason over other wording", Decision{Status: 401, Error: CodeInvalidToken, ErrorDescription: "token bad", Reason: ReasonRevoked}, ReasonRevoked},
		{"reason over known wording", withReason(expired, ReasonSuperseded), ReasonSuperseded},
		{"unknown reason, known wording", withReason(expired, "expired_token"), ReasonExpired},
		{"unknown reason, other wording", Decision{Status: 401, ErrorDescription: "nope", Reason: "nope"}, ReasonOther},
		{"an allowed label on a denial", withReason(expired, ReasonValidToken), ReasonExpired},
		{"other on a denial", withReason(expired, ReasonOther), ReasonExpired},
		{"a denial's label on an allow", Decision{Allow: true, Status: 200, Subject: "users/1", Reason: ReasonExpired}, ReasonValidToken},
		{"public label with a subject", Decision{Allow: true, Status: 200, Subject: "users/1", Reason: ReasonPublic}, ReasonPublic},
		{"allow without reason or subject", Decision{Allow: true, Status: 200}, ReasonPublic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.d); got != tt.want {
				t.Fatalf("Reason(%+v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

// TestParsedReasonShared: a known label parsed from a Decision document is
// the package's constant, not a copy (a host caching Decisions keeps no
// per-entry copy of it); an unknown one is kept as sent.
func TestParsedReasonShared(t *testing.T) {
	d, err := ParseDecisionJSON([]byte(`{"allow":false,"status":401,"reason":"revoked"}`))
	if err != nil || d.Reason != ReasonRevoked {
		t.Fatalf("parsed %+v, %v", d, err)
	}
	if unsafe.StringData(d.Reason) != unsafe.StringData(ReasonRevoked) {
		t.Error("a known reason was copied, not shared with its constant")
	}
	d, err = ParseDecisionJSON([]byte(`{"allow":false,"status":401,"reason":"r\u00e9vok\u00e9"}`))
	if err != nil || d.Reason != "r\u00e9vok\u00e9" {
		t.Fatalf("unknown reason: %+v, %v", d, err)
	}
}

// TestABIListsEveryReason holds ABI.md's table of reason labels to
// Reasons(), so that a label cannot be added without documenting it for
// other hosts. ReasonOther is Reason's own and never sent.
func TestABIListsEveryReason(t *testing.T) {
	doc, err := os.ReadFile("ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| `reason` | status | outcome |")
	if !ok {
		t.Fatal("ABI.md has no table of reason labels")
	}
	var documented []string
	for line := range strings.Lines(strings.TrimPrefix(table, "\n")) {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if label, ok := strings.CutPrefix(line, "| `"); ok {
			label, _, _ = strings.Cut(label, "`")
			documented = append(documented, label)
		}
	}
	want := slices.DeleteFunc(Reasons(), func(r string) bool { return r == ReasonOther })
	slices.Sort(documented)
	slices.Sort(want)
	if !slices.Equal(documented, want) {
		t.Fatalf("ABI.md documents reasons %v, the package sends %v", documented, want)
	}
}
