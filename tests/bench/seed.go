package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// SeedName is the scenario name of the seed's stack: the Node server in
// tests/bench/seed, a replica of what the project's seed post built
// (Restify, jsonwebtoken verifying an HS256 token whose key is looked up by
// the token on every request, better-sqlite3), serving the same request as
// the origin scenarios. The report judges the origin as a multiple of it.
const SeedName = "seed stack (Restify + jsonwebtoken + better-sqlite3)"

// ErrSeed wraps every failure to install, start or check the seed's stack.
var ErrSeed = errors.New("bench: seed stack")

// seedStartTimeout bounds the wait for the server's first line: Node and
// its modules load in well under a second here; a loaded machine and a
// cold disk get thirty times that.
const seedStartTimeout = 30 * time.Second

// EnsureSeedDeps installs the seed server's npm dependencies in dir (the
// folder holding its package.json and package-lock.json) with `npm ci`,
// unless node_modules is already at least as new as the lock file. npm's
// output goes to out. `npm ci` builds better-sqlite3 from source when no
// prebuilt binary can be fetched (a minute on 2 cores), so this runs only
// from the benchmark program, never from `make test`.
func EnsureSeedDeps(ctx context.Context, dir string, out io.Writer) error {
	fresh, err := seedDepsFresh(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSeed, err)
	}
	if fresh {
		return nil
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--prefix", dir, "--no-audit", "--no-fund")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: npm ci --prefix %s: %w", ErrSeed, dir, err)
	}
	return nil
}

// seedDepsFresh reports whether dir's node_modules was installed from its
// current package-lock.json: npm writes node_modules/.package-lock.json on
// every install, so that file being at least as new as the lock file
// means nothing changed since. A missing lock file is an error: the
// replica's versions must be pinned.
func seedDepsFresh(dir string) (bool, error) {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return false, err
	}
	stamp, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !stamp.ModTime().Before(lock.ModTime()), nil
}

// seedHello is the one JSON line the seed server prints once it listens.
type seedHello struct {
	Port   int    `json:"port"`
	UserID int64  `json:"user_id"`
	Path   string `json:"path"`
	Token  string `json:"token"`
}

// parseSeedHello decodes and checks the server's first line: a port in
// range, the list's path for that user, and a token with three parts.
func parseSeedHello(line []byte) (seedHello, error) {
	var h seedHello
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return h, fmt.Errorf("%w: bad first line %q: %w", ErrSeed, tail(line, 300), err)
	}
	switch {
	case h.Port < 1 || h.Port > 65535:
		return h, fmt.Errorf("%w: bad port %d", ErrSeed, h.Port)
	case h.UserID < 1 || h.Path != "/users/"+strconv.FormatInt(h.UserID, 10)+"/todos":
		return h, fmt.Errorf("%w: bad user %d or path %q", ErrSeed, h.UserID, h.Path)
	case strings.Count(h.Token, ".") != 2:
		return h, fmt.Errorf("%w: the token is not a JWS compact serialization", ErrSeed)
	}
	return h, nil
}

// firstLine is the seed server's stdout: it hands the first complete line
// to a channel once and discards the rest, so the server never blocks on
// a full pipe.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	ch   chan []byte
}

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent {
		return len(p), nil
	}
	f.buf = append(f.buf, p...)
	if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
		f.sent = true
		f.ch <- f.buf[:i] // buffered: never blocks
		f.buf = nil
	} else if len(f.buf) > 64<<10 {
		f.sent = true
		f.ch <- f.buf // no line this long is expected: let the parser fail
		f.buf = nil
	}
	return len(p), nil
}

// Seed is a running seed server, checked and ready to be measured.
type Seed struct {
	Base  string // "http://127.0.0.1:port"
	URL   string // the measured list
	Token string
	Log   string // the server's stderr

	cmd    *exec.Cmd
	done   chan struct{} // closed once the process has been waited for
	err    error         // Wait's result, valid after done
	client *http.Client
	header string
	opts   E2EOptions
}

