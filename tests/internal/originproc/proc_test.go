package originproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeEnv makes the test binary play an origin (see fakeOrigin).
const fakeEnv = "ORIGINPROC_FAKE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeOrigin(mode))
	}
	os.Exit(m.Run())
}

// fakeOrigin behaves as the origin binary does in the mode's respect, so
// that Start and Stop are tested against a real child process.
func fakeOrigin(mode string) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	switch mode {
	case "serve": // logs noise, then listens; exits 0 on SIGTERM
		fmt.Println("to stdout")
		fmt.Fprintln(os.Stderr, `{"msg":"starting"}`)
		fmt.Fprintln(os.Stderr, `not json {"msg":"listening","addr":"fake:1"}`)
		fmt.Fprintln(os.Stderr, `{"level":"INFO","msg":"listening","addr":"127.0.0.1:4242"}`)
		<-term
		fmt.Fprintln(os.Stderr, `{"msg":"shutting down"}`)
		return 0
	case "fail": // exits before listening
		fmt.Fprintln(os.Stderr, `{"msg":"bad config"}`)
		return 3
	case "silent": // never listens
		<-term
		return 0
	case "dirty": // listens, exits 2 on SIGTERM
		fmt.Fprintln(os.Stderr, `{"msg":"listening","addr":"127.0.0.1:4242"}`)
		<-term
		return 2
	case "stubborn": // listens, ignores SIGTERM
		fmt.Fprintln(os.Stderr, `{"msg":"listening","addr":"127.0.0.1:4242"}`)
		for range term {
		}
	}
	return 1
}

func fakeConfig(t *testing.T, mode string, logFile bool) Config {
	c := Config{
		Bin:          os.Args[0],
		Env:          append(os.Environ(), fakeEnv+"="+mode),
		StartTimeout: 10 * time.Second,
		StopTimeout:  10 * time.Second,
	}
	if logFile {
		c.LogFile = filepath.Join(t.TempDir(), "origin.log")
	}
	return c
}

func TestStartStop(t *testing.T) {
	for _, logFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("logFile=%v", logFile), func(t *testing.T) {
			t.Parallel()
			p, err := Start(context.Background(), fakeConfig(t, "serve", logFile))
			if err != nil {
				t.Fatal(err)
			}
			if p.Addr != "127.0.0.1:4242" || p.Base != "http://127.0.0.1:4242" {
				t.Errorf("Addr, Base = %q, %q; want the first listening line's", p.Addr, p.Base)
			}
			if (p.Logs == nil) != logFile {
				t.Errorf("Logs = %v with logFile=%v", p.Logs, logFile)
			}
			if err := p.Stop(); err != nil {
				t.Fatalf("Stop: %v, want a clean exit", err)
			}
			if err := p.Stop(); err != nil {
				t.Errorf("second Stop: %v, want the same clean exit", err)
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("Done not closed after Stop")
			}
			log := p.Log()
			for _, want := range []string{"to stdout", `"msg":"starting"`, `"msg":"shutting down"`} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

func TestStartFails(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		ctx     func() context.Context
		timeout time.Duration
		want    error
		log     string
	}{
		{name: "exits", mode: "fail", want: ErrExited, log: "bad config"},
		{name: "never listens", mode: "silent", timeout: 300 * time.Millisecond, want: ErrStartTimeout},
		{name: "context ends", mode: "silent", want: context.DeadlineExceeded, ctx: func() context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}},
	}
	for _, tt := range tests {
		for _, logFile := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/logFile=%v", tt.name, logFile), func(t *testing.T) {
				t.Parallel()
				c := fakeConfig(t, tt.mode, logFile)
				if tt.timeout > 0 {
					c.StartTimeout = tt.timeout
				}
				ctx := context.Background()
				if tt.ctx != nil {
					ctx = tt.ctx()
				}
				p, err := Start(ctx, c)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Start = %v, %v; want %v", p, err, tt.want)
				}
				if p != nil {
					t.Errorf("Start returned a process with error %v", err)
				}
				if !strings.Contains(err.Error(), tt.log) {
					t.Errorf("error %q lacks the log %q", err, tt.log)
				}
			})
		}
	}
}

