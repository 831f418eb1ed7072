package originproc

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// StartT starts c's process for a test and fails t if it does not listen.
// When t ends the process is stopped and must exit cleanly (status 0);
// then each check runs on the complete log, and if t failed the log is
// written to t's output.
func StartT(t testing.TB, c Config, checks ...func(t testing.TB, logs string)) *Proc {
	t.Helper()
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("origin did not shut down cleanly: %v", err)
		}
		logs := p.Log()
		for _, check := range checks {
			check(t, logs)
		}
		if t.Failed() {
			t.Logf("origin log:\n%s", logs)
		}
	})
	return p
}

// RunT runs another command of the binary (e.g. "keys", "rotate") to its
// end, at most a minute, as an operator would beside a running server, and
// returns its combined output. It fails t if the command fails.
func RunT(t testing.TB, bin, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("origin %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