// StartSeed runs the seed server (node dir/server.mjs, dependencies
// installed: see EnsureSeedDeps) on a free loopback port with a fresh
// SQLite file in a new folder under o.WorkDir holding o.Todos todos, waits
// until it listens, and checks that it answers the measured request as
// the origin does: 200 with o.Todos todos for its token, 401 without a
// token and with a forged one. Close it when done.
func StartSeed(ctx context.Context, o E2EOptions, dir string) (*Seed, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeed, err)
	}
	server, err := filepath.Abs(filepath.Join(dir, "server.mjs"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeed, err)
	}
	work, err := os.MkdirTemp(o.WorkDir, "seed-")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeed, err)
	}
	s := &Seed{Log: filepath.Join(work, "seed.log"), done: make(chan struct{}), client: NewClient(o.Concurrency), opts: o}
	logFile, err := os.Create(s.Log)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeed, err)
	}
	defer logFile.Close() // the child holds its own descriptor
	out := &firstLine{ch: make(chan []byte, 1)}
	s.cmd = exec.Command(node, server)
	s.cmd.Dir = work
	s.cmd.Stdout, s.cmd.Stderr = out, logFile
	s.cmd.Env = append(os.Environ(),
		"NODE_ENV=production", "HOST=127.0.0.1", "PORT=0",
		"DB_PATH="+filepath.Join(work, "seed.db"), "TODOS="+strconv.Itoa(o.Todos))
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeed, err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()

	var line []byte
	select {
	case line = <-out.ch:
	case <-s.done:
		return nil, fmt.Errorf("%w: exited before listening (%v): %s", ErrSeed, s.err, s.logTail())
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	case <-time.After(seedStartTimeout):
		s.kill()
		return nil, fmt.Errorf("%w: no first line within %v: %s", ErrSeed, seedStartTimeout, s.logTail())
	}
	h, err := parseSeedHello(line)
	if err != nil {
		s.kill()
		return nil, err
	}
	s.Base = "http://127.0.0.1:" + strconv.Itoa(h.Port)
	s.URL, s.Token, s.header = s.Base+h.Path, h.Token, "Bearer "+h.Token
	if err := s.check(ctx); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// check makes sure the replica does the work it is measured for: a list
