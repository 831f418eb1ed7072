package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeWalkthrough runs the README's curl walk-through
// (testdata/walkthrough.sh, which the README quotes verbatim) against a
// fresh origin and checks each step's answer.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is required for the README walk-through: ", err)
	}
	o := startOrigin(t)
	checkWalkthrough(t, o.base)
}

// walkthrough runs testdata/walkthrough.sh against the origin at base and
// returns its output and how it ended.
func walkthrough(t *testing.T, base string) (string, error) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", "walkthrough.sh"))
	if err != nil {
		t.Fatal(err)
	}
	const readmeBase = "BASE=http://127.0.0.1:3000\n"
	if !strings.Contains(string(script), readmeBase) {
		t.Fatalf("walkthrough.sh no longer sets %q", readmeBase)
	}
	s := strings.Replace(string(script), readmeBase, "BASE="+base+"\n", 1)
	cmd := exec.Command("bash", "-c", s)
	cmd.WaitDelay = 30 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// checkWalkthrough runs the walk-through against base and checks each
// step's answer.
func checkWalkthrough(t *testing.T, base string) {
	t.Helper()
	text, err := walkthrough(t, base)
	if err != nil {
		t.Fatalf("walkthrough failed: %v\n%s", err, text)
	}
	statuses := regexp.MustCompile(`(?m)^HTTP/[0-9.]+ (\d{3})`).FindAllStringSubmatch(text, -1)
	var got []string
	for _, m := range statuses {
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != "201 200 401" {
		t.Fatalf("walkthrough statuses %v, want [201 200 401]:\n%s", got, text)
	}
	for _, want := range []string{
		`"email":"ada@example.com"`,
		`"title":"Read the README"`,
		`"next":null`,
		`www-authenticate: bearer realm=`,
		`location: /users/`,
	} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("walkthrough output lacks %q:\n%s", want, text)
		}
	}
}
