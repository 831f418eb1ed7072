package ratelimit

import (
	"fmt"
	"testing"
)

// A device cookie replaces the account-wide bucket strangers drain; its own
// bucket holds a stolen cookie to one sender's budget.
func TestDeviceExemptFromAccountCeiling(t *testing.T) {
	l := mustNew(t, small())
	for i := range 20 {
		l.Allow("victim@x.test", fmt.Sprintf("203.0.113.%d", i), "", t0)
	}
	if ok, _ := l.Allow("victim@x.test", "198.51.100.7", "", t0); ok {
		t.Fatal("the account-wide bucket was not drained")
	}
	if ok, wait := l.Allow("victim@x.test", "198.51.100.7", "dev-1", t0); !ok {
		t.Fatalf("the owner's device is locked out for %v", wait)
	}
	// The same device from other addresses: its own bucket (burst 2).
	admitted := 1
	for i := range 10 {
		if ok, _ := l.Allow("victim@x.test", fmt.Sprintf("192.0.2.%d", i), "dev-1", t0); ok {
			admitted++
		}
	}
	if admitted != 2 {
		t.Fatalf("one device cookie was admitted %d times at once, want its burst 2", admitted)
	}
	// A device of one account is a stranger to another.
	if ok, _ := l.Allow("other@x.test", "198.51.100.8", "dev-1", t0); !ok {
		t.Fatal("another account refused")
	}
}

// One IPv6 /48 holds 65,536 /64s: together they get the budget of
// PairNetworkShare senders on one account and NetworkShare senders across
// accounts, not one budget per /64.
func TestIPv6CountedPer48(t *testing.T) {
	c := small()
	c.AccountBurst, c.MaxKeys = 1000, 1000 // the account-wide ceiling and the set bounds out of the way
	l := mustNew(t, c)
	admitted := 0
	for i := range 100 {
		if ok, _ := l.Allow("victim@x.test", fmt.Sprintf("2001:db8:1:%x::/64", i), "", t0); ok {
			admitted++
		}
	}
	if want := PairNetworkShare * c.AccountClientBurst; admitted != want {
		t.Fatalf("one /48 made %d attempts on one account at once, want %d", admitted, want)
	}
	if ok, _ := l.Allow("victim@x.test", "2001:db8:2::/64", "", t0); !ok {
		t.Fatal("another /48 was refused")
	}
	l = mustNew(t, c)
	admitted = 0
	for i := range 100 {
		if ok, _ := l.Allow(fmt.Sprintf("u%d@x.test", i), fmt.Sprintf("2001:db8:1:%x::/64", i), "", t0); ok {
			admitted++
		}
	}
	if want := NetworkShare * c.ClientBurst; admitted != want {
		t.Fatalf("one /48 sprayed %d accounts at once, want %d", admitted, want)
	}
}

// Every bucket set stays within MaxKeys however many keys come.
func TestEverySetBounded(t *testing.T) {
	c := small()
	c.MaxKeys = 50
	l := mustNew(t, c)
	for i := range 500 {
		client := fmt.Sprintf("2001:db8:%x:%x::/64", i, i)
		l.Allow(fmt.Sprintf("u%d@x.test", i), client, "", t0)
		l.Allow(fmt.Sprintf("v%d@x.test", i), client, fmt.Sprintf("dev-%d", i), t0)
	}
	got := l.Len()
	for name, n := range map[string]int{
		"clients": got.Clients, "networks": got.Networks, "pairs": got.Pairs,
		"pair networks": got.PairNetworks, "accounts": got.Accounts, "devices": got.Devices,
	} {
		if n != c.MaxKeys {
			t.Errorf("%s: %d buckets, want the bound %d", name, n, c.MaxKeys)
		}
	}
}
