package httpapi

import (
	"bufio"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"none", "", false},
		{"sane", "req-42_a.b", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"space", "a b", false},
		{"log injection", "a\",\"level\":\"ERROR", false},
		{"unicode", "é", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, false)
			rec := hs.do("GET", "/nope", "", RequestIDHeader, tc.sent)
			got := rec.Header().Get(RequestIDHeader)
			p := mustProblem(t, rec, 404, "")
			if tc.kept && got != tc.sent {
				t.Errorf("request ID = %q, want the client's %q", got, tc.sent)
			}
			if !tc.kept && !generated.MatchString(got) {
				t.Errorf("request ID = %q, want a generated one", got)
			}
			if p.RequestID != got || !strings.Contains(hs.logs.String(), `"request_id":"`+got+`"`) {
				t.Errorf("request ID %q missing from the problem or the log", got)
			}
		})
	}
}

// TestAccessLog checks the one line per request and that no secret reaches
// the log: not the token, the password, the cursor or the raw path.
func TestAccessLog(t *testing.T) {
	hs := newHarness(t, true)
	hs.seed()
	const (
		token    = "alice"
		password = "correct horse"
		cursor   = "c-super-secret-cursor"
	)
	hs.do("POST", "/authenticate", `{"email":"a@example.com","password":"`+password+`"}`, "Authorization", "Bearer "+token)
	hs.do("GET", "/users/1/todos?after="+cursor, "", "Authorization", "Bearer "+token)
	hs.do("GET", "/users/1", "", "Authorization", "Bearer not-a-valid-token-xyz")
	hs.do("GET", "/nowhere", "", "Authorization", "Bearer "+token)

	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(hs.logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("want 4 access log lines, got %d:\n%s", len(lines), hs.logs)
	}
	want := []struct {
		route   string
		status  float64
		subject string
	}{
		{"/authenticate", 200, ""},
		{"/users/{id}/todos", 400, "users/1"}, // the fake service refuses the cursor
		{"/users/{id}", 401, ""},              // refused by the auth step, before routing
		{"(unmatched)", 404, "users/1"},
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "request" || l["route"] != w.route || l["status"] != w.status || l["subject"] != w.subject {
			t.Errorf("line %d = %v, want route %s status %v subject %q", i, l, w.route, w.status, w.subject)
		}
		for _, k := range []string{"method", "duration_ms", "bytes", "request_id"} {
			if _, ok := l[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
		if ms, ok := l["duration_ms"].(float64); !ok || ms < 0 || ms > 60_000 {
			t.Errorf("line %d: duration_ms %v is not milliseconds", i, l["duration_ms"])
		}
	}
	for _, secret := range []string{"Bearer", password, cursor, "not-a-valid-token-xyz", "a@example.com"} {
		if strings.Contains(hs.logs.String(), secret) {
			t.Errorf("the log contains %q:\n%s", secret, hs.logs)
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	hs := newHarness(t, false)
	hs.users.panicWith = "boom: secret internals"
	rec := hs.do("POST", "/users", `{"email":"n@example.com","password":"long enough","name":"N"}`)
	p := mustProblem(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic value leaked: %s", rec.Body)
	}
	if rec.Header().Get("Location") != "" {
		t.Error("a handler's header survived the panic")
	}
	logs := hs.logs.String()
	if !strings.Contains(logs, `"msg":"panic"`) || !strings.Contains(logs, "boom") || !strings.Contains(logs, `"status":500`) {
		t.Errorf("panic not logged with its access line:\n%s", logs)
	}
	if !strings.Contains(logs, p.RequestID) {
		t.Error("panic log lacks the request ID")
	}
	// The server goes on serving.
	hs.users.panicWith = nil
	mustJSON(t, hs.do("POST", "/users", `{"email":"n@example.com","password":"long enough","name":"N"}`), 201, nil)
}

func TestPanicAbortHandlerIsReraised(t *testing.T) {
	hs := newHarness(t, false)
	hs.users.panicWith = http.ErrAbortHandler
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler re-raised", v)
		}
	}()
	hs.do("POST", "/users", `{"email":"n@example.com","password":"long enough","name":"N"}`)
}