// of o.Todos todos behind a token that is really verified.
func (s *Seed) check(ctx context.Context) error {
	var page struct {
		Todos []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"todos"`
	}
	if err := call(ctx, s.client, http.MethodGet, s.URL, s.Token, nil, http.StatusOK, &page); err != nil {
		return fmt.Errorf("%w: %w", ErrSeed, err)
	}
	if len(page.Todos) != s.opts.Todos {
		return fmt.Errorf("%w: the list has %d todos, want %d", ErrSeed, len(page.Todos), s.opts.Todos)
	}
	// A token whose signature's first character changed still decodes to
	// the same jti and key: only a real HMAC check rejects it. (Not the
	// last character: some of its bits are padding.)
	forged := forgeSignature(s.Token)
	for name, tok := range map[string]string{"no token": "", "forged signature": forged} {
		if err := call(ctx, s.client, http.MethodGet, s.URL, tok, nil, http.StatusUnauthorized, nil); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrSeed, name, err)
		}
	}
	return nil
}

// forgeSignature changes the first character of a compact JWS's
// signature to another base64url character.
func forgeSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	if i <= 0 || i >= len(tok) {
		return tok + "x"
	}
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(rune(c)) + tok[i+1:]
}

// Measure runs one load window against the seed server with the same
// settings as the origin scenarios (E2EOptions), every request carrying
// the token. CPUPerRequest is the Node process's CPU time per answer.
func (s *Seed) Measure(ctx context.Context) (*E2E, error) {
	var cpuBefore, cpuAfter time.Duration
	res, err := Run(ctx, Load{
		Client: s.client, Concurrency: s.opts.Concurrency, Warmup: s.opts.Warmup, Duration: s.opts.Duration,
		Status:      http.StatusOK,
		WindowStart: func() { cpuBefore, _ = s.CPUTime() },
		WindowEnd:   func() { cpuAfter, _ = s.CPUTime() },
		Request: func(w, i int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, s.URL, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", s.header)
			return req, nil
		},
	})
	if err != nil {
		return nil, err
	}
	e := &E2E{Scenario: Scenario{Name: SeedName, Tokens: 1}, Result: res}
	if res.Requests > 0 {
		e.CPUPerRequest = (cpuAfter - cpuBefore) / time.Duration(res.Requests)
	}
	return e, nil
}

// CPUTime returns the CPU time (user + system) the server has used.
func (s *Seed) CPUTime() (time.Duration, error) { return pidCPUTime(s.cmd.Process.Pid) }

// Close stops the server: SIGTERM, then a kill after 15 s. A clean exit
// (status 0) returns nil.
func (s *Seed) Close() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM) // fails only if already gone
	select {
	case <-s.done:
		return s.err
	case <-time.After(15 * time.Second):
		s.kill()
		return fmt.Errorf("%w: did not stop within 15s after SIGTERM", ErrSeed)
	}
}

func (s *Seed) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Seed) logTail() string {
	b, _ := os.ReadFile(s.Log)
	return string(tail(b, 2000))
}

// pidCPUTime reads a process's user + system CPU time from /proc (Linux
// only), with clock ticks taken as 100 Hz, Linux's USER_HZ on every common
// architecture.
func pidCPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// errStat is returned for a /proc/<pid>/stat line that cannot be read.
var errStat = errors.New("bench: unexpected /proc stat format")

// parseStatCPU returns utime + stime of a /proc/<pid>/stat line. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from its last closing parenthesis.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errStat
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errStat
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 63)
	stime, err2 := strconv.ParseUint(f[12], 10, 63)
	if err1 != nil || err2 != nil || utime+stime > uint64(1<<63-1)/uint64(10*time.Millisecond) {
		return 0, errStat
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// measurer is one target of an interleaved run: a *Prepared origin or the
// *Seed.
type measurer interface {
	Measure(ctx context.Context) (*E2E, error)
	Close() error
}

// InterleavedWithSeed is Interleaved with the seed's stack as one more
// target: it prepares every origin scenario and starts the seed server
// from seedDir, then measures them all in turn, round after round, so the
// origin/seed ratio comes from one run under the same load on the machine.
// The seed's best round is the last element of the result (its Scenario
// named SeedName); the others follow scenarios' order. The seed's npm
// dependencies must be installed (EnsureSeedDeps).
func InterleavedWithSeed(ctx context.Context, o E2EOptions, seedDir string, scenarios []Scenario, rounds int, progress func(string)) ([]*E2E, error) {
	var targets []measurer
	var names []string
	defer func() {
		for _, t := range targets {
			t.Close()
		}
	}()
	for _, s := range scenarios {
		progress("prepare " + s.Name)
		p, err := Prepare(ctx, o, s)
		if err != nil {
			return nil, err
		}
		targets, names = append(targets, p), append(names, s.Name)
	}
	progress("prepare " + SeedName)
	seed, err := StartSeed(ctx, o, seedDir)
	if err != nil {
		return nil, err
	}
	targets, names = append(targets, seed), append(names, SeedName)
	return bestRounds(ctx, targets, names, rounds, progress)
}

// bestRounds measures every target in turn, rounds times, and returns for
// each its round with the most requests/s, all its rounds (slowest first)
// in Rounds, as Interleaved does and for the same reason: other load only
// ever slows a round down.
func bestRounds(ctx context.Context, targets []measurer, names []string, rounds int, progress func(string)) ([]*E2E, error) {
	runs := make([][]*E2E, len(targets))
	for r := range rounds {
		for i, t := range targets {
			progress(fmt.Sprintf("round %d/%d: %s", r+1, rounds, names[i]))
			e, err := t.Measure(ctx)
			if err != nil {
				return nil, err
			}
			runs[i] = append(runs[i], e)
		}
	}
	out := make([]*E2E, len(targets))
	for i, rs := range runs {
		if len(rs) == 0 {
			return nil, ErrBadLoad
		}
		slices.SortFunc(rs, func(a, b *E2E) int { return cmp.Compare(a.Result.RPS(), b.Result.RPS()) })
		out[i] = rs[len(rs)-1]
		out[i].Rounds = rs
	}
	return out, nil
}
