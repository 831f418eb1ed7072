// Package ratelimit slows down password guessing and account probing on
// the origin's credential endpoints (POST /authenticate, POST /users).
//
// Every attempt draws one token from three token buckets
// (golang.org/x/time/rate), all or none:
//
//   - per client address, across accounts: one address cannot spray
//     guesses over many accounts;
//   - per (account, client address): one address cannot guess one
//     account's password quickly;
//   - per account, across addresses: a looser ceiling on distributed
//     guessing against one account.
//
// Why the account is keyed with the client: a bucket keyed by the account
// alone is a lock-out switch — anyone who knows a victim's email could keep
// it empty and lock the victim out. Here a stranger only empties their own
// (account, client) bucket; the victim, from another address, still has a
// full one. The account-wide ceiling is the only bucket an attacker shares
// with the victim, so it is loose and refills fast (by default one
// attempt per second, 60 at once): draining it takes a sustained
// distributed attack, and even then the victim waits about a second
// (Retry-After) rather than being locked out.
//
// Memory is bounded: each bucket set holds at most MaxKeys keys. A new key
// evicts the least recently used bucket only if that bucket is full again
// (it has been idle long enough to refill, so forgetting it loses nothing);
// otherwise the new key is refused until it would be. So flooding the map
// with fresh keys can never reset a bucket an attacker has drained.
package ratelimit

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config sets the three buckets. A rate is attempts per minute (sustained),
// a burst the attempts allowed at once after idling. The JSON names are
// the keys of the origin's rateLimit config section, which embeds Config.
type Config struct {
	ClientPerMinute        float64 `json:"clientPerMinute"`
	ClientBurst            int     `json:"clientBurst"`
	AccountClientPerMinute float64 `json:"accountClientPerMinute"`
	AccountClientBurst     int     `json:"accountClientBurst"`
	AccountPerMinute       float64 `json:"accountPerMinute"`
	AccountBurst           int     `json:"accountBurst"`
	// MaxKeys bounds each bucket set (clients, pairs, accounts).
	MaxKeys int `json:"maxKeys"`
}

// DefaultConfig is a sound production setting: 30 attempts a minute per
// address (burst 30), 6 a minute per account from one address (burst 10),
// 60 a minute per account overall (burst 60), 100 000 keys per set (~20 MB
// at worst).
func DefaultConfig() Config {
	return Config{
		ClientPerMinute: 30, ClientBurst: 30,
		AccountClientPerMinute: 6, AccountClientBurst: 10,
		AccountPerMinute: 60, AccountBurst: 60,
		MaxKeys: 100_000,
	}
}

// ErrInvalidConfig reports a Config with a non-positive rate, burst or size.
var ErrInvalidConfig = errors.New("ratelimit: invalid config")

// Limiter admits or refuses attempts. It is safe for concurrent use.
type Limiter struct {
	mu                    sync.Mutex
	client, pair, account *buckets
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
		client:  newBuckets(perMin(c.ClientPerMinute), c.ClientBurst, c.MaxKeys),
		pair:    newBuckets(perMin(c.AccountClientPerMinute), c.AccountClientBurst, c.MaxKeys),
		account: newBuckets(perMin(c.AccountPerMinute), c.AccountBurst, c.MaxKeys),
	}, nil
}

// Allow admits one attempt on account (a normalised email; "" when the
// request names none) from client (an address). When refused it returns
// how long until the attempt would be admitted: the longest wait of the
// buckets that refuse. Tokens are taken from all buckets or none, so a
// refused attempt costs nothing.
func (l *Limiter) Allow(account, client string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lims []*rate.Limiter
	check := func(b *buckets, key string) {
		lim, wait := b.get(key, now)
		if lim == nil {
			retryAfter = max(retryAfter, wait)
			return
		}
		if t := lim.TokensAt(now); t < 1 {
			retryAfter = max(retryAfter, waitFor(lim, t))
			return
		}
		lims = append(lims, lim)
	}
	check(l.client, client)
	want := 1
	if account != "" {
		want = 3
		// A NUL cannot occur in an address or a valid email, so the pair
		// key is unambiguous.
		check(l.pair, account+"\x00"+client)
		check(l.account, account)
	}
	if len(lims) != want {
		return false, max(retryAfter, time.Second)
	}
	for _, lim := range lims {
		lim.AllowN(now, 1)
	}
	return true, 0
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

// Len reports how many buckets each set holds (client, pair, account), for
// tests and metrics.
func (l *Limiter) Len() (clients, pairs, accounts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.client.lru.Len(), l.pair.lru.Len(), l.account.lru.Len()
}
