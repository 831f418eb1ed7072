package ratelimit

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func small() Config {
	return Config{
		ClientPerMinute: 60, ClientBurst: 5, // 1/s
		AccountClientPerMinute: 6, AccountClientBurst: 2, // 1 per 10 s
		AccountPerMinute: 60, AccountBurst: 4,
		MaxKeys: 100,
	}
}

func mustNew(t *testing.T, c Config) *Limiter {
	t.Helper()
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"zero-rate":     func(c *Config) { c.ClientPerMinute = 0 },
		"negative-rate": func(c *Config) { c.AccountPerMinute = -1 },
		"zero-burst":    func(c *Config) { c.AccountClientBurst = 0 },
		"zero-keys":     func(c *Config) { c.MaxKeys = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			c := small()
			mod(&c)
			if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}

func TestPairBucketRefusesWithRetryAfter(t *testing.T) {
	l := mustNew(t, small())
	for i := range 2 {
		if ok, _ := l.Allow("a@x.test", "198.51.100.1", "", t0); !ok {
			t.Fatalf("attempt %d refused inside the burst", i)
		}
	}
	ok, wait := l.Allow("a@x.test", "198.51.100.1", "", t0)
	if ok || wait != 10*time.Second {
		t.Fatalf("third attempt: ok=%v wait=%v, want refused for 10s", ok, wait)
	}
	if ok, _ := l.Allow("a@x.test", "198.51.100.1", "", t0.Add(9*time.Second)); ok {
		t.Error("admitted before the bucket refilled")
	}
	if ok, _ := l.Allow("a@x.test", "198.51.100.1", "", t0.Add(10*time.Second)); !ok {
		t.Error("refused after the bucket refilled")
	}
}

// A stranger who drains the pair bucket for the victim's account does not
// lock the victim (another address) out.
func TestNoVictimLockout(t *testing.T) {
	l := mustNew(t, small())
	for range 10 {
		l.Allow("victim@x.test", "203.0.113.66", "", t0)
	}
	if ok, _ := l.Allow("victim@x.test", "203.0.113.66", "", t0); ok {
		t.Fatal("the attacker was not limited")
	}
	if ok, wait := l.Allow("victim@x.test", "198.51.100.7", "", t0); !ok {
		t.Fatalf("the victim is locked out for %v", wait)
	}
}

// Many addresses against one account hit the account-wide ceiling, which
// refills within a second.
func TestAccountCeiling(t *testing.T) {
	l := mustNew(t, small())
	admitted := 0
	for i := range 20 {
		if ok, _ := l.Allow("victim@x.test", fmt.Sprintf("203.0.113.%d", i), "", t0); ok {
			admitted++
		}
	}
	if admitted != 4 {
		t.Fatalf("%d distributed attempts admitted, want the account burst 4", admitted)
	}
	ok, wait := l.Allow("victim@x.test", "198.51.100.7", "", t0)
	if ok || wait != time.Second {
		t.Fatalf("victim during the attack: ok=%v wait=%v, want a 1s wait", ok, wait)
	}
	if ok, _ := l.Allow("victim@x.test", "198.51.100.7", "", t0.Add(time.Second)); !ok {
		t.Error("victim still refused a second later")
	}
}

func TestClientBucketSpansAccounts(t *testing.T) {
	l := mustNew(t, small())
	for i := range 5 {
		if ok, _ := l.Allow(fmt.Sprintf("u%d@x.test", i), "203.0.113.9", "", t0); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if ok, _ := l.Allow("u9@x.test", "203.0.113.9", "", t0); ok {
		t.Error("spraying accounts from one address is not limited")
	}
	if ok, _ := l.Allow("", "203.0.113.9", "", t0); ok {
		t.Error("an attempt without an account escapes the client bucket")
	}
}

// A refused attempt takes no token from the buckets that would admit it,
// except the sender's own cross-account one: polling costs the poller.
func TestRefusedAttemptCostsOnlyTheSender(t *testing.T) {
	l := mustNew(t, small())
	l.Allow("a@x.test", "203.0.113.1", "", t0)
	l.Allow("a@x.test", "203.0.113.1", "", t0) // pair bucket now empty
	for range 3 {
		if ok, _ := l.Allow("a@x.test", "203.0.113.1", "", t0); ok {
			t.Fatal("admitted past the pair bucket")
		}
	}
	// The client bucket (burst 5) paid for the 2 admitted and the 3
	// refused attempts: nothing is left for another account.
	if ok, _ := l.Allow("b@x.test", "203.0.113.1", "", t0); ok {
		t.Fatal("refused attempts cost the sender nothing")
	}
	// The account-wide bucket (burst 4) paid only for the admitted two.
	for i := range 2 {
		if ok, _ := l.Allow("a@x.test", fmt.Sprintf("198.51.100.%d", i), "", t0); !ok {
			t.Fatalf("refused attempts drained the shared account bucket (attempt %d)", i)
		}
	}
}

// A full set evicts only buckets that have refilled; a drained bucket is
// never forgotten, so flooding with fresh keys cannot reset it.
func TestEvictionKeepsDrainedBuckets(t *testing.T) {
	c := small()
	c.MaxKeys = 3
	c.ClientBurst, c.ClientPerMinute = 1, 6 // refill in 10 s
	l := mustNew(t, c)
	for i := range 3 {
		if ok, _ := l.Allow("", fmt.Sprintf("203.0.113.%d", i), "", t0); !ok {
			t.Fatal("refused a fresh address")
		}
	}
	ok, wait := l.Allow("", "203.0.113.200", "", t0)
	if ok || wait != 10*time.Second {
		t.Fatalf("new key with a full set of drained buckets: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("", "203.0.113.0", "", t0.Add(5*time.Second)); ok {
		t.Fatal("a drained bucket was reset")
	}
	if ok, _ := l.Allow("", "203.0.113.200", "", t0.Add(10*time.Second)); !ok {
		t.Fatal("a refilled bucket was not evicted for a new key")
	}
	if cl := l.Len().Clients; cl != 3 {
		t.Errorf("%d client buckets, want the bound 3", cl)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		trusted bool
		remote  string
		xff     []string
		want    string
	}{
		{"remote-only", false, "198.51.100.1:5000", nil, "198.51.100.1"},
		{"xff-ignored-without-trust", false, "198.51.100.1:5000", []string{"203.0.113.5"}, "198.51.100.1"},
		{"xff-ignored-from-untrusted-peer", true, "198.51.100.1:5000", []string{"203.0.113.5"}, "198.51.100.1"},
		{"trusted-proxy", true, "10.1.2.3:5000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"forged-left-entry-ignored", true, "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.5"}, "203.0.113.5"},
		{"two-trusted-hops", true, "10.1.2.3:5000", []string{"203.0.113.5, 192.0.2.1"}, "203.0.113.5"},
		{"several-header-lines", true, "10.1.2.3:5000", []string{"1.2.3.4", "203.0.113.5"}, "203.0.113.5"},
		{"garbled-hop", true, "10.1.2.3:5000", []string{"203.0.113.5, bogus"}, "10.1.2.3"},
		{"only-trusted-hops", true, "10.1.2.3:5000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"ipv4-mapped", false, "[::ffff:198.51.100.1]:5000", nil, "198.51.100.1"},
		{"ipv6-keyed-by-64", false, "[2001:db8:1:2:3:4:5:6]:5000", nil, "2001:db8:1:2::/64"},
		{"not-an-ip", false, "@unix", nil, "@unix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tr = trusted
			if !c.trusted {
				tr = nil
			}
			r := httptest.NewRequest("POST", "/authenticate", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientAddr(tr)(r); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		in  string
		n   int
		err bool
	}{
		{"", 0, false}, {"10.0.0.0/8", 1, false}, {" 10.0.0.1 , ::1 ", 2, false},
		{"10.0.0.0/33", 0, true}, {"proxy.example", 0, true},
	} {
		got, err := ParseTrustedProxies(c.in)
		if (err != nil) != c.err || len(got) != c.n {
			t.Errorf("ParseTrustedProxies(%q) = %v, %v", c.in, got, err)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	l, _ := New(DefaultConfig())
	now := t0
	i := 0
	for b.Loop() {
		i++
		l.Allow(fmt.Sprintf("u%d@x.test", i%1000), fmt.Sprintf("203.0.%d.%d", i%250, i%7), "", now)
	}
}
