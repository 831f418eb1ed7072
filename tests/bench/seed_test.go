package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSeedHello(t *testing.T) {
	const tok = `"token":"aaa.bbb.ccc"`
	tests := []struct {
		name string
		line string
		ok   bool
	}{
		{"good", `{"port":4000,"user_id":1,"path":"/users/1/todos",` + tok + `}`, true},
		{"port zero", `{"port":0,"user_id":1,"path":"/users/1/todos",` + tok + `}`, false},
		{"port too large", `{"port":65536,"user_id":1,"path":"/users/1/todos",` + tok + `}`, false},
		{"path of another user", `{"port":4000,"user_id":1,"path":"/users/2/todos",` + tok + `}`, false},
		{"no user", `{"port":4000,"path":"/users/0/todos",` + tok + `}`, false},
		{"token not three parts", `{"port":4000,"user_id":1,"path":"/users/1/todos","token":"aaa.bbb"}`, false},
		{"unknown field", `{"port":4000,"user_id":1,"path":"/users/1/todos",` + tok + `,"x":1}`, false},
		{"not JSON", `Listening on 4000`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parseSeedHello([]byte(tt.line))
			if tt.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%t", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrSeed) {
				t.Fatalf("err %v is not ErrSeed", err)
			}
			if tt.ok && (h.Port != 4000 || h.UserID != 1 || h.Token != "aaa.bbb.ccc") {
				t.Fatalf("parsed %+v", h)
			}
		})
	}
}

