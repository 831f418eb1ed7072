// Package pgtest gives tests a real PostgreSQL server: a throwaway cluster
// it creates (initdb) and runs (postgres) in a temporary folder, reachable
// only through a Unix socket there, or, when TEST_DATABASE_URL is set, the
// server that URL names. Each test gets a database of its own.
//
// A test package uses it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and calls pgtest.NewDatabase(t) for a fresh database's URL.
//
// When the PostgreSQL binaries are missing, tests that need them are skipped
// with the reason, unless CI=true or PGTEST_REQUIRE=1: then they fail, so
// `make test` can never pass without having run them.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names an existing server to use instead of a throwaway cluster.
// Its user must be allowed to create databases.
const EnvURL = "TEST_DATABASE_URL"

// ErrNoPostgres means the PostgreSQL server binaries were not found.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL binaries (initdb, postgres) not found; install Debian's postgresql package")

// Required reports whether a missing server must fail tests instead of
// skipping them: CI=true or PGTEST_REQUIRE=1.
func Required() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	req, _ := strconv.ParseBool(os.Getenv("PGTEST_REQUIRE"))
	return ci || req
}

// Server is a running PostgreSQL server.
type Server struct {
	admin string    // URL of the maintenance database, as a superuser
	dir   string    // the throwaway cluster's folder; "" for TEST_DATABASE_URL
	proc  *exec.Cmd // the postmaster; nil for TEST_DATABASE_URL
	done  chan struct{}
	n     atomic.Int64
}

// Start returns the server TEST_DATABASE_URL names, or creates and starts a
// throwaway cluster. ErrNoPostgres when it needs binaries it cannot find.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		s := &Server{admin: u}
		if err := s.ping(ctx); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvURL, err)
		}
		return s, nil
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	if err := s.start(ctx, bin); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// findBin returns the folder holding initdb and postgres: the newest
// /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH), else the
// folder of an initdb on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// start runs initdb and then the postmaster. PostgreSQL refuses to run as
// root, so under root both run as the "postgres" user, which then owns the
// folder.
func (s *Server) start(ctx context.Context, bin string) error {
	data, sock := filepath.Join(s.dir, "data"), filepath.Join(s.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgtest: running as root needs a postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{s.dir, sock} {
			if err := os.Chown(p, int(uid), int(gid)); err != nil {
				return fmt.Errorf("pgtest: %w", err)
			}
		}
	}
	var out bytes.Buffer
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Stdout, initdb.Stderr = &out, &out
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := initdb.Run(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out.String())
	}
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	// No TCP listener (nothing to collide with, nothing exposed), and
	// durability off: a throwaway cluster needs speed, not crash safety.
	s.proc = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", sock,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200")
	s.proc.Stdout, s.proc.Stderr = logFile, logFile
	// Pdeathsig: if the test binary dies, so does the server.
	s.proc.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := s.proc.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	go func() { s.proc.Wait(); close(s.done) }()
	s.admin = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {sock}}.Encode()}).String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited: %s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within 30s: %w", err)
		}
	}
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// Stop shuts a throwaway cluster down (fast shutdown: open sessions are
// ended) and removes its folder. It does nothing to a TEST_DATABASE_URL
// server.
func (s *Server) Stop() error {
	if s.dir == "" {
		return nil
	}
	if s.proc != nil && s.proc.Process != nil {
		s.proc.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.proc.Process.Kill()
			<-s.done
		}
	}
	return os.RemoveAll(s.dir)
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), s.n.Add(1))
	c, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return s.withDatabase(name)
}

// withDatabase returns the admin URL with its database replaced by name.
func (s *Server) withDatabase(name string) (string, error) {
	if strings.Contains(s.admin, "://") {
		u, err := url.Parse(s.admin)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s is malformed", EnvURL)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// A key=value DSN: a later key overrides an earlier one.
	return s.admin + " dbname=" + name, nil
}

// dropDatabase removes a database made by NewDatabase, ending any session
// still on it.
func (s *Server) dropDatabase(ctx context.Context, dbURL string) error {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	c, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{cfg.Database}.Sanitize()+` WITH (FORCE)`)
	return err
}

// shared is the server Main started for the test binary.
var shared struct {
	srv *Server
	err error
}

// Main runs the tests of a package with a server and exits: see Run.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run starts a server (or finds TEST_DATABASE_URL's), runs m, stops the
// server and returns m's exit code, for a TestMain with more to set up.
// When the binaries are missing it still runs m, and NewDatabase skips or
// fails each test that needs them.
func Run(m *testing.M) int {
	srv, err := Start(context.Background())
	if err != nil && !errors.Is(err, ErrNoPostgres) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	shared.srv, shared.err = srv, err
	if srv != nil {
		defer srv.Stop()
	}
	return m.Run()
}

// NewDatabase returns the URL of a fresh database on the server Main
// started. Without binaries it skips t, or fails it when Required.
func NewDatabase(t testing.TB) string {
	t.Helper()
	s := Shared(t)
	u, err := s.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.dir == "" {
		// Someone else's server: leave nothing behind. (A throwaway
		// cluster goes as a whole.) Cleanups run last-in first-out, so the
		// test's own pool, opened after this, is closed by then.
		t.Cleanup(func() {
			if err := s.dropDatabase(context.Background(), u); err != nil {
				t.Logf("pgtest: drop database: %v", err)
			}
		})
	}
	return u
}

// Shared returns the server Main started, skipping t (or failing it when
// Required) when there is none.
func Shared(t testing.TB) *Server {
	t.Helper()
	if shared.srv != nil {
		return shared.srv
	}
	err := shared.err
	if err == nil {
		err = errors.New("pgtest: no server: call pgtest.Main from TestMain")
	}
	if Required() || !errors.Is(err, ErrNoPostgres) {
		t.Fatal(err)
	} else {
		t.Skip(err)
	}
	return nil
}
