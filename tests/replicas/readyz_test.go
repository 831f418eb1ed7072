package replicas

import (
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin/postgres/pgtest"
)

// TestReadyzFollowsTheDatabase: a replica whose database becomes
// unreachable stays alive (/healthz 200) but is no longer ready (/readyz
// 503 naming the database), and is ready again once the database is back.
// The replica reaches PostgreSQL through a TCP proxy the test cuts.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	p := startProxy(t, dbURL)
	c := startCluster(t, p.url, 1)
	r := c.replicas[0]

	r.must(t, 200, "GET", "/readyz", "", "", nil)
	p.cut()
	var detail string
	waitFor(t, "/readyz to answer 503 without its database", func() bool {
		status, b, err := r.do("GET", "/readyz", "", "")
		var prob struct {
			Error  string `json:"error"`
			Detail string `json:"detail"`
		}
		if err != nil || status != 503 || json.Unmarshal(b, &prob) != nil || prob.Error != "not_ready" {
			return false
		}
		detail = prob.Detail
		return true
	})
	if !strings.Contains(detail, "database") || strings.Contains(detail, "127.0.0.1") {
		t.Errorf("503 detail %q: must name the database, and nothing of its address", detail)
	}
	r.must(t, 200, "GET", "/healthz", "", "", nil)

	p.restore(t)
	waitFor(t, "/readyz to answer 200 with its database back", func() bool {
		status, _, err := r.do("GET", "/readyz", "", "")
		return err == nil && status == 200
	})
}

// waitFor polls cond every 20 ms until it holds, failing t after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxy forwards TCP connections on a loopback port to a PostgreSQL server
// (its Unix socket, or its host:port); cut closes the port and every
// connection, restore listens on the same port again.
type proxy struct {
	url    string // dbURL with the proxy's address
	addr   string
	dial   func() (net.Conn, error)
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	closed bool
}

func startProxy(t *testing.T, dbURL string) *proxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	p := &proxy{}
	if sock := q.Get("host"); strings.HasPrefix(sock, "/") {
		path := sock + "/.s.PGSQL." + port
		p.dial = func() (net.Conn, error) { return net.Dial("unix", path) }
	} else {
		target := u.Host
		p.dial = func() (net.Conn, error) { return net.Dial("tcp", target) }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	q.Del("host")
	u.Host, u.RawQuery = p.addr, q.Encode()
	p.url = u.String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln, p.closed = ln, false
	p.mu.Unlock()
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := p.dial()
			if err != nil {
				down.Close()
				continue
			}
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				down.Close()
				up.Close()
				return
			}
			p.conns = append(p.conns, down, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, down); up.Close() }()
			go func() { _, _ = io.Copy(down, up); down.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listening on %s again: %v", p.addr, err)
	}
	p.serve(ln)
}
