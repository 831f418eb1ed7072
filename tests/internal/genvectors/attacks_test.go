package genvectors

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// sourceKind is what every attack vector must name as its origin: an RFC rule
// (RFC 8725 and the JOSE RFCs among them), a Wycheproof test group, or a CVE.
var sourceKind = regexp.MustCompile(`RFC \d{4}|CVE-\d{4}-\d{4,}|Wycheproof [a-z0-9_]+`)

// TestAttackCorpus: the attack files hold at least 150 vectors between
// them, each naming where its attack or rule comes from, each file with
// both outcomes.
func TestAttackCorpus(t *testing.T) {
	files, err := Generate(os.DirFS("../../testdata/conformance/keys"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for name, b := range files {
		if !strings.HasPrefix(name, "attacks-") {
			continue
		}
		var f struct {
			Vectors []struct {
				Name, Source string
				Expect       map[string]any
			}
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var allow, deny int
		for _, v := range f.Vectors {
			if !sourceKind.MatchString(v.Source) {
				t.Errorf("%s/%s: source %q names no RFC, CVE or Wycheproof group", name, v.Name, v.Source)
			}
			if v.Expect["allow"] == true {
				allow++
			} else {
				deny++
			}
		}
		if allow == 0 || deny == 0 {
			t.Errorf("%s: %d allowed, %d denied; a file needs both", name, allow, deny)
		}
		total += len(f.Vectors)
	}
	if total < 150 {
		t.Errorf("the attack corpus has %d vectors, want at least 150", total)
	}
	t.Logf("%d attack vectors", total)
}
