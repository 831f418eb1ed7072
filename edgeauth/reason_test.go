package edgeauth

import (
	"slices"
	"testing"
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
// tested against what the module really answers, not only the table.
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
			if got := Reason(d); got != tt.want {
				t.Fatalf("Reason(%+v) = %q, want %q", d, got, tt.want)
			}
		})
	}
	unconfigured := NewAuthorizer(Options{})
	if got := Reason(unconfigured.Authorize(request("GET", "/x", "Bearer "+tok))); got != ReasonNotConfigured {
		t.Fatalf("before a Config: %q, want %q", got, ReasonNotConfigured)
	}
}

func TestReasonOfForeignDecision(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
	}{
		{"other wording", Decision{Status: 401, Error: CodeInvalidToken, ErrorDescription: "token bad"}},
		{"known wording, other status", Decision{Status: 403, Error: CodeInvalidToken, ErrorDescription: "the token has expired"}},
		{"empty denial", Decision{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.d); got != ReasonOther {
				t.Fatalf("Reason = %q, want %q", got, ReasonOther)
			}
		})
	}
}
