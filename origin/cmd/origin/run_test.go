package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/origin/tokens"
)

// syncBuffer is a goroutine-safe log sink a test can wait on.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next Write; nil when nobody waits
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// next returns the log so far and a channel closed by the next write.
func (s *syncBuffer) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.b.String(), s.changed
}

func baseEnv(t *testing.T) map[string]string {
	return map[string]string{"DATABASE_PATH": filepath.Join(t.TempDir(), "data", "origin.db"), "AUTH_BCRYPT_COST": "4"}
}

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, envOf(env), strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

func TestRunUsage(t *testing.T) {
	env := baseEnv(t)
	tests := []struct {
		name string
		args []string
	}{
		{"unknown command", []string{"frobnicate"}},
		{"keys without subcommand", []string{"keys"}},
		{"unknown keys subcommand", []string{"keys", "burn"}},
		{"retire without kid", []string{"keys", "retire"}},
		{"retire with two kids", []string{"keys", "retire", "a", "b"}},
		{"config without print", []string{"config"}},
		{"serve with arguments", []string{"serve", "extra"}},
		{"bad flag", []string{"serve", "-nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := runCmd(t, env, tt.args...); !errors.Is(err, errUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
		})
	}
	out, err := runCmd(t, env, "help")
	if err != nil || !strings.Contains(out, "keys rotate") || !strings.Contains(out, "-enable-security") {
		t.Fatalf("help = %q, %v", out, err)
	}
}

func TestKeysCommands(t *testing.T) {
	env := baseEnv(t)
	out, err := runCmd(t, env, "keys", "list")
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("list on a new database = %q, %v; want only the header", out, err)
	}
	out, err = runCmd(t, env, "keys", "rotate", "-alg", "ES256")
	if err != nil || !strings.Contains(out, "(ES256) is active") {
		t.Fatalf("rotate = %q, %v", out, err)
	}
	first := strings.Fields(strings.TrimPrefix(out, "rotated: "))[0]
	if _, err := runCmd(t, env, "keys", "rotate"); err != nil { // default alg from config
		t.Fatal(err)
	}
	out, _ = runCmd(t, env, "keys", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`EdDSA\s+active`).MatchString(lines[1]) ||
		!strings.HasPrefix(lines[2], first) || !regexp.MustCompile(`ES256\s+retiring\s+\S+\s+\d{4}-`).MatchString(lines[2]) {
		t.Fatalf("list =\n%s", out)
	}
	if _, err := runCmd(t, env, "keys", "retire", first); err != nil {
		t.Fatal(err)
	}
	out, _ = runCmd(t, env, "keys", "list")
	if !regexp.MustCompile(first + `\s+ES256\s+retired`).MatchString(out) {
		t.Fatalf("after retire:\n%s", out)
	}
	if _, err := runCmd(t, env, "keys", "retire", "no-such-kid"); err == nil {
		t.Fatal("retiring an unknown kid succeeded")
	}
	if _, err := runCmd(t, env, "keys", "rotate", "-alg", "none"); err == nil {
		t.Fatal("rotating to alg none succeeded")
	}
	if !regexp.MustCompile(first+`\s+ES256\s+retired\s+\S+\s+\S+\s+destroyed`).MatchString(out) ||
		!regexp.MustCompile(`EdDSA\s+active\s+\S+\s+-\s+plain`).MatchString(out) {
		t.Fatalf("list does not show how private parts are kept:\n%s", out)
	}

	// Setting a master key later: keys seal encrypts what is stored in
	// plain (serve does the same at start), and keys list says so.
	if _, err := runCmd(t, env, "keys", "seal"); err == nil || !strings.Contains(err.Error(), "ORIGIN_MASTER_KEY") {
		t.Fatalf("keys seal without a master key: %v", err)
	}
	env["ORIGIN_MASTER_KEY"] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	out, err = runCmd(t, env, "keys", "seal")
	if err != nil || !strings.Contains(out, "sealed: 1 ") || !strings.Contains(out, "keys rotate") {
		t.Fatalf("keys seal = %q, %v; want the active key sealed (the retired one has no private part)", out, err)
	}
	out, _ = runCmd(t, env, "keys", "list")
	if !regexp.MustCompile(`EdDSA\s+active\s+\S+\s+-\s+sealed`).MatchString(out) || strings.Contains(out, "plain") {
		t.Fatalf("after sealing:\n%s", out)
	}
}