func TestStopReportsExit(t *testing.T) {
	tests := []struct {
		name string
		mode string
		want func(error) bool
	}{
		{name: "non-zero status", mode: "dirty", want: func(err error) bool {
			var ee interface{ ExitCode() int }
			return errors.As(err, &ee) && ee.ExitCode() == 2
		}},
		{name: "ignores SIGTERM", mode: "stubborn", want: func(err error) bool { return errors.Is(err, ErrStopTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeConfig(t, tt.mode, false)
			c.StopTimeout = 500 * time.Millisecond
			p, err := Start(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Stop(); !tt.want(err) {
				t.Fatalf("Stop = %v", err)
			}
		})
	}
}

// TestTerminateOnce: a test may begin the shutdown itself; the later Stop
// sends no second signal and reports the same exit.
func TestTerminateOnce(t *testing.T) {
	p := StartT(t, fakeConfig(t, "serve", false), func(t testing.TB, logs string) {
		if !strings.Contains(logs, "shutting down") {
			t.Errorf("check saw an incomplete log:\n%s", logs)
		}
	})
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after Terminate")
	}
	if err := p.Err(); err != nil {
		t.Fatalf("Err = %v, want a clean exit", err)
	}
	if err := p.Terminate(); err != nil {
		t.Errorf("second Terminate = %v, want the first's result", err)
	}
}

func TestListeningAddr(t *testing.T) {
	tests := []struct {
		name, line, want string
		ok               bool
	}{
		{name: "slog line", line: `{"time":"x","level":"INFO","msg":"listening","addr":"127.0.0.1:80"}`, want: "127.0.0.1:80", ok: true},
		{name: "other message", line: `{"msg":"started","addr":"127.0.0.1:80"}`},
		{name: "no address", line: `{"msg":"listening"}`},
		{name: "address not a string", line: `{"msg":"listening","addr":80}`},
		{name: "text around json", line: `x {"msg":"listening","addr":"a:1"}`},
		{name: "empty", line: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := listeningAddr([]byte(tt.line))
			if got != tt.want || ok != tt.ok {
				t.Errorf("listeningAddr(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzListeningAddr(f *testing.F) {
	f.Add([]byte(`{"msg":"listening","addr":"127.0.0.1:80"}`))
	f.Add([]byte(`{"msg":"listening","addr":""}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		a, ok := listeningAddr(line)
		if ok != (a != "") {
			t.Fatalf("listeningAddr(%q) = %q, %v", line, a, ok)
		}
	})
}

// TestScanFilePartialLines: a line written in pieces is found once it is
// complete, never from its first half.
func TestScanFilePartialLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	p := &Proc{logFile: path}
	var offset int64
	var partial []byte
	steps := []struct{ write, want string }{
		{write: `{"msg":"start"}` + "\n" + `{"msg":"listening",`, want: ""},
		{write: `"addr":"127.0.0.1:9"`, want: ""},
		{write: "}\n", want: "127.0.0.1:9"},
	}
	for i, s := range steps {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(s.write)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.scanFile(&offset, &partial)
		if err != nil || got != s.want {
			t.Fatalf("step %d: scanFile = %q, %v; want %q", i, got, err, s.want)
		}
	}
}

func TestBufferWaitFor(t *testing.T) {
	var b Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.WaitFor(ctx, `"msg":"shutting down"`) }()
	b.Write([]byte(`{"msg":"listening"}` + "\n"))
	b.Write([]byte(`{"msg":"shutting`))
	b.Write([]byte(` down"}` + "\n"))
	if err := <-done; err != nil {
		t.Fatalf("WaitFor = %v after the text was written", err)
	}
	short, stop := context.WithCancel(context.Background())
	stop()
	if err := b.WaitFor(short, "never written"); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitFor of missing text = %v, want context.Canceled", err)
	}
}
