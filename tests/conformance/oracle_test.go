package conformance_test

import (
	"strings"
	"testing"
)

// TestOracleIsNotVacuous: the fuzz target's unmutated tokens are accepted
// for every key (so its acceptance checks run), and named mutations are
// refused by both edgeauth and profileOK.
func TestOracleIsNotVacuous(t *testing.T) {
	o := newOracle(t)
	for i := range o.keys {
		sel := uint64(i) << 40
		hdr, cl, k := o.build([]byte("x"), []byte("y"), sel)
		if err := profileOK(o.cfg, hdr, cl, oracleNow); err != nil {
			t.Fatalf("%s: base token outside the profile: %v", k.kid, err)
		}
		if !o.decideBuilt(hdr, cl, k).Allow {
			t.Fatalf("%s: base token refused", k.kid)
		}
	}
	for _, c := range []struct {
		name string
		sel  uint64
		a, b string
	}{
		{"alg-none", 1 << 5, "xx", ""},             // len 2 % 4 = 2: "none"
		{"alg-hs256-on-ed-key", 1 << 5, "xyz", ""}, // len 3 % 4 = 3: "HS256"
		{"typ-jwt", 1 << 3, "", "JWT"},
		{"forbidden-jku", 1 << 4, "jku", "https://x"},
		{"duplicate-sub", 1 << 16, "", ""},
		{"revoked", 1 << 19, "", ""},
		{"exp-string", 1 << 14, "1767229140", ""},
		{"exp-float", 1 << 20, "", "1767229140.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			hdr, cl, k := o.build([]byte(c.a), []byte(c.b), c.sel)
			if o.decideBuilt(hdr, cl, k).Allow {
				t.Errorf("edgeauth accepts %s / %s", hdr, cl)
			}
			if profileOK(o.cfg, hdr, cl, oracleNow) == nil {
				t.Errorf("profileOK accepts %s / %s", hdr, cl)
			}
		})
	}
}

func TestStrictJSON(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		ok        bool
	}{
		{"object", `{"a":1,"b":[1,{"a":2}],"c":{"a":3}}`, true},
		{"escaped-pair", `{"a":"\ud83d\ude00"}`, true},
		{"escaped-backslash-before-u", `{"a":"\\ud800"}`, true},
		{"duplicate", `{"a":1,"a":2}`, false},
		{"duplicate-nested", `{"x":{"a":1,"a":2}}`, false},
		{"duplicate-after-nested-value", `{"a":{"b":1},"a":2}`, false},
		{"duplicate-via-escape", `{"a":1,"\u0061":2}`, false},
		{"lone-high", `{"a":"\ud800"}`, false},
		{"lone-low", `{"a":"\udc00x"}`, false},
		{"bad-utf8", "{\"a\":\"\xff\"}", false},
		{"bom", "\xef\xbb\xbf{}", false},
		{"array", `[]`, false},
		{"depth-32", strings.Repeat(`{"a":`, 31) + `{}` + strings.Repeat(`}`, 31), true},
		{"depth-33", strings.Repeat(`{"a":`, 32) + `{}` + strings.Repeat(`}`, 32), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := strictJSON([]byte(c.doc)); (err == nil) != c.ok {
				t.Errorf("strictJSON(%q) = %v, want ok=%v", c.doc, err, c.ok)
			}
		})
	}
}