func TestConfigPrintRedacts(t *testing.T) {
	env := baseEnv(t)
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, 32))
	env["ORIGIN_MASTER_KEY"] = secret
	env["SERVER_PORT"] = "4321"
	out, err := runCmd(t, env, "config", "print", "-enable-security=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, secret) || strings.Contains(out, secret[:12]) {
		t.Fatal("config print shows the master key")
	}
	var got struct {
		Server  ServerConfig      `json:"server"`
		Secrets map[string]string `json:"secrets"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Server.Port != 4321 || got.Server.EnableSecurity || got.Secrets["ORIGIN_MASTER_KEY"] != "set (redacted)" {
		t.Fatalf("printed %+v", got)
	}
}

// server is a running `origin serve`.
type server struct {
	base   string
	log    *syncBuffer
	cancel context.CancelFunc
	exited chan struct{} // closed when run has returned err
	err    error
}

var listenRe = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{log: &syncBuffer{}, cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(s.exited)
		s.err = run(ctx, append([]string{"serve", "-port", "0"}, args...), envOf(env), strings.NewReader(""), io.Discard, s.log)
	}()
	s.base = "http://" + s.awaitLog(t, "listening", listenRe)[1]
	t.Cleanup(func() { s.stop(t) })
	return s
}

// awaitLog returns the first match of re in the log, waiting for the
// server to write it; it fails t if serve returns first or a minute passes.
func (s *server) awaitLog(t *testing.T, what string, re *regexp.Regexp) []string {
	t.Helper()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		text, changed := s.log.next()
		if m := re.FindStringSubmatch(text); m != nil {
			return m
		}
		select {
		case <-changed:
		case <-s.exited:
			t.Fatalf("serve returned %v before logging %s:\n%s", s.err, what, s.log)
		case <-timeout.C:
			t.Fatalf("serve did not log %s:\n%s", what, s.log)
		}
	}
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	<-s.exited
	if s.err != nil {
		t.Errorf("serve returned %v", s.err)
	}
}

func (s *server) do(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestServeSecurityOff(t *testing.T) {
	s := startServe(t, baseEnv(t), "-enable-security=false")
	if code, _ := s.do(t, "GET", "/healthz", "", ""); code != 200 {
		t.Fatalf("healthz = %d", code)
	}
	if code, _ := s.do(t, "POST", "/users", "", `{"email":"a@example.com","password":"password1","name":"A"}`); code != 201 {
		t.Fatalf("create user = %d", code)
	}
	if code, _ := s.do(t, "GET", "/users/1/todos", "", ""); code != 200 {
		t.Fatalf("open todo list = %d, want 200 with security off", code)
	}
	if !strings.Contains(s.log.String(), "SECURITY IS OFF") {
		t.Fatal("no warning logged with security off")
	}
	s.stop(t)
	// The access log is buffered; stopping writes every line, before the
	// last line of all.
	log := s.log.String()
	access := strings.Index(log, `"msg":"request","method":"GET","route":"/users/{id}/todos","status":200`)
	if access < 0 || access > strings.LastIndex(log, `"msg":"stopped"`) {
		t.Fatalf("the access line of the last request is missing or after the last line:\n%s", log)
	}
}

func securedEnv(t *testing.T) map[string]string {
	env := baseEnv(t)
	env["AUTH_MODULE"] = edgeauthtest.ModulePath(t)
	env["AUTH_CACHE_DIR"] = filepath.Join(os.TempDir(), "origin-test-wazero-cache")
	env["AUTH_POLL_INTERVAL"] = "50ms"
	env["AUTH_POOL_SIZE"] = "2"
	return env
}

func TestServeSecured(t *testing.T) {
	env := securedEnv(t)
	master := make([]byte, 32)
	rand.Read(master)
	env["ORIGIN_MASTER_KEY"] = base64.StdEncoding.EncodeToString(master)
	s := startServe(t, env)

	if code, _ := s.do(t, "POST", "/users", "", `{"email":"a@example.com","password":"password1","name":"A"}`); code != 201 {
		t.Fatalf("create user = %d", code)
	}
	login := func() string {
		t.Helper()
		code, m := s.do(t, "POST", "/authenticate", "", `{"email":"a@example.com","password":"password1"}`)
		tok, _ := m["token"].(string)
		if code != 200 || tok == "" {
			t.Fatalf("authenticate = %d %v", code, m)
		}
		return tok
	}
	tok := login()
	if code, _ := s.do(t, "GET", "/users/1/todos", "", ""); code != 401 {
		t.Fatalf("no token = %d, want 401", code)
	}
	if code, _ := s.do(t, "GET", "/users/1/todos", tok, ""); code != 200 {
		t.Fatalf("with token = %d", code)
	}
	if code, _ := s.do(t, "DELETE", "/authenticate", tok, ""); code != 204 {
		t.Fatalf("logout = %d", code)
	}
	if code, _ := s.do(t, "GET", "/users/1/todos", tok, ""); code != 401 {
		t.Fatalf("revoked token at once = %d, want 401", code)
	}

	// Another process rotates the key; the running origin follows by polling.
	tok = login()
	out, err := runCmd(t, env, "keys", "rotate")
	if err != nil {
		t.Fatal(err)
	}
	kid := strings.Fields(strings.TrimPrefix(out, "rotated: "))[0]
	waitFor(t, "the rotation to be picked up", func() bool {
		resp, err := http.Get(s.base + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(b), kid)
	})
	if code, _ := s.do(t, "GET", "/users/1", tok, ""); code != 200 {
		t.Fatalf("token of the retiring key = %d, want 200 until it expires", code)
	}
	if code, _ := s.do(t, "GET", "/users/1", login(), ""); code != 200 {
		t.Fatalf("token of the new key = %d", code)
	}
	if strings.Contains(s.log.String(), tok) {
		t.Fatal("a token appeared in the log")
	}
	s.stop(t)

	// The keys are encrypted at rest: without the master key, or with
	// another one, the origin refuses to start.
	for name, v := range map[string]string{"no master key": "", "wrong master key": base64.StdEncoding.EncodeToString(make([]byte, 32))} {
		t.Run(name, func(t *testing.T) {
			e := map[string]string{}
			for k, val := range env {
				e[k] = val
			}
			if v == "" {
				delete(e, "ORIGIN_MASTER_KEY")
			} else {
				e["ORIGIN_MASTER_KEY"] = v
			}
			err := run(context.Background(), []string{"serve", "-port", "0"}, envOf(e), strings.NewReader(""), io.Discard, io.Discard)
			if !errors.Is(err, tokens.ErrMasterKeyRequired) && !errors.Is(err, tokens.ErrDecrypt) {
				t.Fatalf("serve = %v, want a master key error", err)
			}
		})
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	s := startServe(t, baseEnv(t), "-enable-security=false")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Hold a request in flight: it sends "Expect: 100-continue", so the
	// server answers "100 Continue" when the handler first reads the body,
	// and the body is sent only after the shutdown has begun; the request
	// must still be answered.
	pr, pw := io.Pipe()
	inHandler := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(inHandler) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "POST", s.base+"/users", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	got := make(chan int, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	select {
	case <-inHandler:
	case code := <-got:
		t.Fatalf("the request ended (%d) before its body was sent", code)
	case <-ctx.Done():
		t.Fatal("the request never reached the handler")
	}
	s.cancel()
	s.awaitLog(t, "the shutdown", regexp.MustCompile(`"msg":"shutting down"`))
	// Shutdown closes the listener first: once a connection is refused,
	// the shutdown is under way.
	u, _ := url.Parse(s.base)
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
		// A reset on connect met the listening socket as it closed.
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
			break
		}
		if err != nil {
			t.Fatalf("waiting for the listener to close: %v", err)
		}
		conn.Close()
	}
	io.WriteString(pw, `{"email":"slow@example.com","password":"password1","name":"S"}`)
	pw.Close()
	if code := <-got; code != 201 {
		t.Fatalf("in-flight request got %d, want 201", code)
	}
	<-s.exited
	if s.err != nil {
		t.Fatalf("serve = %v", s.err)
	}
	s.cancel = nil
}

func TestServeAlgorithms(t *testing.T) {
	for _, alg := range []string{"ES256", "HS256"} {
		t.Run(alg, func(t *testing.T) {
			env := securedEnv(t)
			env["AUTH_SIGNING_ALG"] = alg
			s := startServe(t, env)
			if code, _ := s.do(t, "POST", "/users", "", `{"email":"a@example.com","password":"password1","name":"A"}`); code != 201 {
				t.Fatalf("create user = %d", code)
			}
			code, m := s.do(t, "POST", "/authenticate", "", `{"email":"a@example.com","password":"password1"}`)
			tok, _ := m["token"].(string)
			if code != 200 {
				t.Fatalf("authenticate = %d", code)
			}
			if code, _ := s.do(t, "GET", "/users/1", tok, ""); code != 200 {
				t.Fatalf("%s token = %d, want 200", alg, code)
			}
			_, jwks := s.do(t, "GET", "/.well-known/jwks.json", "", "")
			keys, _ := jwks["keys"].([]any)
			if want := map[string]int{"ES256": 1, "HS256": 0}[alg]; len(keys) != want {
				t.Fatalf("JWKS has %d keys, want %d: %v", len(keys), want, jwks)
			}
		})
	}
}
