package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Origin is one running origin binary on loopback.
type Origin struct {
	Base string // "http://127.0.0.1:port"
	Log  string // path of its stderr (the structured log)
	cmd  *exec.Cmd
	done chan error
}

// StartOrigin runs `bin serve` in dir with env added to this process's
// environment (SERVER_HOST and SERVER_PORT are set here) and waits until
// /healthz answers 200. Its log goes to a file, not a pipe, so that reading
// it costs the measurement nothing.
func StartOrigin(ctx context.Context, bin, dir string, env map[string]string) (*Origin, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "origin.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "SERVER_HOST=127.0.0.1", "SERVER_PORT="+strconv.Itoa(port))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	o := &Origin{Base: "http://127.0.0.1:" + strconv.Itoa(port), Log: logPath, cmd: cmd, done: make(chan error, 1)}
	go func() { o.done <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(o.Base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return o, nil
			}
		}
		select {
		case err := <-o.done:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("bench: origin exited before serving: %v\n%s", err, tail(log, 2000))
		case <-ctx.Done():
			o.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			o.Stop()
			return nil, errors.New("bench: origin did not answer /healthz within 90s")
		}
	}
}

// Stop sends SIGTERM and waits (killing it after 15 s).
func (o *Origin) Stop() error {
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-o.done:
		return err
	case <-time.After(15 * time.Second):
		_ = o.cmd.Process.Kill()
		return <-o.done
	}
}

// Pid is the origin's process id (for CPU accounting).
func (o *Origin) Pid() int { return o.cmd.Process.Pid }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

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
