// Package ratelimit slows down password guessing and account probing on
// the origin's credential endpoints (POST /authenticate, POST /users, and a
// password change on PATCH /users/{id}).
//
// A client is named by its IPv4 address or its IPv6 /64 (see ClientAddr);
// an IPv6 client is also counted in its /48, because one /48 holds 65,536
// /64s. Every attempt draws one token from each bucket that applies
// (golang.org/x/time/rate), all or none:
//
//   - per client, across accounts (and per /48, at NetworkShare times the
//     budget): one sender cannot spray guesses over many accounts;
//   - per (account, client) (and per (account, /48), at PairNetworkShare
//     times the budget): one sender cannot guess one account's password
//     quickly;
//   - per account, across clients, for clients without a device cookie of
//     the account: a ceiling on distributed guessing against one account;
//   - per device cookie, for a client that sends a valid device cookie of
//     the account (OWASP's "Slow Down Online Guessing Attacks with Device
//     Cookies"): the owner's own device is exempt from the account-wide
//     ceiling that strangers share, so no stranger can lock it out, and a
//     stolen cookie buys no more than one sender's budget.
//
// A refused attempt still costs the sender a token of its own cross-account
// buckets (client and /48), when they hold one: a sender who polls to catch
// the account-wide bucket the moment it refills spends its own budget doing
// so. It never costs the shared account bucket.
//
// The account-wide bucket is the only one strangers share with an owner on
// a new device. An attack from n senders, each held to the per-(account,
// client) rate r and burst b, against the account rate R, can consume at
// most n·(b + r·t) tokens in t while R·t are supplied; so when n·r < R a new
// device retrying after each Retry-After is admitted within
// n·b / (R − n·r). With DefaultConfig that is 100 seconds against twelve
// senders (enough to keep the shared bucket of earlier, looser defaults
// empty), and there is a bound for up to 29; beyond that only known devices
// are guaranteed.
//
// Memory is bounded: each of the six bucket sets holds at most MaxKeys
// keys. A new key evicts the least recently used bucket only if that
// bucket is full again (it has been idle long enough to refill, so
// forgetting it loses nothing); otherwise the new key is refused until it
// would be. So flooding the map with fresh keys can never reset a bucket an
// attacker has drained.
package ratelimit

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config sets the buckets. A rate is attempts per minute (sustained), a
// burst the attempts allowed at once after idling. The JSON names are the
// keys of the origin's rateLimit config section, which embeds Config.
type Config struct {
	ClientPerMinute float64 `json:"clientPerMinute"`
	ClientBurst     int     `json:"clientBurst"`
	// AccountClient* limit one account from one client; a device cookie's
	// own bucket has the same budget.
	AccountClientPerMinute float64 `json:"accountClientPerMinute"`
	AccountClientBurst     int     `json:"accountClientBurst"`
	// Account* limit one account from every client without its device
	// cookie.
	AccountPerMinute float64 `json:"accountPerMinute"`
	AccountBurst     int     `json:"accountBurst"`
	// MaxKeys bounds each bucket set (clients, /48s, pairs, (account, /48)
	// pairs, accounts, devices).
	MaxKeys int `json:"maxKeys"`
}

// Shares of an IPv6 /48's buckets, in budgets of one client: a /48 may hold
// several subscribers (ISPs hand out /56s and /60s from one), so it gets
// more than one /64, but only a few senders' worth.
const (
	NetworkShare     = 4 // per /48, across accounts
	PairNetworkShare = 2 // per (account, /48)
)

// DefaultConfig is a sound production setting: 30 attempts a minute per
// client (burst 30), 4 a minute per account from one client or device
// (burst 10), 120 a minute per account from clients without its device
// cookie (burst 60), 100 000 keys per set (six sets; SECURITY.md gives the
// memory this bounds, reached only under a flood of fresh keys).
func DefaultConfig() Config {
	return Config{
		ClientPerMinute: 30, ClientBurst: 30,
		AccountClientPerMinute: 4, AccountClientBurst: 10,
		AccountPerMinute: 120, AccountBurst: 60,
		MaxKeys: 100_000,
	}
}

// ErrInvalidConfig reports a Config with a non-positive rate, burst or size.
var ErrInvalidConfig = errors.New("ratelimit: invalid config")

// Limiter admits or refuses attempts. It is safe for concurrent use.
type Limiter struct {
	mu sync.Mutex
	// client and network: per client and per IPv6 /48, across accounts;
	// pair and pairNetwork: per account and client or /48; account: per
	// account, clients without a device cookie; device: per device cookie.
	client, network, pair, pairNetwork, account, device *buckets
}

