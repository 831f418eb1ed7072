package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/craftingapis/todos/tests/internal/originproc"
)

// Origin is one running origin binary on loopback.
type Origin struct {
	Base string // "http://127.0.0.1:port"
	Log  string // path of its stdout and stderr (the structured log)
	proc *originproc.Proc
}

// StartOrigin runs `bin serve` in dir with env added to this process's
// environment (SERVER_HOST and SERVER_PORT are set here: port 0, so the
// kernel picks a free one) and waits, at most 90 s, until it logs that it
// listens. Its log goes to a file, not a pipe, so that nothing in this
// process reads it while the origin is measured.
func StartOrigin(ctx context.Context, bin, dir string, env map[string]string) (*Origin, error) {
	c := originproc.Config{
		Bin:          bin,
		Dir:          dir,
		Env:          append(os.Environ(), "SERVER_HOST=127.0.0.1", "SERVER_PORT=0"),
		StartTimeout: 90 * time.Second,
		LogFile:      filepath.Join(dir, "origin.log"),
	}
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	p, err := originproc.Start(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("bench: origin: %w", err)
	}
	return &Origin{Base: p.Base, Log: c.LogFile, proc: p}, nil
}

// Stop sends SIGTERM and waits (killing it after 15 s).
func (o *Origin) Stop() error { return o.proc.Stop() }

// Pid is the origin's process id (for CPU accounting).
func (o *Origin) Pid() int { return o.proc.Pid() }

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// CPUTime returns the CPU time (user + system) the origin has used, from
// /proc (Linux only). Clock ticks are taken as 100 Hz, Linux's USER_HZ on
// every common architecture.
func (o *Origin) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", o.Pid()))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are
	// counted from its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bench: unexpected /proc stat format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("bench: unexpected /proc stat format")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bench: unexpected /proc stat format")
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// countLog counts the lines of the origin's log that contain s.
func (o *Origin) countLog(s string) int {
	b, err := os.ReadFile(o.Log)
	if err != nil {
		return -1
	}
	return bytes.Count(b, []byte(s))
}
