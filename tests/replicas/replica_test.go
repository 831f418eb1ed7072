package replicas

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/tests/internal/originproc"
)

// pollInterval is every replica's auth.pollInterval: the bound on how long
// a change made elsewhere may take to reach its auth step when no
// notification arrives. LISTEN/NOTIFY usually makes it milliseconds.
const pollInterval = time.Second

// propagationBound is what the tests allow: a poll interval plus time for
// the poll's rebuild on a loaded 2-core machine.
const propagationBound = pollInterval + 2*time.Second

// cluster is a set of replicas on one database with a shared configuration.
type cluster struct {
	dbURL    string
	env      []string
	replicas []*replica
}

// replica is one running origin process.
type replica struct {
	name string
	base string // http://127.0.0.1:port
	proc *originproc.Proc
}

// startCluster starts n replicas at once on dbURL, all with the same
// configuration (issuer, audience, master key), as a deployment would. An
// empty dbURL starts them on one SQLite file instead (a baseline for
// benchmarks).
// They are stopped when t ends; each must exit cleanly.
func startCluster(t testing.TB, dbURL string, n int) *cluster {
	t.Helper()
	master := make([]byte, 32)
	rand.Read(master)
	sqlitePath := "" // with a database URL, no SQLite file may be created by mistake
	if dbURL == "" {
		sqlitePath = filepath.Join(t.TempDir(), "origin.db") // the SQLite baseline
	}
	c := &cluster{dbURL: dbURL, env: append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"DATABASE_PATH="+sqlitePath,
		"SERVER_HOST=127.0.0.1",
		"SERVER_PORT=0",
		"SERVER_ENABLE_SECURITY=true",
		// One issuer for all: unset, each would name its own listener.
		"AUTH_ISSUER=http://replicas.test",
		"AUTH_MODULE="+edgeauthtest.ModulePath(t),
		"AUTH_CACHE_DIR="+wazeroCache,
		"AUTH_LEEWAY_SECONDS=0",
		"AUTH_BCRYPT_COST=4",
		"AUTH_POLL_INTERVAL="+pollInterval.String(),
		"ORIGIN_MASTER_KEY="+base64.StdEncoding.EncodeToString(master),
		"LOG_LEVEL=info",
	)}
	c.replicas = make([]*replica, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { c.replicas[i], errs[i] = c.start(fmt.Sprintf("replica-%d", i)) })
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, r := range c.replicas {
			if r == nil {
				continue
			}
			if err := r.proc.Stop(); err != nil {
				t.Errorf("%s did not shut down cleanly: %v", r.name, err)
			}
			if t.Failed() {
				t.Logf("%s log:\n%s", r.name, r.proc.Logs)
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// start runs one replica and waits for its "listening" log line.
func (c *cluster) start(name string) (*replica, error) {
	p, err := originproc.Start(context.Background(), originproc.Config{Bin: originBin, Dir: os.TempDir(), Env: c.env})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &replica{name: name, base: p.Base, proc: p}, nil
}

// cli runs another origin command on the cluster's database, as an
// operator would beside the running replicas.
func (c *cluster) cli(t testing.TB, args ...string) string {
	t.Helper()
	return originproc.RunT(t, originBin, "", c.env, args...)
}

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

// do sends one request and returns the status and body. It reports
// transport errors as status 0 so that it can run on any goroutine.
func (r *replica) do(method, path, token, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// must sends a request that must answer want, and decodes the body into v
// when v is not nil.
func (r *replica) must(t testing.TB, want int, method, path, token, body string, v any) {
	t.Helper()
	status, b, err := r.do(method, path, token, body)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", r.name, method, path, err)
	}
	if status != want {
		t.Fatalf("%s: %s %s = %d %s, want %d", r.name, method, path, status, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %s %s: body %s: %v", r.name, method, path, b, err)
		}
	}
}

// user is a registered account.
type user struct {
	id              int64
	email, password string
}

func (u user) path(rest string) string { return fmt.Sprintf("/users/%d%s", u.id, rest) }

func (r *replica) register(t testing.TB, name string) user {
	t.Helper()
	u := user{email: strings.ToLower(name) + "@example.com", password: "pw-" + name + "-correct-horse"}
	var got struct {
		ID int64 `json:"id"`
	}
	r.must(t, http.StatusCreated, "POST", "/users", "",
		fmt.Sprintf(`{"email":%q,"password":%q,"name":%q}`, u.email, u.password, name), &got)
	u.id = got.ID
	return u
}

func (r *replica) login(t testing.TB, u user) string {
	t.Helper()
	return r.signIn(t, u).Access
}

// tokens is a token answer: an access token and its refresh token.
type tokens struct {
	Access  string `json:"token"`
	Refresh string `json:"refresh_token"`
}

func (r *replica) signIn(t testing.TB, u user) tokens {
	t.Helper()
	var tok tokens
	r.must(t, http.StatusOK, "POST", "/authenticate", "", fmt.Sprintf(`{"email":%q,"password":%q}`, u.email, u.password), &tok)
	return tok
}

// kidOf returns the kid in a token's header.
func kidOf(t testing.TB, token string) string {
	t.Helper()
	h, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(h, &v); err != nil {
		t.Fatal(err)
	}
	return v.Kid
}

// jwksKids returns the kids a replica publishes.
func (r *replica) jwksKids(t testing.TB) []string {
	t.Helper()
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	r.must(t, http.StatusOK, "GET", "/.well-known/jwks.json", "", "", &jwks)
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// waitAll polls cond on every replica (every 5 ms) until it holds on all,
// and returns how long the slowest took. It fails t after bound.
func (c *cluster) waitAll(t testing.TB, what string, bound time.Duration, start time.Time, cond func(r *replica) bool) time.Duration {
	t.Helper()
	var slowest time.Duration
	for _, r := range c.replicas {
		for !cond(r) {
			if time.Since(start) > bound {
				t.Fatalf("%s: not seen by %s within %v", what, r.name, bound)
			}
			time.Sleep(5 * time.Millisecond)
		}
		slowest = max(slowest, time.Since(start))
	}
	return slowest
}
