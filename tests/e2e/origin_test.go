package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/tests/internal/originproc"
)

// originProc is one running origin binary.
type originProc struct {
	base string // "http://127.0.0.1:port"
	env  []string
	dir  string
	logs *originproc.Buffer
	proc *originproc.Proc

	mu      sync.Mutex
	secrets []string // tokens and passwords that must never be logged
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
	o := &originProc{dir: dir, env: os.Environ()}
	for k, v := range env {
		o.env = append(o.env, k+"="+v) // later entries win in os/exec
	}
	o.proc = originproc.StartT(t, originproc.Config{Bin: originBin, Dir: dir, Env: o.env}, o.checkSecrets)
	o.base, o.logs = o.proc.Base, o.proc.Logs
	return o
}

// checkSecrets fails t if the complete log holds a recorded secret.
func (o *originProc) checkSecrets(t testing.TB, logs string) {
	o.mu.Lock()
	secrets := o.secrets
	o.mu.Unlock()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the origin's log contains a secret (%.12s...)", s)
		}
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
	return originproc.RunT(t, originBin, o.dir, o.env, args...)
}
