package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
)

// startTimeout bounds an origin's start: the first compile of the module
// takes about two seconds on this machine class.
const startTimeout = 60 * time.Second

// syncBuffer collects a process's log lines for later assertions.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// originProc is one running origin binary.
type originProc struct {
	t    testing.TB
	base string // "http://127.0.0.1:port"
	env  []string
	dir  string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done

	mu      sync.Mutex
	secrets []string // tokens and passwords that must never be logged
	stopped bool
}

// baseEnv is the configuration every test origin starts with; options
// change it. Names are origin/cmd/origin's environment variables.
func baseEnv(t testing.TB, dir string) map[string]string {
	return map[string]string{
		"DATABASE_PATH":          filepath.Join(dir, "origin.db"),
		"SERVER_HOST":            "127.0.0.1",
		"SERVER_PORT":            "0",
		"SERVER_ENABLE_SECURITY": "true",
		"AUTH_MODULE":            edgeauthtest.ModulePath(t),
		"AUTH_LEEWAY_SECONDS":    "0",
		"AUTH_BCRYPT_COST":       "4",
		"AUTH_CACHE_DIR":         wazeroCache,
		"LOG_LEVEL":              "info",
	}
}

// startOrigin starts the origin binary on a fresh database in a temporary
// folder and waits for its "listening" log line. Each option edits the
// environment. The process is stopped (SIGTERM, must exit 0) and its log
// checked for leaked secrets when the test ends.
func startOrigin(t testing.TB, opts ...func(env map[string]string)) *originProc {
	t.Helper()
	dir := t.TempDir()
	env := baseEnv(t, dir)
	for _, o := range opts {
		o(env)
	}
	o := &originProc{t: t, dir: dir, logs: &syncBuffer{}, done: make(chan struct{})}
	o.env = os.Environ()
	for k, v := range env {
		o.env = append(o.env, k+"="+v) // later entries win in os/exec
	}
	o.start(t)
	t.Cleanup(o.cleanup)
	return o
}

// start runs the process and waits for its listening address.
func (o *originProc) start(t testing.TB) {
	t.Helper()
	o.cmd = exec.Command(originBin, "serve")
	o.cmd.Dir = o.dir
	o.cmd.Env = o.env
	stderr, err := o.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	o.cmd.Stdout = o.logs
	if err := o.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = o.logs.Write(append(append([]byte{}, line...), '\n'))
			if sent {
				continue
			}
			var l struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &l) == nil && l.Msg == "listening" && l.Addr != "" {
				addr <- l.Addr
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		o.err = o.cmd.Wait()
		close(o.done)
	}()
	select {
	case a := <-addr:
		o.base = "http://" + a
	case <-o.done:
		t.Fatalf("origin exited before listening: %v\n%s", o.err, o.logs)
	case <-time.After(startTimeout):
		_ = o.cmd.Process.Kill()
		t.Fatalf("origin did not log \"listening\" within %v:\n%s", startTimeout, o.logs)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (o *originProc) stop() error {
	o.mu.Lock()
	already := o.stopped
	o.stopped = true
	o.mu.Unlock()
	if !already {
		_ = o.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-o.done:
	case <-time.After(15 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.done
		return errors.New("origin did not exit within 15s of SIGTERM")
	}
	return o.err
}

func (o *originProc) cleanup() {
	if err := o.stop(); err != nil {
		o.t.Errorf("origin did not shut down cleanly: %v", err)
	}
	logs := o.logs.String()
	o.mu.Lock()
	secrets := o.secrets
	o.mu.Unlock()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			o.t.Errorf("the origin's log contains a secret (%.12s...)", s)
		}
	}
	if o.t.Failed() {
		o.t.Logf("origin log:\n%s", logs)
	}
}

// secret records s (a token or a password) as one the log must not hold.
func (o *originProc) secret(s string) {
	if len(s) < 8 {
		return
	}
	o.mu.Lock()
	o.secrets = append(o.secrets, s)
	o.mu.Unlock()
}

// runCLI runs another origin command (e.g. "keys", "rotate") on the same
// database and configuration, as an operator would next to a running server.
func (o *originProc) runCLI(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, originBin, args...)
	cmd.Dir = o.dir
	cmd.Env = o.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("origin %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