// New returns a Limiter for c.
func New(c Config) (*Limiter, error) {
	for _, v := range []float64{c.ClientPerMinute, c.AccountClientPerMinute, c.AccountPerMinute} {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: rates must be positive and finite", ErrInvalidConfig)
		}
	}
	if c.ClientBurst < 1 || c.AccountClientBurst < 1 || c.AccountBurst < 1 || c.MaxKeys < 1 {
		return nil, fmt.Errorf("%w: bursts and MaxKeys must be at least 1", ErrInvalidConfig)
	}
	perMin := func(v float64) rate.Limit { return rate.Limit(v / 60) }
	return &Limiter{
		client:      newBuckets(perMin(c.ClientPerMinute), c.ClientBurst, c.MaxKeys),
		network:     newBuckets(perMin(NetworkShare*c.ClientPerMinute), NetworkShare*c.ClientBurst, c.MaxKeys),
		pair:        newBuckets(perMin(c.AccountClientPerMinute), c.AccountClientBurst, c.MaxKeys),
		pairNetwork: newBuckets(perMin(PairNetworkShare*c.AccountClientPerMinute), PairNetworkShare*c.AccountClientBurst, c.MaxKeys),
		account:     newBuckets(perMin(c.AccountPerMinute), c.AccountBurst, c.MaxKeys),
		device:      newBuckets(perMin(c.AccountClientPerMinute), c.AccountClientBurst, c.MaxKeys),
	}, nil
}

// Allow admits one attempt on account (a normalised email; "" when the
// request names none) from client (a ClientAddr name). device is the id of
// a valid device cookie of account that the client sent, or "": with one,
// the device's bucket replaces the account-wide one. When refused it
// returns how long until the attempt would be admitted: the longest wait of
// the buckets that refuse. Tokens are taken from all buckets or none, except
// that a refused attempt still takes one from the sender's own
// cross-account buckets (client and /48) when they hold one.
func (l *Limiter) Allow(account, client, device string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var take, own []*rate.Limiter
	refused := false
	check := func(b *buckets, key string, sender bool) {
		lim, wait := b.get(key, now)
		if lim == nil {
			retryAfter, refused = max(retryAfter, wait), true
			return
		}
		if sender {
			own = append(own, lim)
		}
		if t := lim.TokensAt(now); t < 1 {
			retryAfter, refused = max(retryAfter, waitFor(lim, t)), true
			return
		}
		take = append(take, lim)
	}
	network, inNetwork := network48(client)
	check(l.client, client, true)
	if inNetwork {
		check(l.network, network, true)
	}
	if account != "" {
		// A NUL cannot occur in an address or a valid email, so the pair
		// keys are unambiguous.
		check(l.pair, account+"\x00"+client, false)
		if inNetwork {
			check(l.pairNetwork, account+"\x00"+network, false)
		}
		if device != "" {
			check(l.device, account+"\x00"+device, false)
		} else {
			check(l.account, account, false)
		}
	}
	if refused {
		for _, lim := range own {
			if lim.TokensAt(now) >= 1 {
				lim.AllowN(now, 1)
			}
		}
		return false, max(retryAfter, time.Second)
	}
	for _, lim := range take {
		lim.AllowN(now, 1)
	}
	return true, 0
}

// network48 returns the /48 of an IPv6 client named by its /64.
func network48(client string) (string, bool) {
	p, err := netip.ParsePrefix(client)
	if err != nil || !p.Addr().Is6() || p.Bits() != 64 {
		return "", false
	}
	return netip.PrefixFrom(p.Addr(), 48).Masked().String(), true
}

// waitFor is the time until lim, holding tokens < 1, holds one.
func waitFor(lim *rate.Limiter, tokens float64) time.Duration {
	secs := (1 - tokens) / float64(lim.Limit())
	return time.Duration(math.Ceil(secs * float64(time.Second)))
}

// buckets is one bounded, LRU-ordered set of token buckets.
type buckets struct {
	limit rate.Limit
	burst int
	max   int
	byKey map[string]*list.Element
	lru   *list.List // front: most recently used; values are *entry
}

type entry struct {
	key string
	lim *rate.Limiter
}

func newBuckets(limit rate.Limit, burst, maxKeys int) *buckets {
	return &buckets{limit: limit, burst: burst, max: maxKeys, byKey: map[string]*list.Element{}, lru: list.New()}
}

// get returns key's bucket, creating it (full) if needed. When the set is
// at its bound and its least recently used bucket has not refilled, it
// returns nil and the time until that bucket is full.
func (b *buckets) get(key string, now time.Time) (*rate.Limiter, time.Duration) {
	if el, ok := b.byKey[key]; ok {
		b.lru.MoveToFront(el)
		return el.Value.(*entry).lim, 0
	}
	if b.lru.Len() >= b.max {
		oldest := b.lru.Back()
		e := oldest.Value.(*entry)
		if t := e.lim.TokensAt(now); t < float64(b.burst) {
			secs := (float64(b.burst) - t) / float64(b.limit)
			return nil, time.Duration(math.Ceil(secs * float64(time.Second)))
		}
		b.lru.Remove(oldest)
		delete(b.byKey, e.key)
	}
	lim := rate.NewLimiter(b.limit, b.burst)
	b.byKey[key] = b.lru.PushFront(&entry{key: key, lim: lim})
	return lim, 0
}

// Sizes is how many buckets each set holds.
type Sizes struct {
	Clients, Networks, Pairs, PairNetworks, Accounts, Devices int
}

// Len reports how many buckets each set holds, for tests and metrics.
func (l *Limiter) Len() Sizes {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Sizes{
		Clients: l.client.lru.Len(), Networks: l.network.lru.Len(),
		Pairs: l.pair.lru.Len(), PairNetworks: l.pairNetwork.lru.Len(),
		Accounts: l.account.lru.Len(), Devices: l.device.lru.Len(),
	}
}
