package conformance_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/tests/conformance"
)

const longToken = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2Vycy80MiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

// vec builds a vector whose request carries auth and whose expect is the
// given JSON object.
func vec(t *testing.T, expect string, auth ...string) *conformance.Vector {
	t.Helper()
	v := &conformance.Vector{Name: "v", Source: "test"}
	req := map[string]any{"method": "GET", "path": "/x", "now": 1}
	if auth != nil {
		req["headers"] = map[string][]string{"authorization": auth}
	}
	var err error
	if v.Request, err = json.Marshal(req); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(expect), &v.Expect); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCheck(t *testing.T) {
	const allowExp = `{"allow":true,"status":200,"subject":"users/42","scopes":["a","b"],"jti":"j","expires_at":5}`
	const allowGot = `{"allow":true,"status":200,"subject":"users/42","scopes":["a","b"],"jti":"j","expires_at":5}`
	const tokExp = `{"allow":false,"status":401,"error":"invalid_token","www_authenticate":"Bearer realm=\"api\", error=\"invalid_token\""}`
	const scopeExp = `{"allow":false,"status":403,"error":"insufficient_scope","www_authenticate":"Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"a b\""}`
	for _, c := range []struct {
		name, expect, decision string
		auth                   []string
		problem                string // "" = must pass; else a substring of some problem
	}{
		{"allowed-exact", allowExp, allowGot, nil, ""},
		{"allowed-member-order-free", allowExp, `{"expires_at":5,"jti":"j","scopes":["a","b"],"subject":"users/42","status":200,"allow":true}`, nil, ""},
		{"allowed-wrong-subject", allowExp, strings.Replace(allowGot, "users/42", "users/43", 1), nil, "subject"},
		{"allowed-scopes-order", allowExp, strings.Replace(allowGot, `["a","b"]`, `["b","a"]`, 1), nil, "scopes"},
		{"allowed-expires-at", allowExp, strings.Replace(allowGot, `:5}`, `:6}`, 1), nil, "expires_at"},
		{"allowed-expires-at-float", allowExp, strings.Replace(allowGot, `:5}`, `:5.0}`, 1), nil, "expires_at"},
		{"empty-scopes-present", `{"allow":true,"status":200,"scopes":[]}`, `{"allow":true,"status":200,"subject":"s","scopes":[]}`, nil, ""},
		{"empty-scopes-absent", `{"allow":true,"status":200,"scopes":[]}`, `{"allow":true,"status":200,"subject":"s"}`, nil, "scopes: want [], got absent"},
		{"empty-scopes-null", `{"allow":true,"status":200,"scopes":[]}`, `{"allow":true,"status":200,"scopes":null}`, nil, "scopes"},
		{"null-means-absent", `{"allow":true,"status":200,"subject":null}`, `{"allow":true,"status":200}`, nil, ""},
		{"null-but-present", `{"allow":true,"status":200,"subject":null}`, `{"allow":true,"status":200,"subject":"x"}`, nil, "want absent"},
		{"unlisted-field-free", `{"allow":true,"status":200}`, `{"allow":true,"status":200,"subject":"x"}`, nil, ""},
		{"challenge-with-description", tokExp, `{"allow":false,"status":401,"error":"invalid_token","error_description":"expired","www_authenticate":"Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\""}`, nil, ""},
		{"challenge-without-description", tokExp, `{"allow":false,"status":401,"error":"invalid_token","error_description":"expired","www_authenticate":"Bearer realm=\"api\", error=\"invalid_token\""}`, nil, ""},
		{"challenge-description-differs", tokExp, `{"allow":false,"status":401,"error":"invalid_token","error_description":"expired","www_authenticate":"Bearer realm=\"api\", error=\"invalid_token\", error_description=\"other\""}`, nil, "differs"},
		{"challenge-wrong-realm", tokExp, `{"allow":false,"status":401,"error":"invalid_token","error_description":"e","www_authenticate":"Bearer realm=\"todos\", error=\"invalid_token\""}`, nil, "www_authenticate"},
		{"challenge-scope-after-description", scopeExp, `{"allow":false,"status":403,"error":"insufficient_scope","error_description":"d","www_authenticate":"Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"d\", scope=\"a b\""}`, nil, ""},
		{"challenge-scope-order", scopeExp, `{"allow":false,"status":403,"error":"insufficient_scope","error_description":"d","www_authenticate":"Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"b a\""}`, nil, "www_authenticate"},
		{"bare-challenge-exact", `{"allow":false,"status":401,"error":null,"www_authenticate":"Bearer realm=\"api\""}`, `{"allow":false,"status":401,"www_authenticate":"Bearer realm=\"api\""}`, nil, ""},
		{"bare-challenge-with-description", `{"allow":false,"status":401,"error":null,"www_authenticate":"Bearer realm=\"api\""}`, `{"allow":false,"status":401,"error_description":"no token","www_authenticate":"Bearer realm=\"api\", error_description=\"no token\""}`, nil, "www_authenticate"},
		{"bare-challenge-with-error", `{"allow":false,"status":401,"error":null}`, `{"allow":false,"status":401,"error":"invalid_token","error_description":"x"}`, nil, "want absent"},
		{"invariant-allow-status", `{"allow":true,"status":200}`, `{"allow":true,"status":401}`, nil, "invariant"},
		{"invariant-allowed-with-error", `{"allow":true,"status":200}`, `{"allow":true,"status":200,"error":"invalid_token","error_description":"x"}`, nil, "invariant"},
		{"invariant-denied-with-subject", `{"allow":false,"status":404}`, `{"allow":false,"status":404,"error":"not_found","error_description":"x","subject":"users/42"}`, nil, "invariant"},
		{"invariant-error-without-description", `{"allow":false,"status":404}`, `{"allow":false,"status":404,"error":"not_found"}`, nil, "invariant"},
		{"invariant-echoes-token", `{"allow":false,"status":401}`, `{"allow":false,"status":401,"error":"invalid_token","error_description":"bad ` + longToken + `"}`, []string{"Bearer " + longToken}, "echoes"},
		{"invariant-echoes-segment", `{"allow":false,"status":401}`, `{"allow":false,"status":401,"error":"invalid_token","error_description":"bad eyJzdWIiOiJ1c2Vycy80MiJ9"}`, []string{"Bearer " + longToken}, "echoes"},
		{"invariant-short-credential-not-echo", `{"allow":false,"status":401}`, `{"allow":false,"status":401,"error":"invalid_token","error_description":"the token is bad"}`, []string{"Bearer bad"}, ""},
		{"missing-allow", `{"allow":true,"status":200}`, `{"status":200}`, nil, "allow"},
		{"not-json", `{"allow":true,"status":200}`, `allow`, nil, "not a JSON object"},
		{"duplicate-member", `{"allow":true,"status":200}`, `{"allow":false,"allow":true,"status":200}`, nil, "duplicate"},
		{"trailing-data", `{"allow":true,"status":200}`, `{"allow":true,"status":200}{}`, nil, "trailing"},
		{"unknown-expectation", `{"allow":true,"status":200,"color":"red"}`, `{"allow":true,"status":200,"color":"red"}`, nil, "unknown expectation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems := conformance.Check(vec(t, c.expect, c.auth...), []byte(c.decision))
			joined := strings.Join(problems, "\n")
			switch {
			case c.problem == "" && len(problems) > 0:
				t.Errorf("want pass, got problems:\n%s", joined)
			case c.problem != "" && !strings.Contains(joined, c.problem):
				t.Errorf("want a problem containing %q, got:\n%s", c.problem, joined)
			}
		})
	}
}

