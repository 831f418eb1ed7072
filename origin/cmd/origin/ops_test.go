package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/origin/metrics"
	"github.com/craftingapis/todos/origin/metrics/metricstest"
)

// idLike matches a path with an id or a subject, which must never be a
// label value.
var idLike = regexp.MustCompile(`/[0-9]|users/[0-9]`)

var metricsRe = regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`)

// metricsURL returns the admin listener's /metrics URL from the log.
func (s *server) metricsURL(t *testing.T) string {
	t.Helper()
	return "http://" + s.awaitLog(t, "the metrics listener", metricsRe)[1] + "/metrics"
}

// scrapeMetrics fetches and parses the admin listener's /metrics.
func scrapeMetrics(t *testing.T, url string) metricstest.Families {
	t.Helper()
	fams, err := metricstest.Scrape(url)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// metricValue is metricstest's Value, 0 when no series matched.
func metricValue(fams metricstest.Families, name string, want map[string]string) float64 {
	v, _ := fams.Value(name, want)
	return v
}

// waitFor polls cond every 20 ms for up to 30 s, for state the server
// does not announce (metrics, the JWKS).
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

func (s *server) login(t *testing.T, email string) string {
	t.Helper()
	code, m := s.do(t, "POST", "/authenticate", "", fmt.Sprintf(`{"email":%q,"password":"password1"}`, email))
	tok, _ := m["token"].(string)
	if code != 200 || tok == "" {
		t.Fatalf("authenticate = %d %v", code, m)
	}
	return tok
}

func (s *server) signUp(t *testing.T, email string) {
	t.Helper()
	if code, m := s.do(t, "POST", "/users", "", fmt.Sprintf(`{"email":%q,"password":"password1","name":"N"}`, email)); code != 201 {
		t.Fatalf("create user = %d %v", code, m)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	env := securedEnv(t)
	env["METRICS_ADDR"] = "127.0.0.1:0"
	s := startServe(t, env)
	url := s.metricsURL(t)
	s.signUp(t, "a@example.com")
	tok := s.login(t, "a@example.com")
	before := scrapeMetrics(t, url)

	s.do(t, "GET", "/users/1", tok, "")
	s.do(t, "GET", "/users/1", tok, "")
	s.do(t, "GET", "/users/1/todos", "", "")
	s.do(t, "GET", "/users/2", tok, "")
	if code, _ := s.do(t, "GET", "/metrics", tok, ""); code != 404 {
		t.Fatalf("/metrics on the API port = %d, want 404: metrics are only on the admin listener", code)
	}
	s.do(t, "DELETE", "/authenticate", tok, "")
	s.do(t, "GET", "/users/1", tok, "")
	if _, err := runCmd(t, env, "keys", "rotate"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rotation to be counted", func() bool {
		return metricValue(scrapeMetrics(t, url), metrics.NameKeyRotations, nil) == 1
	})
	after := scrapeMetrics(t, url)

	moved := func(name string, labels map[string]string) float64 {
		return metricValue(after, name, labels) - metricValue(before, name, labels)
	}
	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"requests by template", metrics.NameRequests, map[string]string{"method": "GET", "route": "/users/{id}", "status": "200"}, 2},
		{"owner mismatch by template", metrics.NameRequests, map[string]string{"route": "/users/{id}", "status": "404"}, 1},
		{"no token", metrics.NameDecisions, map[string]string{"outcome": "deny", "reason": edgeauth.ReasonMissing}, 1},
		{"valid token", metrics.NameDecisions, map[string]string{"outcome": "allow", "reason": edgeauth.ReasonValidToken}, 4},
		{"owner mismatch", metrics.NameDecisions, map[string]string{"outcome": "deny", "reason": edgeauth.ReasonNotFound}, 1},
		{"revoked", metrics.NameDecisions, map[string]string{"outcome": "deny", "reason": edgeauth.ReasonRevoked}, 1},
		{"auth latency, one per request", metrics.NameAuthDuration, nil, 7},
		{"the logout pushed an update", metrics.NameConfigDeltas, map[string]string{"result": "success"}, 1},
		{"the rotation pushed a config", metrics.NameConfigUpdates, map[string]string{"result": "success"}, 1},
		{"rotation", metrics.NameKeyRotations, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := moved(tt.metric, tt.labels); got != tt.want {
				t.Fatalf("%s%v moved by %v, want %v", tt.metric, tt.labels, got, tt.want)
			}
		})
	}
	for name, want := range map[string]float64{metrics.NamePoolInstances: 2, metrics.NameVerifyingKeys: 2, metrics.NameRevokedTokens: 0, metrics.NameRevokedSessions: 1} {
		if got := metricValue(after, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if metricValue(after, metrics.NameModuleCalls, nil) <= 0 || metricValue(after, metrics.NameModuleInfo, nil) != 1 {
		t.Error("module calls or module info missing")
	}
	// No id or subject ever becomes a label.
	for name, f := range after {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if idLike.MatchString(l.GetValue()) {
					t.Errorf("%s has a high-cardinality label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// moduleVariant is base with a custom section appended: a different file
// (another hash, another compile) with the same behaviour.
func moduleVariant(base []byte, n int) []byte {
	name := "reload-test"
	payload := fmt.Sprintf("variant %d", n)
	body := append([]byte{byte(len(name))}, name...)
	body = append(body, payload...)
	out := append(bytes.Clone(base), 0) // custom section id
	size := len(body)
	for { // unsigned LEB128
		b := byte(size & 0x7f)
		size >>= 7
		if size != 0 {
			out = append(out, b|0x80)
			continue
		}
		out = append(out, b)
		break
	}
	return append(out, body...)
}

// writeAtomically replaces path the way deploy tools do: a temp file
// renamed over it.
func writeAtomically(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestHotReloadUnderLoad: while 8 workers send authenticated requests
// without pause, the module file is replaced (swapped in), replaced by a
// broken file (refused, the old module keeps serving), the config file
// changes (log level applied, a listener change reported as needing a
// restart) and another process rotates the key. No request may fail.
func TestHotReloadUnderLoad(t *testing.T) {
	base, err := os.ReadFile(edgeauthtest.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	modPath := filepath.Join(dir, "edgeauth.wasm")
	writeAtomically(t, modPath, base)
	cfgPath := filepath.Join(dir, "origin.json")
	writeAtomically(t, cfgPath, []byte(`{"log":{"level":"info"}}`))
	env := securedEnv(t)
	env["AUTH_MODULE"] = modPath
	env["METRICS_ADDR"] = "127.0.0.1:0"
	env["RELOAD_WATCH_INTERVAL"] = "50ms"
	s := startServe(t, env, "-config", cfgPath)
	url := s.metricsURL(t)
	s.signUp(t, "a@example.com")
	tok := s.login(t, "a@example.com")

	ctx, cancel := context.WithCancel(context.Background())
	var ok, failed atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", s.base+"/users/1/todos", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprint(err, resp))
					continue
				}
				ok.Add(1)
			}
		})
	}
	reloads := func(result string) float64 {
		return metricValue(scrapeMetrics(t, url), metrics.NameModuleReloads, map[string]string{"result": result})
	}
	// underLoad waits until the workers have had more requests answered
	// since it was called, so that each step starts and ends under load.
	underLoad := func(what string) {
		t.Helper()
		mark := ok.Load()
		waitFor(t, "requests "+what, func() bool { return ok.Load() >= mark+2*8 || failed.Load() > 0 })
	}
	underLoad("before the first swap")

	// 1. A new module file is swapped in.
	writeAtomically(t, modPath, moduleVariant(base, 1))
	waitFor(t, "the new module to be swapped in", func() bool { return reloads("success") == 1 })
	underLoad("on the new module")
	// 2. A broken one is refused; the previous keeps serving.
	writeAtomically(t, modPath, []byte("\x00asm\x01\x00\x00\x00 not a module"))
	waitFor(t, "the broken module to be refused", func() bool { return reloads("failure") == 1 })
	underLoad("after the refusal")
	// 3. The config file changes.
	writeAtomically(t, cfgPath, []byte(`{"log":{"level":"debug"},"server":{"readTimeout":"11s"}}`))
	s.awaitLog(t, "the config reload", regexp.MustCompile(`"msg":"log level changed","level":"debug"`))
	underLoad("after the config reload")
	if !regexp.MustCompile(`"msg":"config changes that need a restart were not applied","keys":\["server.readTimeout"\]`).MatchString(s.log.String()) {
		t.Error("the listener change was not reported as needing a restart")
	}
	// 4. Another process rotates the key; old and new tokens both work.
	if _, err := runCmd(t, env, "keys", "rotate"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rotation to reach the auth step", func() bool {
		return metricValue(scrapeMetrics(t, url), metrics.NameKeyRotations, nil) == 1
	})
	if code, _ := s.do(t, "GET", "/users/1", s.login(t, "a@example.com"), ""); code != 200 {
		t.Fatalf("a token of the new key = %d", code)
	}
	underLoad("after the rotation")
	// 5. A good module again, after the broken one.
	writeAtomically(t, modPath, moduleVariant(base, 2))
	waitFor(t, "the second swap", func() bool { return reloads("success") == 2 })
	underLoad("on the second new module")
	cancel()
	wg.Wait()

	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads; first: %v", failed.Load(), ok.Load()+failed.Load(), firstFailure.Load())
	}
	fams := scrapeMetrics(t, url)
	if got := metricValue(fams, metrics.NameConfigReloads, map[string]string{"result": "success"}); got < 1 {
		t.Errorf("config reloads = %v", got)
	}
	if got := metricValue(fams, metrics.NameDecisions, map[string]string{"outcome": "error"}); got != 0 {
		t.Errorf("%v auth-step errors during the swaps", got)
	}
	t.Logf("%d requests, 0 failed, across 2 module swaps, 1 refused module, 1 config reload and 1 key rotation", ok.Load())
}

// TestSIGHUPReloads sends the process a real SIGHUP (with file watching
// off): the replaced module is swapped in. serve has registered for SIGHUP,
// so the signal cannot terminate the test binary.
func TestSIGHUPReloads(t *testing.T) {
	base, err := os.ReadFile(edgeauthtest.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	modPath := filepath.Join(t.TempDir(), "edgeauth.wasm")
	writeAtomically(t, modPath, base)
	env := securedEnv(t)
	env["AUTH_MODULE"] = modPath
	env["RELOAD_WATCH_INTERVAL"] = "0"
	s := startServe(t, env)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.awaitLog(t, "an unchanged module to be left alone", regexp.MustCompile(`auth module unchanged; not reloaded`))
	writeAtomically(t, modPath, moduleVariant(base, 3))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.awaitLog(t, "the SIGHUP reload", regexp.MustCompile(`"msg":"auth module reloaded"`))
	if code, _ := s.do(t, "GET", "/healthz", "", ""); code != 200 {
		t.Fatalf("healthz after the reload = %d", code)
	}
}

func TestCheckToken(t *testing.T) {
	env := securedEnv(t)
	// The server listens on port 0 and check-token has no listener: they
	// agree on the issuer only when it is set.
	env["AUTH_ISSUER"] = "https://origin.test"
	s := startServe(t, env)
	s.signUp(t, "a@example.com")
	s.signUp(t, "b@example.com")
	tok := s.login(t, "a@example.com")
	revoked := s.login(t, "a@example.com")
	if code, _ := s.do(t, "DELETE", "/authenticate", revoked, ""); code != 204 {
		t.Fatal("logout failed")
	}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		path   string
		reason string
		err    error // nil, errDenied or errUsage
		status int   // the server's answer; 0: 200 when err is nil
	}{
		{"valid token, default path", []string{tok}, "", "/users/1", edgeauth.ReasonValidToken, nil, 0},
		{"from stdin", []string{"-"}, tok + "\n", "/users/1", edgeauth.ReasonValidToken, nil, 0},
		{"another user's todos", []string{"-method", "POST", "-path", "/users/2/todos", tok}, "", "/users/2/todos", edgeauth.ReasonNotFound, errDenied, 0},
		{"revoked", []string{revoked}, "", "/users/1", edgeauth.ReasonRevoked, errDenied, 0},
		{"garbage with a path", []string{"-path", "/users/1", "garbage"}, "", "/users/1", edgeauth.ReasonMalformed, errDenied, 0},
		{"public route", []string{"-path", "/healthz", tok}, "", "/healthz", edgeauth.ReasonPublic, nil, 0},
		{"garbage without a path", []string{"garbage"}, "", "", "", errUsage, 0},
		{"no token", nil, "", "", "", errUsage, 0},
		{"empty stdin", []string{"-"}, "\n", "", "", errUsage, 0},
		{"relative path", []string{"-path", "users/1", tok}, "", "", "", errUsage, 0},
		{"flags after the token", []string{tok, "-method", "POST", "-path", "/users/1/todos"}, "", "/users/1/todos", edgeauth.ReasonValidToken, nil, 200},
		{"a path nothing serves", []string{"-path", "/nope", tok}, "", "/nope", edgeauth.ReasonValidToken, errDenied, 404},
		{"a method the path does not serve", []string{"-method", "PUT", "-path", "/users/1", tok}, "", "/users/1", edgeauth.ReasonValidToken, errDenied, 405},
		{"a wrong method without a valid token", []string{"-method", "PUT", "-path", "/users/1", "garbage"}, "", "/users/1", edgeauth.ReasonMalformed, errDenied, 405},
		{"OPTIONS", []string{"-method", "OPTIONS", "-path", "/users/1", "garbage"}, "", "/users/1", edgeauth.ReasonPublic, nil, 204},
		{"HEAD as GET", []string{"-method", "HEAD", tok}, "", "/users/1", edgeauth.ReasonValidToken, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"check-token"}, tt.args...), envOf(env), strings.NewReader(tt.stdin), &out, &errOut)
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v\n%s", err, tt.err, errOut.String())
			}
			if strings.Contains(out.String()+errOut.String(), tok) {
				t.Fatal("the token was printed")
			}
			if tt.err == errUsage {
				return
			}
			var got checkTokenResult
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out.String())
			}
			if got.Reason != tt.reason || got.Request.Path != tt.path || got.Explanation == "" {
				t.Fatalf("got %+v, want reason %q on %q", got, tt.reason, tt.path)
			}
			switch {
			case tt.status != 0 && got.Status != tt.status:
				t.Fatalf("server answer %d, want %d: %+v", got.Status, tt.status, got)
			case tt.status == 0 && got.Decision.Allow != (tt.err == nil):
				t.Fatalf("allow %v with err %v: %+v", got.Decision.Allow, tt.err, got)
			}
		})
	}
	t.Run("security off", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"check-token", "-enable-security=false", tok}, envOf(env), strings.NewReader(""), &out, &errOut)
		if err != nil || !strings.Contains(errOut.String(), "security is off") {
			t.Fatalf("err = %v, stderr %q", err, errOut.String())
		}
	})
}

func TestConfigDiff(t *testing.T) {
	a := defaultConfig()
	tests := []struct {
		name   string
		change func(c *Config)
		want   []string
	}{
		{"nothing", func(*Config) {}, nil},
		{"log level", func(c *Config) { c.Log.Level = "debug" }, []string{"log.level"}},
		{"duration and pool", func(c *Config) { c.Server.ReadTimeout = Duration(time.Minute); c.Auth.PoolSize = 3 },
			[]string{"server.readTimeout", "auth.poolSize"}},
		{"slice", func(c *Config) { c.Auth.Audiences = []string{"x"} }, []string{"auth.audiences"}},
		{"a redacted secret still counts", func(c *Config) { c.Database.URL = "postgres://u:secret@h/db" }, []string{"database.url"}},
		{"metrics", func(c *Config) { c.Metrics.Addr = "127.0.0.1:9464" }, []string{"metrics.addr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := defaultConfig()
			tt.change(&b)
			if got := configDiff(a, b); !equalKeys(got, tt.want) {
				t.Fatalf("configDiff = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSettingsAreEveryKey: the settings table lists exactly the config
// file's keys, so configDiff and copyKeys, which reach the fields through
// it, miss none; and every host key is one of them.
func TestSettingsAreEveryKey(t *testing.T) {
	b, err := json.Marshal(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var fileKeys []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			fileKeys = append(fileKeys, prefix)
			return
		}
		for k, x := range obj {
			if prefix != "" {
				k = prefix + "." + k
			}
			walk(k, x)
		}
	}
	walk("", doc)
	var keys []string
	for _, s := range settings() {
		keys = append(keys, s.key)
	}
	slices.Sort(fileKeys)
	slices.Sort(keys)
	if !slices.Equal(fileKeys, keys) {
		t.Fatalf("config file keys:\n%q\nsettings:\n%q", fileKeys, keys)
	}
	for _, k := range hostKeys {
		if !slices.Contains(keys, k) {
			t.Errorf("host key %q is no setting", k)
		}
	}
}

// TestCopyKeys copies exactly the keys asked for.
func TestCopyKeys(t *testing.T) {
	a, b := defaultConfig(), defaultConfig()
	b.Auth.Module, b.Auth.PoolSize, b.Auth.Audiences, b.Log.Level = "other.wasm", 7, []string{"x"}, "debug"
	copyKeys(&a, b, []string{"auth.module", "auth.poolSize", "auth.audiences"})
	if got := configDiff(a, b); !equalKeys(got, []string{"log.level"}) {
		t.Fatalf("after copying, configDiff = %q, want only log.level", got)
	}
	b.Auth.Audiences[0] = "y"
	if a.Auth.Audiences[0] != "x" {
		t.Fatal("a copied list shares its array with the source")
	}
}

func equalKeys(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestOpsConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"defaults", nil, true},
		{"loopback", map[string]string{"METRICS_ADDR": "127.0.0.1:9464"}, true},
		{"any port", map[string]string{"METRICS_ADDR": "127.0.0.1:0"}, true},
		{"all interfaces", map[string]string{"METRICS_ADDR": ":9464"}, true},
		{"no port", map[string]string{"METRICS_ADDR": "127.0.0.1"}, false},
		{"bad port", map[string]string{"METRICS_ADDR": "127.0.0.1:99999"}, false},
		{"a hostname", map[string]string{"METRICS_ADDR": "metrics.internal:9464"}, false},
		{"pprof on the admin listener", map[string]string{"METRICS_ADDR": "127.0.0.1:0", "METRICS_PPROF": "true"}, true},
		{"pprof without an admin listener", map[string]string{"METRICS_PPROF": "true"}, false},
		{"watch off", map[string]string{"RELOAD_WATCH_INTERVAL": "0"}, true},
		{"negative watch", map[string]string{"RELOAD_WATCH_INTERVAL": "-1s"}, false},
		{"watch not a duration", map[string]string{"RELOAD_WATCH_INTERVAL": "often"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, nil, tt.env)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, errConfig) {
				t.Fatalf("err = %v, want errConfig", err)
			}
		})
	}
	if !(MetricsConfig{Addr: "127.0.0.1:1"}).onLoopback() || (MetricsConfig{Addr: ":1"}).onLoopback() {
		t.Fatal("onLoopback")
	}
}
