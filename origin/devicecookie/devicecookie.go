// Package devicecookie issues and checks device cookies: after a successful
// login, the client gets a cookie that names the account it logged in to,
// signed by the origin; sent back with a later login of that account, it
// marks the client as a device the owner has used, which the attempt limiter
// exempts from the account-wide limit that strangers share (OWASP, "Slow
// Down Online Guessing Attacks with Device Cookies").
//
// A cookie is bound to its account by the signature: one issued for one
// account is worth nothing for another, and its name is a keyed hash of the
// account, so a device keeps one cookie per account it logs in to and the
// name tells nobody which account that is. The key is derived from a secret
// every replica reads from the database, so a cookie issued by one verifies
// on all.
package devicecookie

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultLifetime = 90 * 24 * time.Hour
	// Path is where a browser sends the cookie back: the login route only.
	Path = "/authenticate"
	// MinSecretLen is the shortest secret New accepts (256 bits).
	MinSecretLen = 32
)

// namePrefix starts every device cookie's name.
const namePrefix = "device-"

// nonceLen is the random part of a cookie, which the limiter counts by.
const nonceLen = 16

// ErrShortSecret: the secret is shorter than MinSecretLen.
var ErrShortSecret = errors.New("devicecookie: secret shorter than 32 bytes")

// Options configures Cookies.
type Options struct {
	// Secure marks cookies Secure (sent over HTTPS only): set it when the
	// origin is reached over HTTPS.
	Secure   bool
	Lifetime time.Duration    // DefaultLifetime when 0
	Now      func() time.Time // time.Now when nil
	Rand     io.Reader        // crypto/rand when nil
}

// Cookies issues and checks device cookies. It is safe for concurrent use.
type Cookies struct {
	key  []byte
	opts Options
}

// New returns Cookies signing with a key derived from secret.
func New(secret []byte, o Options) (*Cookies, error) {
	if len(secret) < MinSecretLen {
		return nil, ErrShortSecret
	}
	if o.Lifetime <= 0 {
		o.Lifetime = DefaultLifetime
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	// A key of its own, so that the secret could serve other purposes.
	return &Cookies{key: mac(secret, "device-cookie key v1"), opts: o}, nil
}

var b64 = base64.RawURLEncoding

func mac(key []byte, parts ...string) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// name is the cookie name for account: a keyed hash, so it does not reveal
// the account. 64 bits keep the names of one device's accounts apart.
func (c *Cookies) name(account string) string {
	return namePrefix + b64.EncodeToString(mac(c.key, "name", account)[:8])
}

// Issue returns a new cookie for account (a normalised email), valid for
// the lifetime: HttpOnly (no script reads it), SameSite=Strict (no other
// site sends it), sent back only to Path, Secure when set so.
func (c *Cookies) Issue(account string) (*http.Cookie, error) {
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(c.opts.Rand, nonce); err != nil {
		return nil, err
	}
	n := b64.EncodeToString(nonce)
	exp := c.opts.Now().Add(c.opts.Lifetime).Unix()
	e := strconv.FormatInt(exp, 10)
	return &http.Cookie{
		Name:     c.name(account),
		Value:    n + "." + e + "." + b64.EncodeToString(mac(c.key, "value", account, n, e)),
		Path:     Path,
		MaxAge:   int(c.opts.Lifetime / time.Second),
		Expires:  time.Unix(exp, 0).UTC(),
		HttpOnly: true,
		Secure:   c.opts.Secure,
		SameSite: http.SameSiteStrictMode,
	}, nil
}

// Device returns the id of the valid, unexpired device cookie for account
// that r carries, or "" when it has none. Checking it is a keyed hash and a
// constant-time compare, whatever the account.
func (c *Cookies) Device(r *http.Request, account string) string {
	ck, err := r.Cookie(c.name(account))
	if err != nil {
		return ""
	}
	n, rest, ok := strings.Cut(ck.Value, ".")
	e, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(n) != b64.EncodedLen(nonceLen) {
		return ""
	}
	// Compared as text: base64 has several spellings of one MAC (the
	// unused low bits of the last character), and only the issued one is
	// the cookie.
	want := b64.EncodeToString(mac(c.key, "value", account, n, e))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return ""
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || c.opts.Now().Unix() >= exp {
		return ""
	}
	return n
}
