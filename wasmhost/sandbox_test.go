package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/wasmhost/internal/testmodules"
	"github.com/craftingapis/todos/wasmhost/meter"
)

// The snoop module (internal/testmodules/snoop) is built on first use: only
// the sandbox tests need it.
var (
	snoopOnce   sync.Once
	snoopModule []byte
	snoopErr    error
)

func snoop(t *testing.T) []byte {
	t.Helper()
	snoopOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wasmhost-snoop-")
		if err != nil {
			snoopErr = err
			return
		}
		defer os.RemoveAll(dir)
		mods, err := testmodules.Build(dir, "snoop")
		if err != nil {
			snoopErr = err
			return
		}
		snoopModule, snoopErr = meter.Instrument(mods["snoop"], meter.DefaultExport)
	})
	if snoopErr != nil {
		t.Fatal(snoopErr)
	}
	return snoopModule
}

// snoopReport mirrors the module's Report.
type snoopReport struct {
	Got      []string `json:"got"`
	Tried    int      `json:"tried"`
	Env      []string `json:"env"`
	Args     []string `json:"args"`
	Hostname string   `json:"hostname"`
	Net      []string `json:"net"`
}

// hostSockets are real TCP and UDP sockets on the host's loopback that
// count what reaches them.
type hostSockets struct {
	tcp      net.Listener
	udp      net.PacketConn
	received atomic.Int64
}

func listenHost(t *testing.T) *hostSockets {
	t.Helper()
	var s hostSockets
	var err error
	if s.tcp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if s.udp, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.tcp.Close(); s.udp.Close() })
	go func() {
		for {
			c, err := s.tcp.Accept()
			if err != nil {
				return
			}
			s.received.Add(1)
			c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 64)
		for {
			if _, _, err := s.udp.ReadFrom(buf); err != nil {
				return
			}
			s.received.Add(1)
		}
	}()
	return &s
}

func (s *hostSockets) path() string {
	return fmt.Sprintf("/probe/%d/%d", s.tcp.Addr().(*net.TCPAddr).Port, s.udp.LocalAddr().(*net.UDPAddr).Port)
}

// probeSandbox runs the snoop module's probes and checks that nothing came
// out: no probe succeeded, no environment or arguments, no host name, and
// (after a grace period for packets in flight) nothing reached the host's
// sockets.
func probeSandbox(t *testing.T, h *Host) snoopReport {
	t.Helper()
	socks := listenHost(t)
	d, err := h.Authorize(context.Background(), get(socks.path()))
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	var r snoopReport
	if err := json.Unmarshal([]byte(d.Subject), &r); err != nil {
		t.Fatalf("probe report %q: %v", d.Subject, err)
	}
	if r.Tried < 35 || len(r.Net) != 3 {
		t.Fatalf("only %d probes and %d network attempts ran; the module is not the one expected", r.Tried, len(r.Net))
	}
	for _, got := range r.Got {
		t.Errorf("the module reached outside its sandbox: %s", got)
	}
	if len(r.Env) != 0 {
		t.Errorf("the module sees environment variables: %d of them", len(r.Env))
	}
	if len(r.Args) != 0 {
		t.Errorf("the module sees a command line: %q", r.Args)
	}
	if host, err := os.Hostname(); err == nil && r.Hostname == host {
		t.Errorf("the module learned the host name %q", host)
	}
	time.Sleep(100 * time.Millisecond)
	if n := socks.received.Load(); n != 0 {
		t.Errorf("the host's sockets received %d connections or datagrams from the module", n)
	}
	t.Logf("network, as the module saw it: %q", r.Net)
	return r
}

