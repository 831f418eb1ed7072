package edgeauth

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRequestJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Request // nil: rejected
	}{
		{"full", `{"method":"GET","path":"/a","headers":{"authorization":["Bearer x"],"x-other":["1","2"]},"now":5}`,
			&Request{Method: "GET", Path: "/a", Headers: map[string][]string{"authorization": {"Bearer x"}, "x-other": {"1", "2"}}, Now: ptr[int64](5)}},
		{"minimal", `{"method":"GET","path":"/a"}`, &Request{Method: "GET", Path: "/a"}},
		{"nulls", `{"method":"GET","path":"/a","headers":null,"now":null}`, &Request{Method: "GET", Path: "/a"}},
		{"null header value", `{"method":"GET","path":"/a","headers":{"authorization":null}}`, &Request{Method: "GET", Path: "/a", Headers: map[string][]string{"authorization": nil}}},
		{"unknown member ignored", `{"method":"GET","path":"/a","body":{}}`, &Request{Method: "GET", Path: "/a"}},
		{"escapes", `{"method":"G\u0045T","path":"\/a"}`, &Request{Method: "GET", Path: "/a"}},
		{"method missing", `{"path":"/a"}`, nil},
		{"path missing", `{"method":"GET"}`, nil},
		{"method a number", `{"method":1,"path":"/a"}`, nil},
		{"headers an array", `{"method":"GET","path":"/a","headers":[]}`, nil},
		{"header value a string", `{"method":"GET","path":"/a","headers":{"authorization":"Bearer x"}}`, nil},
		{"header value with a number", `{"method":"GET","path":"/a","headers":{"authorization":[1]}}`, nil},
		{"now fractional", `{"method":"GET","path":"/a","now":1.5}`, nil},
		{"now string", `{"method":"GET","path":"/a","now":"5"}`, nil},
		{"duplicate member", `{"method":"GET","method":"POST","path":"/a"}`, nil},
		{"duplicate header", `{"method":"GET","path":"/a","headers":{"authorization":["a"],"authorization":["b"]}}`, nil},
		{"trailing", `{"method":"GET","path":"/a"}x`, nil},
		{"array", `[]`, nil},
		{"empty", ``, nil},
	}
	a := newTestAuthorizer(t, baseConfig(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequestJSON([]byte(tt.in))
			if tt.want == nil {
				if !errors.Is(err, ErrMalformedRequest) {
					t.Fatalf("ParseRequestJSON = %+v, %v; want ErrMalformedRequest", got, err)
				}
				d, err := ParseDecisionJSON(a.AuthorizeJSON(nil, []byte(tt.in)))
				if err != nil || d.Status != 400 || d.Error != CodeInvalidRequest {
					t.Fatalf("AuthorizeJSON = %+v, %v; want 400 invalid_request", d, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, *tt.want) {
				t.Fatalf("got %+v, want %+v", got, *tt.want)
			}
			back, err := ParseRequestJSON(AppendRequestJSON(nil, &got))
			if err != nil || !reflect.DeepEqual(normalizeRequest(back), normalizeRequest(got)) {
				t.Fatalf("round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestDecisionJSON(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
		want string
	}{
		{"allowed", Decision{Allow: true, Status: 200, Subject: "users/1", Scopes: []string{"a", "b"}, JTI: "j", ExpiresAt: 9},
			`{"allow":true,"status":200,"subject":"users/1","scopes":["a","b"],"jti":"j","expires_at":9}`},
		{"allowed without scopes", Decision{Allow: true, Status: 200, Subject: "users/1", JTI: "j", ExpiresAt: 9},
			`{"allow":true,"status":200,"subject":"users/1","scopes":[],"jti":"j","expires_at":9}`},
		{"public", Decision{Allow: true, Status: 200}, `{"allow":true,"status":200}`},
		{"denied", Decision{Status: 401, Error: "invalid_token", ErrorDescription: "d", WWWAuthenticate: `Bearer realm="a"`},
			`{"allow":false,"status":401,"error":"invalid_token","error_description":"d","www_authenticate":"Bearer realm=\"a\""}`},
		{"public with reason", Decision{Allow: true, Status: 200, Reason: ReasonPublic}, `{"allow":true,"status":200,"reason":"public"}`},
		{"denied with reason", Decision{Status: 401, Error: "invalid_token", ErrorDescription: "d", Reason: ReasonExpired},
			`{"allow":false,"status":401,"error":"invalid_token","error_description":"d","reason":"expired"}`},
		{"unknown reason kept", Decision{Status: 404, Reason: "from-elsewhere"}, `{"allow":false,"status":404,"reason":"from-elsewhere"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendDecisionJSON(nil, &tt.d))
			if got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			back, err := ParseDecisionJSON([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.d
			if want.Allow && want.Subject != "" && want.Scopes == nil {
				want.Scopes = []string{}
			}
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("round trip %+v, want %+v", back, want)
			}
			// encoding/json reads the same document the same way.
			var std Decision
			if err := json.Unmarshal([]byte(got), &std); err != nil {
				t.Fatal(err)
			}
			if !equalDecision(std, back) && !(len(std.Scopes) == 0 && len(back.Scopes) == 0) {
				t.Fatalf("encoding/json read %+v", std)
			}
		})
	}
	for _, bad := range []string{`{}`, `{"allow":true}`, `{"allow":"yes","status":200}`, `{"allow":true,"status":401}`, `{"allow":false,"status":200}`, `{"allow":false,"status":401,"scopes":"a"}`, `{"allow":false,"status":99}`, `{"allow":false,"status":401,"reason":1}`} {
		if _, err := ParseDecisionJSON([]byte(bad)); !errors.Is(err, ErrMalformedDecision) {
			t.Errorf("ParseDecisionJSON(%s) = %v, want ErrMalformedDecision", bad, err)
		}
	}
}

func TestConfigureResultJSON(t *testing.T) {
	if got := string(AppendConfigureResultJSON(nil, nil)); got != `{"ok":true}` {
		t.Fatalf("got %s", got)
	}
	if err := ParseConfigureResultJSON([]byte(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	cfgErr := NewAuthorizer(Options{}).Configure([]byte(`{}`))
	doc := AppendConfigureResultJSON(nil, cfgErr)
	if !strings.HasPrefix(string(doc), `{"ok":false,"error":"edgeauth: invalid config: `) {
		t.Fatalf("got %s", doc)
	}
	err := ParseConfigureResultJSON(doc)
	if !errors.Is(err, ErrInvalidConfig) || err.Error() != cfgErr.Error() {
		t.Fatalf("parsed %v, want %v", err, cfgErr)
	}
	for _, bad := range []string{``, `{}`, `{"ok":1}`, `[]`} {
		if err := ParseConfigureResultJSON([]byte(bad)); !errors.Is(err, ErrMalformedDecision) {
			t.Errorf("ParseConfigureResultJSON(%q) = %v", bad, err)
		}
	}
}

// FuzzRequestJSON: ParseRequestJSON and the lean ABI parser must agree on
// what is malformed, and anything accepted must round-trip.
func FuzzRequestJSON(f *testing.F) {
	for _, s := range []string{
		`{"method":"GET","path":"/a","headers":{"authorization":["Bearer x"]},"now":5}`,
		`{"method":"GET","path":"/a","headers":{"authorization":null}}`,
		`{"method":"GET","path":"/a","headers":{"authorization":["a","b"]}}`,
		`{"method":"G\u0045T","path":"\/a","now":-0}`, `{"method":1}`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseRequestJSON(b)
		var lean leanRequest
		leanErr := lean.parse(b, new(scratch))
		if (err == nil) != (leanErr == nil) {
			t.Fatalf("ParseRequestJSON: %v, lean parser: %v", err, leanErr)
		}
		if err != nil {
			return
		}
		if lean.nAuth != len(req.Headers["authorization"]) {
			t.Fatalf("lean parser counted %d authorization values, want %d", lean.nAuth, len(req.Headers["authorization"]))
		}
		back, err := ParseRequestJSON(AppendRequestJSON(nil, &req))
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !reflect.DeepEqual(normalizeRequest(back), normalizeRequest(req)) {
			t.Fatalf("round trip %+v, want %+v", back, req)
		}
	})
}

// normalizeRequest maps invalid UTF-8 (impossible after strict parsing) and
// nil versus empty header lists to one form.
func normalizeRequest(r Request) Request {
	for k, v := range r.Headers {
		if len(v) == 0 {
			r.Headers[k] = []string{}
		}
	}
	return r
}
