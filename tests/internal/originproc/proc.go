package originproc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Default bounds. The first compile of the auth module takes about two
// seconds on a 2-core machine, more when several origins start at once.
const (
	DefaultStartTimeout = 60 * time.Second
	DefaultStopTimeout  = 15 * time.Second
)

var (
	// ErrExited means the process ended before it logged "listening".
	ErrExited = errors.New("originproc: exited before listening")
	// ErrStartTimeout means no "listening" line came within the start
	// bound; the process has been killed.
	ErrStartTimeout = errors.New("originproc: no \"listening\" log line in time")
	// ErrStopTimeout means the process outlived the stop bound after
	// SIGTERM; it has been killed.
	ErrStopTimeout = errors.New("originproc: did not exit in time after SIGTERM")
)

// Config says how to run one origin process.
type Config struct {
	// Bin is the binary (see Build).
	Bin string
	// Args are its arguments; nil means {"serve"}.
	Args []string
	// Dir is the working directory; "" means this process's.
	Dir string
	// Env is the whole environment, as in os/exec (later entries win). The
	// server must log the JSON line {"msg":"listening","addr":...}, so
	// SERVER_PORT=0 lets the kernel pick a free port without a race.
	Env []string
	// StartTimeout bounds the wait for "listening"; 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// StopTimeout bounds the wait after SIGTERM in Stop; 0 means
	// DefaultStopTimeout.
	StopTimeout time.Duration
	// LogFile, when set, receives stdout and stderr directly: nothing in
	// this process copies the log once the server listens, so a benchmark
	// does not pay for reading it. Proc.Logs is nil then. Without it, both
	// streams are collected in Proc.Logs.
	LogFile string
}

// Proc is one running origin process.
type Proc struct {
	// Addr is the listening address ("127.0.0.1:port") and Base the URL
	// prefix ("http://127.0.0.1:port").
	Addr, Base string
	// Logs holds stdout and stderr when Config.LogFile is empty.
	Logs *Buffer

	cmd         *exec.Cmd
	logFile     string
	stopTimeout time.Duration
	done        chan struct{} // closed when the process has been waited for
	err         error         // Wait's result, valid after done
	term        sync.Once
	termErr     error
}

// Start runs the process and waits until it logs its listening address,
// ctx is done, the process exits, or c.StartTimeout passes. ctx bounds the
// start only, not the process's life. On error the process has been killed
// and waited for, and the error (ErrExited, ErrStartTimeout or ctx's)
// carries the end of its log.
func Start(ctx context.Context, c Config) (*Proc, error) {
	if c.Args == nil {
		c.Args = []string{"serve"}
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	p := &Proc{logFile: c.LogFile, stopTimeout: c.StopTimeout, done: make(chan struct{})}
	p.cmd = exec.Command(c.Bin, c.Args...)
	p.cmd.Dir = c.Dir
	p.cmd.Env = c.Env
	addr := make(chan string, 1)
	if c.LogFile != "" {
		if err := p.startToFile(); err != nil {
			return nil, err
		}
	} else if err := p.startToBuffer(addr); err != nil {
		return nil, err
	}
	timeout := time.NewTimer(c.StartTimeout)
	defer timeout.Stop()
	// With a log file, the file is read until "listening" appears; nothing
	// reads it afterwards.
	var poll <-chan time.Time
	var offset int64
	var partial []byte
	if c.LogFile != "" {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case a := <-addr:
			p.Addr, p.Base = a, "http://"+a
			return p, nil
		case <-poll:
			a, err := p.scanFile(&offset, &partial)
			if err != nil {
				p.kill()
				return nil, err
			}
			if a != "" {
				p.Addr, p.Base = a, "http://"+a
				return p, nil
			}
		case <-p.done:
			return nil, fmt.Errorf("%w: %v\n%s", ErrExited, p.err, p.logTail())
		case <-ctx.Done():
			p.kill()
			return nil, fmt.Errorf("originproc: start: %w\n%s", ctx.Err(), p.logTail())
		case <-timeout.C:
			p.kill()
			return nil, fmt.Errorf("%w (%v):\n%s", ErrStartTimeout, c.StartTimeout, p.logTail())
		}
	}
}

// startToBuffer starts the process with its log collected in p.Logs; the
// first listening address found on stderr is sent on addr.
func (p *Proc) startToBuffer(addr chan<- string) error {
	p.Logs = &Buffer{}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return err
	}
	p.cmd.Stdout = p.Logs
	if err := p.cmd.Start(); err != nil {
		return err
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = p.Logs.Write(append(append([]byte{}, line...), '\n'))
			if a, ok := listeningAddr(line); ok && !sent {
				addr <- a
				sent = true
			}
		}
		// A line over the scanner's limit stops it: keep draining so that
		// the process never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return nil
}

// startToFile starts the process with stdout and stderr on p.logFile.
func (p *Proc) startToFile() error {
	f, err := os.Create(p.logFile)
	if err != nil {
		return err
	}
	// The child holds its own descriptor; ours is not needed after Start.
	defer f.Close()
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		return err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return nil
}

// scanFile reads the log file from *offset and returns the first listening
// address in the complete lines read; an incomplete last line is kept in
// *partial for the next call.
func (p *Proc) scanFile(offset *int64, partial *[]byte) (string, error) {
	f, err := os.Open(p.logFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, *offset, 1<<40))
	if err != nil {
		return "", err
	}
	*offset += int64(len(b))
	buf := append(*partial, b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		if a, ok := listeningAddr(buf[:i]); ok {
			return a, nil
		}
		buf = buf[i+1:]
	}
	*partial = append([]byte(nil), buf...)
	return "", nil
}

// listeningAddr reports the address in a structured log line of the form
// {"msg":"listening","addr":"host:port",...}.
func listeningAddr(line []byte) (string, bool) {
	var l struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if json.Unmarshal(line, &l) != nil || l.Msg != "listening" || l.Addr == "" {
		return "", false
	}
	return l.Addr, true
}

// kill ends the process at once and waits for it.
func (p *Proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Log returns the whole log so far: Logs, or the log file's content
// ("" if it cannot be read).
func (p *Proc) Log() string {
	if p.Logs != nil {
		return p.Logs.String()
	}
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}

// logTail is the end of the log, for error messages.
func (p *Proc) logTail() string {
	const n = 8 << 10
	s := p.Log()
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// Terminate sends SIGTERM, once however often it is called, so that a
// test may begin a graceful shutdown itself and Stop still be called later
// without a second signal.
func (p *Proc) Terminate() error {
	p.term.Do(func() { p.termErr = p.cmd.Process.Signal(syscall.SIGTERM) })
	return p.termErr
}

// Stop terminates the process and waits for it, at most the stop bound
// (then it is killed and the error is ErrStopTimeout). It returns the
// exit error: nil for a clean exit with status 0.
func (p *Proc) Stop() error {
	_ = p.Terminate() // fails only when the process is already gone
	select {
	case <-p.done:
		return p.err
	case <-time.After(p.stopTimeout):
		p.kill()
		return fmt.Errorf("%w (%v)", ErrStopTimeout, p.stopTimeout)
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the process's exit error (nil for status 0); valid once Done is
// closed.
func (p *Proc) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }
