package edgeauth

import (
	"strings"
	"testing"
)

// canonicalCases are Request documents in and just out of the canonical
// shapes; they also seed FuzzCanonicalRequest.
var canonicalCases = []struct {
	name, doc, method, path, cred string
	nAuth                         int
	now                           int64
	canonical                     bool
}{
	{"token", `{"method":"GET","path":"/users/42/todos","headers":{"authorization":["Bearer abc.def.ghi"]}}`, "GET", "/users/42/todos", "Bearer abc.def.ghi", 1, 0, true},
	{"no headers", `{"method":"GET","path":"/healthz"}`, "GET", "/healthz", "", 0, 0, true},
	{"empty value", `{"method":"GET","path":"/x","headers":{"authorization":[""]}}`, "GET", "/x", "", 1, 0, true},
	{"a clock", `{"method":"GET","path":"/x","now":1}`, "GET", "/x", "", 0, 1, true},
	{"a token and a negative clock", `{"method":"GET","path":"/x","headers":{"authorization":["a"]},"now":-17}`, "GET", "/x", "a", 1, -17, true},
	{"two values", `{"method":"GET","path":"/x","headers":{"authorization":["a","b"]}}`, "", "", "", 0, 0, false},
	{"an escape", `{"method":"GET","path":"/x","headers":{"authorization":["a\"b"]}}`, "", "", "", 0, 0, false},
	{"trailing space", `{"method":"GET","path":"/x","headers":{"authorization":["a"]}} `, "", "", "", 0, 0, false},
	{"escaped path", `{"method":"GET","path":"/\u0078"}`, "", "", "", 0, 0, false},
	{"a fraction", `{"method":"GET","path":"/x","now":1.5}`, "", "", "", 0, 0, false},
	{"a leading zero", `{"method":"GET","path":"/x","now":01}`, "", "", "", 0, 0, false},
	{"beyond int64", `{"method":"GET","path":"/x","now":99999999999999999999}`, "", "", "", 0, 0, false},
	{"a space in the clock", `{"method":"GET","path":"/x","now": 1}`, "", "", "", 0, 0, false},
	{"non-ASCII", `{"method":"GÉT","path":"/x"}`, "", "", "", 0, 0, false},
	{"another header", `{"method":"GET","path":"/x","headers":{"authorization":["a"],"x":[]}}`, "", "", "", 0, 0, false},
	{"duplicate member", `{"method":"GET","path":"/x","headers":{"authorization":["a"]},"headers":{}}`, "", "", "", 0, 0, false},
	{"truncated", `{"method":"GET","path":"/x"`, "", "", "", 0, 0, false},
}

func TestCanonicalRequest(t *testing.T) {
	for _, tt := range canonicalCases {
		t.Run(tt.name, func(t *testing.T) {
			var r leanRequest
			s := new(scratch)
			if got := r.parseCanonical([]byte(tt.doc), s); got != tt.canonical {
				t.Fatalf("canonical = %t, want %t", got, tt.canonical)
			}
			if tt.canonical && (string(s.method) != tt.method || string(s.path) != tt.path || string(s.cred) != tt.cred ||
				r.nAuth != tt.nAuth || r.now != tt.now || r.hasNow != strings.Contains(tt.doc, `"now"`)) {
				t.Fatalf("read %q %q %q %+v", s.method, s.path, s.cred, r)
			}
		})
	}
	// What hosts send is canonical, with a clock or without.
	req := request("GET", "/users/42/todos", "Bearer "+strings.Repeat("x", 300))
	for _, now := range []*int64{req.Now, nil} {
		req.Now = now
		var r leanRequest
		if !r.parseCanonical(AppendRequestJSON(nil, req), new(scratch)) {
			t.Fatalf("AppendRequestJSON's output (now %v) is not read by the canonical path", now)
		}
	}
}

// FuzzCanonicalRequest holds the canonical path to the strict parser: any
// document it reads, the strict parser reads to the same values.
func FuzzCanonicalRequest(f *testing.F) {
	for _, c := range canonicalCases {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var fast, general leanRequest
		fs, gs := new(scratch), new(scratch)
		if !fast.parseCanonical(doc, fs) {
			return
		}
		if err := general.parseGeneral(doc, gs); err != nil {
			t.Fatalf("canonical path read %q, the strict parser refused it: %v", doc, err)
		}
		if fast != general || string(fs.method) != string(gs.method) || string(fs.path) != string(gs.path) || string(fs.cred) != string(gs.cred) {
			t.Fatalf("%q: canonical %+v %q %q %q, strict %+v %q %q %q", doc, fast, fs.method, fs.path, fs.cred, general, gs.method, gs.path, gs.cred)
		}
	})
}

// FuzzCanonicalHeader holds the header's fast path to the general one:
// the same key and the same denial for any header the fast path reads.
func FuzzCanonicalHeader(f *testing.F) {
	a := newTestAuthorizer(f, baseConfig(f))
	p := a.policy.Load()
	for _, h := range []string{
		`{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`, `{"alg":"HS256","kid":"hs","typ":"AT+JWT"}`,
		`{"alg":"none","kid":"ed","typ":"at+jwt"}`, `{"alg":"ES256","kid":"ed","typ":"at+jwt"}`,
		`{"alg":"EdDSA","kid":"nope","typ":"JWT"}`, `{"alg":"EdDSA","kid":"ed","typ":"application/at+jwt"}`,
		`{"alg":"EdDSA","kid":"ed","typ":"at+jwt","crit":[]}`, `{"alg":"Ed\u0044SA","kid":"ed","typ":"at+jwt"}`,
		`{"alg":"HS256","typ":"at+jwt","kid":"hs"}`, `{"typ":"JWT","alg":"none","kid":"hs"}`,
		`{"kid":"ed","typ":"at+jwt","alg":"ES256"}`, `{"alg":"HS256","kid":"hs","alg":"HS256"}`,
		`{"kid":"nope","alg":"none","typ":"JWT"}`,
	} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		if _, ok := canonicalHeader(header); !ok {
			return
		}
		k1, d1 := p.checkHeader(header, new(scratch))
		k2, d2 := p.checkHeaderGeneral(header, new(scratch))
		if k1 != k2 || d1 != d2 {
			t.Fatalf("%s: fast path %p %v, general %p %v", header, k1, d1, k2, d2)
		}
	})
}