// TestSandboxGivesNothing: a module that tries to read files, list
// directories, create files, read the environment and the command line,
// resolve names and open sockets gets an error or nothing for every try,
// while the host process has all of those to give.
func TestSandboxGivesNothing(t *testing.T) {
	t.Setenv("ORIGIN_MASTER_KEY", "c2VjcmV0IHRoYXQgbXVzdCBub3QgbGVhaw")
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Logf("the host has no /etc/passwd (%v); the other probes still count", err)
	}
	h := newHost(t, snoop(t), Options{PoolSize: 1})
	if err := h.Configure(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	probeSandbox(t, h)
	if _, err := os.Stat("snoop"); err == nil {
		t.Error("the module created a file in the host's working directory")
	}
}

// TestSandboxUnderAttackLoad: 8 goroutines send requests that trap, loop
// until their fuel runs out or exhaust memory, while 4 send good ones.
// Every good call must succeed with its own answer; every poison call must
// fail with ErrTrap or ErrTimeout and cost its instance; the pool must come
// back whole. The bound is fuel, which counts work, so the test holds on a
// machine however loaded; how long the slowest poison call took is logged,
// not judged.
func TestSandboxUnderAttackLoad(t *testing.T) {
	const (
		attackers   = 8
		goodWorkers = 4
		perAttacker = 6
		perGood     = 40
		callFuel    = 1 << 22
	)
	h := newFakeHost(t, Options{PoolSize: 3, CallFuel: callFuel, MemoryLimitMB: 16}, "iss")
	poison := []string{"/trap", "/loop", "/oom"}
	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		poisoned atomic.Int64
		slowest  atomic.Int64
	)
	for a := range attackers {
		wg.Go(func() {
			for i := range perAttacker {
				if stop.Load() {
					return
				}
				path := poison[(a+i)%len(poison)]
				start := time.Now()
				_, err := h.Authorize(context.Background(), get(path))
				if took := time.Since(start); int64(took) > slowest.Load() {
					slowest.Store(int64(took))
				}
				if !errors.Is(err, ErrTrap) && !errors.Is(err, ErrTimeout) {
					t.Errorf("poison %s: err = %v, want ErrTrap or ErrTimeout", path, err)
				}
				poisoned.Add(1)
			}
		})
	}
	var good atomic.Int64
	for w := range goodWorkers {
		wg.Go(func() {
			for i := range perGood {
				path := fmt.Sprintf("/good/%d/%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				d, err := h.Authorize(ctx, get(path))
				cancel()
				if err != nil {
					t.Errorf("good call %s failed under attack: %v", path, err)
					stop.Store(true)
					return
				}
				if !d.Allow || d.Subject != "GET "+path || d.JTI != "iss" {
					t.Errorf("good call %s got %+v: another caller's answer or a stale config", path, d)
				}
				good.Add(1)
			}
		})
	}
	wg.Wait()
	waitRefilled(h)
	if got := good.Load(); got != goodWorkers*perGood {
		t.Errorf("%d good calls succeeded, want %d", got, goodWorkers*perGood)
	}
	s := h.Stats()
	if s.Replaced != uint64(poisoned.Load()) || s.Busy != 0 || len(h.pool) != 3 {
		t.Errorf("Stats %+v, pool %d: want %d replaced, none busy, 3 idle", s, len(h.pool), poisoned.Load())
	}
	t.Logf("%d poison calls (all replaced), %d good calls, slowest poison call %v", poisoned.Load(), good.Load(), time.Duration(slowest.Load()))
}

// TestSandboxReplacedInstancesStayShut: after traps replace every
// instance, the new instances are as shut in as the first.
func TestSandboxReplacedInstancesStayShut(t *testing.T) {
	h := newHost(t, snoop(t), Options{PoolSize: 2, CallTimeout: 300 * time.Millisecond, MemoryLimitMB: 32})
	if err := h.Configure(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/trap", "/oom", "/loop", "/trap"} {
		if _, err := h.Authorize(context.Background(), get(p)); !errors.Is(err, ErrTrap) && !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: err = %v", p, err)
		}
	}
	waitRefilled(h)
	for range 2 {
		probeSandbox(t, h) // each call takes whichever replacement is idle
	}
}
