package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Setting ORIGIN_MASTER_KEY on a database whose keys are stored in plain:
// serve seals them at start (and says to rotate), so nothing stays in
// plain; a login sets a device cookie signed with the database's secret.
func TestServeSealsExistingKeys(t *testing.T) {
	env := baseEnv(t)
	s := startServe(t, env, "-enable-security=false")
	if code, _ := s.do(t, "POST", "/users", "", `{"email":"a@example.com","password":"password1","name":"A"}`); code != 201 {
		t.Fatalf("create user = %d", code)
	}
	req, _ := http.NewRequest("POST", s.base+"/authenticate", strings.NewReader(`{"email":"a@example.com","password":"password1"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("login = %d with cookies %v, want one device cookie", resp.StatusCode, resp.Cookies())
	}
	s.stop(t)
	out, err := runCmd(t, env, "keys", "list")
	if err != nil || !regexp.MustCompile(`active\s+\S+\s+-\s+plain`).MatchString(out) {
		t.Fatalf("before: %q, %v", out, err)
	}

	env["ORIGIN_MASTER_KEY"] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
	s = startServe(t, env, "-enable-security=false")
	if !strings.Contains(s.log.String(), `"sealed":2`) || !strings.Contains(s.log.String(), "keys rotate") {
		t.Fatalf("serve did not seal the key and the device-cookie secret:\n%s", s.log)
	}
	s.stop(t)
	out, err = runCmd(t, env, "keys", "list")
	if err != nil || !regexp.MustCompile(`active\s+\S+\s+-\s+sealed`).MatchString(out) {
		t.Fatalf("after: %q, %v", out, err)
	}
}
