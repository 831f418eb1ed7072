package devicecookie

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newCookies(t *testing.T, secret byte, now *time.Time, secure bool) *Cookies {
	t.Helper()
	c, err := New(bytes.Repeat([]byte{secret}, 32), Options{Secure: secure, Lifetime: time.Hour, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// request carries the cookies as a browser would send them back.
func request(cks ...*http.Cookie) *http.Request {
	r := httptest.NewRequest("POST", Path, nil)
	for _, ck := range cks {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	return r
}

func TestIssueAttributes(t *testing.T) {
	now := t0
	for _, secure := range []bool{false, true} {
		ck, err := newCookies(t, 1, &now, secure).Issue("ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != Path || ck.Secure != secure || ck.MaxAge != 3600 {
			t.Errorf("cookie attributes: %+v", ck)
		}
		if strings.Contains(ck.String(), "ada") || strings.Contains(ck.Name, "example") {
			t.Errorf("the cookie names the account in clear: %s", ck)
		}
		if ck.Valid() != nil {
			t.Errorf("not a valid cookie: %v", ck.Valid())
		}
	}
}

func TestDevice(t *testing.T) {
	now := t0
	c := newCookies(t, 1, &now, false)
	ada, err := c.Issue("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := c.Issue("bob@example.com")
	other := newCookies(t, 2, &now, false)
	forged, _ := other.Issue("ada@example.com")
	if ada.Name == bob.Name {
		t.Fatal("two accounts share a cookie name")
	}
	tamper := func(ck *http.Cookie, f func(string) string) *http.Cookie {
		c2 := *ck
		c2.Value = f(c2.Value)
		return &c2
	}
	parts := strings.Split(ada.Value, ".")
	tests := []struct {
		name    string
		cookies []*http.Cookie
		account string
		later   time.Duration
		valid   bool
	}{
		{"its account", []*http.Cookie{ada}, "ada@example.com", 0, true},
		{"among other cookies", []*http.Cookie{bob, {Name: "x", Value: "y"}, ada}, "ada@example.com", 0, true},
		{"no cookie", nil, "ada@example.com", 0, false},
		{"another account's cookie", []*http.Cookie{bob}, "ada@example.com", 0, false},
		{"replayed under another account's name", []*http.Cookie{{Name: bob.Name, Value: ada.Value}}, "bob@example.com", 0, false},
		{"signed with another secret", []*http.Cookie{forged}, "ada@example.com", 0, false},
		{"expiry moved", []*http.Cookie{tamper(ada, func(string) string { return parts[0] + ".9999999999." + parts[2] })}, "ada@example.com", 0, false},
		{"nonce changed", []*http.Cookie{tamper(ada, func(v string) string { return "A" + v[1:] })}, "ada@example.com", 0, false},
		{"signature cut", []*http.Cookie{tamper(ada, func(v string) string { return v[:len(v)-2] })}, "ada@example.com", 0, false},
		{"garbage", []*http.Cookie{tamper(ada, func(string) string { return "..." })}, "ada@example.com", 0, false},
		{"just before expiry", []*http.Cookie{ada}, "ada@example.com", time.Hour - time.Second, true},
		{"expired", []*http.Cookie{ada}, "ada@example.com", time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now = t0.Add(tc.later)
			defer func() { now = t0 }()
			id := c.Device(request(tc.cookies...), tc.account)
			if tc.valid && id != parts[0] {
				t.Fatalf("Device = %q, want the cookie's id %q", id, parts[0])
			}
			if !tc.valid && id != "" {
				t.Fatalf("Device = %q, want none", id)
			}
		})
	}
}

// Every replica derives the same key from the shared secret.
func TestReplicasAgree(t *testing.T) {
	now := t0
	a, b := newCookies(t, 7, &now, false), newCookies(t, 7, &now, false)
	ck, _ := a.Issue("ada@example.com")
	if b.Device(request(ck), "ada@example.com") == "" {
		t.Fatal("a cookie of one replica does not verify on another")
	}
}

func TestNewRefusesShortSecret(t *testing.T) {
	if _, err := New(make([]byte, 31), Options{}); !errors.Is(err, ErrShortSecret) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzDevice: no cookie value but the one issued is ever a device of the
// account, and none makes Device panic.
func FuzzDevice(f *testing.F) {
	now := t0
	// A fixed nonce: every fuzzing process issues the same cookie.
	c, err := New(bytes.Repeat([]byte{5}, 32), Options{Lifetime: time.Hour, Now: func() time.Time { return now },
		Rand: bytes.NewReader(bytes.Repeat([]byte{1}, nonceLen))})
	if err != nil {
		f.Fatal(err)
	}
	issued, err := c.Issue("ada@example.com")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued.Value)
	f.Add(strings.Replace(issued.Value, ".", "..", 1))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest("POST", Path, nil)
		r.Header.Set("Cookie", issued.Name+"="+value)
		id := c.Device(r, "ada@example.com")
		if id != "" && value != issued.Value {
			t.Fatalf("value %q accepted as device %q", value, id)
		}
	})
}
