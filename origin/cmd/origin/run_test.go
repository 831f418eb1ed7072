package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin/tokens"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

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
	done   chan error
}

var listenRe = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{log: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "-port", "0"}, args...), envOf(env), strings.NewReader(""), io.Discard, s.log)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listenRe.FindStringSubmatch(s.log.String()); m != nil {
			s.base = "http://" + m[1]
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve exited: %v\n%s", err, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen:\n%s", s.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		t.Errorf("serve returned %v", err)
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
}

// module returns the ABI v1 module: $EDGEAUTH_MODULE (set by the Makefile)
// or build/edgeauth.wasm when `make wasm` made it, else a fresh build (the
// Go build cache makes that quick).
func module(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("EDGEAUTH_MODULE"); p != "" && fileExists(p) {
		return p
	}
	if p, _ := filepath.Abs("../../../build/edgeauth.wasm"); fileExists(p) {
		return p
	}
	out := filepath.Join(t.TempDir(), "edgeauth.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, "../../../edgeauth/wasm")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module: %v\n%s", err, b)
	}
	return out
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func securedEnv(t *testing.T) map[string]string {
	env := baseEnv(t)
	env["AUTH_MODULE"] = module(t)
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
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(s.base + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), kid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rotation not picked up")
		}
		time.Sleep(20 * time.Millisecond)
	}
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
	// Hold a request in flight: a slow body upload that finishes after the
	// shutdown began must still be answered.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.base+"/users", pr)
	req.Header.Set("Content-Type", "application/json")
	got := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	bw := bufio.NewWriter(pw)
	bw.WriteString(`{"email":"slow@example.com",`)
	bw.Flush()
	time.Sleep(100 * time.Millisecond)
	s.cancel()
	time.Sleep(100 * time.Millisecond)
	bw.WriteString(`"password":"password1","name":"S"}`)
	bw.Flush()
	pw.Close()
	if code := <-got; code != 201 {
		t.Fatalf("in-flight request got %d, want 201", code)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("serve = %v", err)
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