// TestEveryVectorCanFail feeds every vector a Decision that contradicts it
// (an allowed one for a denial and the reverse, and one with the expected
// status but a wrong field) and requires Check to object: no vector is a
// test that cannot fail.
func TestEveryVectorCanFail(t *testing.T) {
	allowAll := []byte(`{"allow":true,"status":200,"subject":"nobody","scopes":["x"],"jti":"x","expires_at":1}`)
	denyAll := []byte(`{"allow":false,"status":401,"error":"invalid_token","error_description":"x","www_authenticate":"Bearer realm=\"x\", error=\"invalid_token\""}`)
	for _, f := range loadCorpus(t) {
		for i := range f.Vectors {
			v := &f.Vectors[i]
			wrong := denyAll
			if string(v.Expect["allow"]) == "false" {
				wrong = allowAll
			}
			if len(conformance.Check(v, wrong)) == 0 {
				t.Errorf("%s/%s: accepted a contradicting decision %s", f.Name, v.Name, wrong)
			}
		}
	}
}

func TestSameDecision(t *testing.T) {
	for _, c := range []struct {
		name, a, b string
		same       bool
	}{
		{"identical", `{"allow":true,"status":200,"scopes":[]}`, `{"allow":true,"status":200,"scopes":[]}`, true},
		{"order-and-space", `{"allow":true,"status":200}`, `{ "status": 200, "allow": true }`, true},
		{"empty-vs-absent-scopes", `{"allow":true,"status":200,"scopes":[]}`, `{"allow":true,"status":200}`, false},
		{"description-differs", `{"allow":false,"status":401,"error_description":"a"}`, `{"allow":false,"status":401,"error_description":"b"}`, false},
		{"status-differs", `{"allow":false,"status":401}`, `{"allow":false,"status":400}`, false},
		{"not-json", `{"allow":false,"status":401}`, `nope`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			diffs := conformance.SameDecision([]byte(c.a), []byte(c.b))
			if (len(diffs) == 0) != c.same {
				t.Errorf("same=%v, diffs %q", c.same, diffs)
			}
		})
	}
}

func TestDecisionJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		d    edgeauth.Decision
		want string
	}{
		{"allowed-empty-scopes", edgeauth.Decision{Allow: true, Status: 200, Subject: "users/1", Scopes: []string{}, JTI: "j", ExpiresAt: 9},
			`{"allow":true,"status":200,"subject":"users/1","scopes":[],"jti":"j","expires_at":9}`},
		{"public-nil-scopes", edgeauth.Decision{Allow: true, Status: 200}, `{"allow":true,"status":200}`},
		{"denied", edgeauth.Decision{Status: 401, Error: "invalid_token", ErrorDescription: "d", WWWAuthenticate: `Bearer realm="a"`},
			`{"allow":false,"status":401,"error":"invalid_token","error_description":"d","www_authenticate":"Bearer realm=\"a\""}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := string(conformance.DecisionJSON(c.d)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestParseRejectsMalformedCorpus(t *testing.T) {
	const good = `{"name":"a","source":"s","config":"c","request":{"method":"GET","path":"/","now":1},"expect":{"allow":true,"status":200}}`
	for _, c := range []struct {
		name, file string
	}{
		{"unknown-field", `{"configs":{"c":{}},"vectors":[` + good + `],"extra":1}`},
		{"unknown-vector-field", `{"configs":{"c":{}},"vectors":[` + strings.Replace(good, `"name"`, `"nmae":1,"name"`, 1) + `]}`},
		{"no-vectors", `{"configs":{"c":{}},"vectors":[]}`},
		{"unknown-config", `{"configs":{},"vectors":[` + good + `]}`},
		{"duplicate-name", `{"configs":{"c":{}},"vectors":[` + good + `,` + good + `]}`},
		{"no-now", `{"configs":{"c":{}},"vectors":[` + strings.Replace(good, `,"now":1`, ``, 1) + `]}`},
		{"no-status", `{"configs":{"c":{}},"vectors":[` + strings.Replace(good, `,"status":200`, ``, 1) + `]}`},
		{"name-with-slash", `{"configs":{"c":{}},"vectors":[` + strings.Replace(good, `"name":"a"`, `"name":"a/b"`, 1) + `]}`},
		{"previous-without-error", `{"configs":{"c":{}},"vectors":[` + strings.Replace(good, `"config":"c"`, `"config":"c","previous_config":"c"`, 1) + `]}`},
		{"trailing-data", `{"configs":{"c":{}},"vectors":[` + good + `]} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := conformance.Parse([]byte(c.file)); !errors.Is(err, conformance.ErrCorpus) {
				t.Errorf("err = %v, want ErrCorpus", err)
			}
		})
	}
	if _, err := conformance.Parse([]byte(`{"configs":{"c":{}},"vectors":[` + good + `]}`)); err != nil {
		t.Errorf("good file: %v", err)
	}
}
