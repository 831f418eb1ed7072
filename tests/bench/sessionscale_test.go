package bench

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/tests/internal/originproc"
)

// scale runs TestLogoutScale, which takes minutes: `make bench` sets it
// (go test -run '^TestLogoutScale$' ./tests/bench -args -scale); `make
// test` does not.
var scale = flag.Bool("scale", false, "run the logout scale test (20,000 sessions; minutes)")

// TestLogoutScale ends 20,000 sessions of a real origin (wasm auth step,
// SQLite) and reports the logout latency at the start and at the end, the
// refusal of every sampled logged-out token, the latency of authenticated
// reads meanwhile, the size of the full edge config and the origin's
// memory. It fails when a logout fails or a sampled token is not refused;
// the latencies are reported with the verdicts the README states, for a
// person to read: they depend on the machine's load.
func TestLogoutScale(t *testing.T) {
	if !*scale {
		t.Skip("the scale test runs with -scale (make bench)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin, _, err := originproc.Build(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	const edgeToken = "the-edge-config-token-of-the-scale-test-0123456789"
	o, err := StartOrigin(ctx, bin, dir, map[string]string{
		"DATABASE_PATH":       filepath.Join(dir, "origin.db"),
		"AUTH_MODULE":         edgeauthtest.ModulePath(t),
		"AUTH_CACHE_DIR":      filepath.Join(dir, "wazero-cache"),
		"AUTH_BCRYPT_COST":    "4",
		"AUTH_TOKEN_LIFETIME": "1h", // every revocation stays alive to the end
		"RATE_LIMIT_ENABLED":  "false",
		"EDGE_CONFIG_TOKEN":   edgeToken,
		"LOG_LEVEL":           "info", // for the listening line; the access log goes to a file
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := o.Stop(); err != nil {
			t.Errorf("origin did not stop cleanly: %v", err)
		}
	})
	rep, err := RunLogoutScale(ctx, LogoutScale{
		Base: o.Base, EdgeConfigToken: edgeToken, Pid: o.Pid(),
		Users: 200, SessionsPerUser: 100, Workers: 4, SampleEvery: 10, Window: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	verdict := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	t.Logf("under ten minutes: %s; last 1,000 within 2x of the first (median, p99): %s, %s; reads p99 under 10 ms: %s",
		verdict(rep.Took < 10*time.Minute),
		verdict(rep.Last.Quantile(0.5) <= 2*rep.First.Quantile(0.5)), verdict(rep.Last.Quantile(0.99) <= 2*rep.First.Quantile(0.99)),
		verdict(rep.Reads.Quantile(0.99) < 10*time.Millisecond))
	if rep.All.Count() != 20000 || rep.Refused != rep.Sampled || rep.Sampled == 0 {
		t.Fatalf("%d logouts, %d of %d sampled tokens refused", rep.All.Count(), rep.Refused, rep.Sampled)
	}
}