func FuzzParseSeedHello(f *testing.F) {
	f.Add([]byte(`{"port":4000,"user_id":1,"path":"/users/1/todos","token":"a.b.c"}`))
	f.Add([]byte(`{"port":-1}`))
	f.Add([]byte(`{"port":1,"user_id":9223372036854775807,"path":"/users/9223372036854775807/todos","token":".."}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		h, err := parseSeedHello(line)
		if err != nil {
			if !errors.Is(err, ErrSeed) {
				t.Fatalf("err %v is not ErrSeed", err)
			}
			return
		}
		if h.Port < 1 || h.Port > 65535 || h.UserID < 1 || !strings.HasPrefix(h.Path, "/users/") || strings.Count(h.Token, ".") != 2 {
			t.Fatalf("accepted %+v", h)
		}
	})
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		ok   bool
	}{
		{"plain", "42 (node) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 7 0 1 2 3", 2800 * time.Millisecond, true},
		{"name with spaces and parentheses", "42 (a (b) c) R 1 42 42 0 -1 0 0 0 0 0 1 2 0 0", 30 * time.Millisecond, true},
		{"no parenthesis", "42 node S 1 42 42 0 -1 0 0 0 0 0 1 2", 0, false},
		{"too few fields", "42 (node) S 1 2 3", 0, false},
		{"not a number", "42 (node) S 1 42 42 0 -1 0 0 0 0 0 x 2 0", 0, false},
		{"negative", "42 (node) S 1 42 42 0 -1 0 0 0 0 0 -1 2 0", 0, false},
		{"overflow", "42 (node) S 1 42 42 0 -1 0 0 0 0 0 9223372036854775807 1 0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.line))
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("got %v, %v; want %v (ok=%t)", got, err, tt.want, tt.ok)
			}
		})
	}
	if d, err := pidCPUTime(os.Getpid()); err != nil || d < 0 {
		t.Fatalf("own CPU time: %v, %v", d, err)
	}
}

func TestFirstLine(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
		sent   bool
	}{
		{"one write", []string{"{\"a\":1}\nmore\n"}, `{"a":1}`, true},
		{"split across writes", []string{"{\"a\"", ":1}", "\nlater"}, `{"a":1}`, true},
		{"no newline yet", []string{"partial"}, "", false},
		{"over-long line", []string{strings.Repeat("x", 70<<10)}, strings.Repeat("x", 70<<10), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &firstLine{ch: make(chan []byte, 1)}
			for _, c := range tt.chunks {
				if n, err := f.Write([]byte(c)); n != len(c) || err != nil {
					t.Fatalf("Write: %d, %v", n, err)
				}
			}
			if tt.sent {
				f.Write([]byte("after\n")) // discarded once a line was sent, never blocks
			}
			select {
			case got := <-f.ch:
				if !tt.sent || string(got) != tt.want {
					t.Fatalf("got %q, want %q (sent=%t)", got, tt.want, tt.sent)
				}
			default:
				if tt.sent {
					t.Fatal("no line sent")
				}
			}
		})
	}
}

func TestSeedDepsFresh(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name        string
		lock, stamp *time.Time // nil: the file is missing
		want, ok    bool
	}{
		{"no lock file", nil, nil, false, false},
		{"never installed", &old, nil, false, true},
		{"lock changed since the install", new(time.Now()), &old, false, true},
		{"installed from this lock", &old, new(time.Now()), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			touch := func(p string, at *time.Time) {
				if at == nil {
					return
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, *at, *at); err != nil {
					t.Fatal(err)
				}
			}
			touch(filepath.Join(dir, "package-lock.json"), tt.lock)
			touch(filepath.Join(dir, "node_modules", ".package-lock.json"), tt.stamp)
			got, err := seedDepsFresh(dir)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("got %t, %v; want %t (ok=%t)", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestForgeSignature(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"changes the first signature character", "h.p.Qsig", "h.p.Asig"},
		{"A becomes B", "h.p.Asig", "h.p.Bsig"},
		{"empty signature", "h.p.", "h.p.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := forgeSignature(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// fakeTarget answers each Measure with the next of its requests counts
// over one second.
type fakeTarget struct {
	counts []uint64
	closed bool
}

func (f *fakeTarget) Measure(context.Context) (*E2E, error) {
	n := f.counts[0]
	f.counts = f.counts[1:]
	return &E2E{Result: &Result{Requests: n, Elapsed: time.Second}}, nil
}

func (f *fakeTarget) Close() error { f.closed = true; return nil }

func TestBestRounds(t *testing.T) {
	a := &fakeTarget{counts: []uint64{100, 300, 200}}
	b := &fakeTarget{counts: []uint64{50, 40, 60}}
	var order []string
	out, err := bestRounds(context.Background(), []measurer{a, b}, []string{"a", "b"}, 3, func(s string) { order = append(order, s) })
	if err != nil {
		t.Fatal(err)
	}
	// Interleaved: a, b, a, b, a, b.
	want := []string{"round 1/3: a", "round 1/3: b", "round 2/3: a", "round 2/3: b", "round 3/3: a", "round 3/3: b"}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Fatalf("order %q, want %q", order, want)
	}
	for i, best := range []uint64{300, 60} {
		if out[i].Result.Requests != best || len(out[i].Rounds) != 3 || out[i].Rounds[0].Result.Requests > out[i].Rounds[1].Result.Requests {
			t.Fatalf("target %d: best %d, rounds %d", i, out[i].Result.Requests, len(out[i].Rounds))
		}
	}
	if _, err := bestRounds(context.Background(), []measurer{a}, []string{"a"}, 0, func(string) {}); !errors.Is(err, ErrBadLoad) {
		t.Fatalf("zero rounds: %v", err)
	}
}

// TestSeed runs the real seed server briefly. It needs node and the
// server's npm dependencies (npm ci --prefix tests/bench/seed, which
// `make bench` runs): without them it is skipped, so `make test` never
// installs anything.
func TestSeed(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	if fresh, err := seedDepsFresh("seed"); err != nil || !fresh {
		t.Skip("seed dependencies not installed (npm ci --prefix tests/bench/seed)")
	}
	ctx := context.Background()
	o := E2EOptions{WorkDir: t.TempDir(), Concurrency: 4, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, Todos: 10}
	s, err := StartSeed(ctx, o, "seed")
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Measure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.Scenario.Name != SeedName || e.Result.Requests == 0 || e.Result.Errors != 0 {
		t.Fatalf("%s: %d requests, %d errors (%s)", e.Scenario.Name, e.Result.Requests, e.Result.Errors, e.Result.FirstError)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v (log: %s)", err, s.logTail())
	}

	// A server that cannot start is an ErrSeed, with its log.
	if _, err := StartSeed(ctx, o, t.TempDir()); !errors.Is(err, ErrSeed) {
		t.Fatalf("no server.mjs: %v", err)
	}
}
