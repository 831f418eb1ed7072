package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/sqlite"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

// realAuthServer is the API over a real SQLite store and token issuer at
// bcrypt cost, with one user known@example.com / "correct horse battery".
func realAuthServer(tb testing.TB, cost int) http.Handler {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "enum.db"), sqlite.Options{BcryptCost: cost})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	users, keys := sqlstore.NewUserService(db.Store, nil), sqlstore.NewKeyService(db.Store, nil)
	if _, _, err := keys.EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		tb.Fatal(err)
	}
	if _, err := users.CreateUser(ctx, origin.NewUser{Email: "known@example.com", Password: "correct horse battery", Name: "K"}); err != nil {
		tb.Fatal(err)
	}
	issuer, err := tokens.NewIssuer(tokens.IssuerOptions{
		Issuer: "https://origin.test", Audiences: []string{"todos"}, Lifetime: time.Hour, BcryptCost: cost,
		Credentials: users, Keys: keys, Sessions: sqlstore.NewSessionService(db.Store, nil),
	})
	if err != nil {
		tb.Fatal(err)
	}
	hs := newHarness(tb, false)
	return mustNew(tb, Options{Users: users, Todos: hs.todos, Sessions: hs.sess, Auth: issuer, Control: hs.control})
}

func login(h http.Handler, email, password string) *httptest.ResponseRecorder {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req := httptest.NewRequest("POST", "/authenticate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestAuthenticateNoEnumeration: a wrong password for a known email and
// any password for an unknown one get byte-identical answers (status,
// headers, body) apart from the request ID.
func TestAuthenticateNoEnumeration(t *testing.T) {
	h := realAuthServer(t, 4)
	if rec := login(h, "known@example.com", "correct horse battery"); rec.Code != http.StatusOK {
		t.Fatalf("the right password: %d %s", rec.Code, rec.Body)
	}
	canon := func(rec *httptest.ResponseRecorder) string {
		var p map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
		delete(p, "request_id")
		b, _ := json.Marshal(p)
		hdr := rec.Header().Clone()
		hdr.Del("X-Request-Id")
		var keys []string
		for k, v := range hdr {
			keys = append(keys, k+": "+strings.Join(v, ","))
		}
		slices.Sort(keys)
		return strconv.Itoa(rec.Code) + "\n" + strings.Join(keys, "\n") + "\n" + string(b)
	}
	want := canon(login(h, "known@example.com", "wrong password 1"))
	for _, c := range []struct{ name, email, password string }{
		{"known-email-other-wrong-password", "known@example.com", "another wrong one"},
		{"known-email-case-variant-wrong-password", "KNOWN@example.com", "wrong password 1"},
		{"unknown-email", "nobody@example.com", "wrong password 1"},
		{"unknown-email-right-password-of-other-user", "nobody@example.com", "correct horse battery"},
		{"unknown-domain", "known@example.org", "correct horse battery"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := canon(login(h, c.email, c.password)); got != want {
				t.Errorf("answer differs from a wrong password for a known email:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// BenchmarkEnumerationTiming measures /authenticate at the default bcrypt
// cost (12) for a known email with a wrong password, an unknown email, and
// the right password, interleaved so that drift hits all three alike, and
// reports the median of each and the gap between the two failures:
//
//	go test -run '^$' -bench EnumerationTiming -benchtime 50x ./origin/httpapi
func BenchmarkEnumerationTiming(b *testing.B) {
	h := realAuthServer(b, tokens.DefaultBcryptCost)
	cases := []struct{ name, email, password string }{
		{"known-wrong", "known@example.com", "wrong password 1"},
		{"unknown", "nobody@example.com", "wrong password 1"},
		{"known-right", "known@example.com", "correct horse battery"},
	}
	took := make([][]time.Duration, len(cases))
	for b.Loop() {
		for i, c := range cases {
			start := time.Now()
			login(h, c.email, c.password)
			took[i] = append(took[i], time.Since(start))
		}
	}
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for i, c := range cases {
		b.ReportMetric(ms(median(took[i])), "ms-median-"+c.name)
	}
	gap := median(took[1]) - median(took[0])
	b.ReportMetric(ms(gap), "ms-gap-unknown-minus-known-wrong")
}
