package jsonx

import (
	"bytes"
	"testing"
)

var flatNames = []string{"iss", "aud", "exp", "scope"}

var flatCases = []struct {
	name string
	doc  string
	flat bool
}{
	{"claims", `{"scope":"a b","iss":"http://x","aud":["todos","b"],"exp":1700000000}`, true},
	{"empty", `{}`, true},
	{"some absent", `{"exp":-5}`, true},
	{"empty array and string", `{"aud":[],"iss":""}`, true},
	{"zero", `{"exp":0}`, true},
	{"unknown member", `{"iss":"x","sub":"y"}`, false},
	{"duplicate", `{"iss":"x","iss":"y"}`, false},
	{"whitespace", `{"iss": "x"}`, false},
	{"escape", `{"iss":"a\"b"}`, false},
	{"non-ASCII", `{"iss":"é"}`, false},
	{"fraction", `{"exp":1.5}`, false},
	{"exponent", `{"exp":1e9}`, false},
	{"leading zero", `{"exp":01}`, false},
	{"minus alone", `{"exp":-}`, false},
	{"nested", `{"aud":{"a":1}}`, false},
	{"number in array", `{"aud":[1]}`, false},
	{"literal", `{"exp":true}`, false},
	{"trailing data", `{"exp":1}x`, false},
	{"trailing comma", `{"exp":1,}`, false},
	{"truncated", `{"exp":1`, false},
	{"not an object", `["iss"]`, false},
}

func TestReadFlat(t *testing.T) {
	for _, tt := range flatCases {
		t.Run(tt.name, func(t *testing.T) {
			out := make([]Value, len(flatNames))
			if got := ReadFlat([]byte(tt.doc), flatNames, out); got != tt.flat {
				t.Fatalf("ReadFlat = %t, want %t", got, tt.flat)
			}
			if tt.flat {
				checkFlat(t, []byte(tt.doc), out)
			}
		})
	}
}

// checkFlat holds ReadFlat's values to what Parse and iteration give.
func checkFlat(t *testing.T, doc []byte, out []Value) {
	t.Helper()
	v, err := Parse(doc)
	if err != nil || v.Kind() != Object {
		t.Fatalf("ReadFlat read %q, Parse refused it: %v", doc, err)
	}
	want := make([]Value, len(flatNames))
	for it := v.Object(); it.Next(); {
		for i, n := range flatNames {
			if string(it.Key()) == n {
				want[i] = it.Value()
			}
		}
	}
	for i := range want {
		if out[i].Kind() != want[i].Kind() || !bytes.Equal(out[i].Raw(), want[i].Raw()) {
			t.Fatalf("%q: %s = %q, the parser says %q", doc, flatNames[i], out[i].Raw(), want[i].Raw())
		}
	}
}

func FuzzReadFlat(f *testing.F) {
	for _, c := range flatCases {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		out := make([]Value, len(flatNames))
		if ReadFlat(doc, flatNames, out) {
			checkFlat(t, doc, out)
		}
	})
}
