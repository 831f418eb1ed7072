//go:build !wasip1

package edgeauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
)

// testModule is a minimal ABI v1 host for tests: one instance, no pool.
type testModule struct {
	mod                                       api.Module
	alloc, free, configure, authorize, update api.Function
	compiled                                  wazero.CompiledModule
	runtime                                   wazero.Runtime
}

func loadModule(tb testing.TB) *testModule {
	tb.Helper()
	m := newModule(tb)
	tb.Cleanup(func() { m.runtime.Close(context.Background()) })
	return m
}

// newModule is loadModule without the cleanup: the caller closes m.runtime.
func newModule(tb testing.TB) *testModule {
	tb.Helper()
	return newModuleWithPages(tb, 256)
}

// newModuleWithPages is newModule with a memory limit of pages (64 KiB each).
func newModuleWithPages(tb testing.TB, pages uint32) *testModule {
	tb.Helper()
	ctx := context.Background()
	wasm, err := os.ReadFile(edgeauthtest.ModulePath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(pages))
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	// wazero's defaults are a fake clock and a seeded random source.
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader)
	mod, err := r.InstantiateModule(ctx, compiled, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &testModule{
		mod: mod, compiled: compiled, runtime: r,
		alloc: mod.ExportedFunction("edgeauth_alloc"), free: mod.ExportedFunction("edgeauth_free"),
		configure: mod.ExportedFunction("edgeauth_configure"), authorize: mod.ExportedFunction("edgeauth_authorize"),
		update: mod.ExportedFunction("edgeauth_update"),
	}
}

// call writes in to a guest buffer, calls fn and returns a copy of its output.
func (m *testModule) call(tb testing.TB, fn api.Function, in []byte) []byte {
	ctx := context.Background()
	res, err := m.alloc.Call(ctx, uint64(len(in)))
	if err != nil {
		tb.Fatal(err)
	}
	ptr := uint32(res[0])
	if !m.mod.Memory().Write(ptr, in) {
		tb.Fatal("write out of range")
	}
	res, err = fn.Call(ctx, uint64(ptr), uint64(len(in)))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := m.free.Call(ctx, uint64(ptr)); err != nil {
		tb.Fatal(err)
	}
	out, ok := m.mod.Memory().Read(uint32(res[0]>>32), uint32(res[0]))
	if !ok {
		tb.Fatal("output out of range")
	}
	return slices.Clone(out)
}

func TestModuleInterface(t *testing.T) {
	m := loadModule(t)
	var imports []string
	for _, f := range m.compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != wasi_snapshot_preview1.ModuleName {
			t.Errorf("the module imports %s.%s; only %s is allowed", mod, name, wasi_snapshot_preview1.ModuleName)
		}
		imports = append(imports, name)
	}
	t.Logf("wasi_snapshot_preview1 imports: %v", imports)
	var exports []string
	for name := range m.compiled.ExportedFunctions() {
		exports = append(exports, name)
	}
	slices.Sort(exports)
	want := []string{"_initialize", "edgeauth_abi_version", "edgeauth_alloc", "edgeauth_authorize", "edgeauth_configure", "edgeauth_free", "edgeauth_update"}
	if !slices.Equal(exports, want) {
		t.Fatalf("exports %v, want %v", exports, want)
	}
	if _, ok := m.compiled.ExportedMemories()["memory"]; !ok {
		t.Fatal("no exported memory")
	}
	res, err := m.mod.ExportedFunction("edgeauth_abi_version").Call(context.Background())
	if err != nil || res[0] != 1 {
		t.Fatalf("edgeauth_abi_version = %v, %v", res, err)
	}
}

// TestModuleMatchesNative runs the same documents through the module and
// the native package: every Decision must be byte-identical.
func TestModuleMatchesNative(t *testing.T) {
	m := loadModule(t)
	native := NewAuthorizer(Options{})

	unconfigured := AppendRequestJSON(nil, request("GET", "/x", "Bearer "+validToken(t, "EdDSA")))
	if got, want := string(m.call(t, m.authorize, unconfigured)), string(native.AuthorizeJSON(nil, unconfigured)); got != want {
		t.Fatalf("unconfigured: module %s, native %s", got, want)
	}
	if got := string(m.call(t, m.configure, []byte(`{"issuer":1}`))); got != string(AppendConfigureResultJSON(nil, native.Configure([]byte(`{"issuer":1}`)))) {
		t.Fatalf("rejected config: module %s", got)
	}
	cfg := mustJSON(t, baseConfig(t))
	if got := string(m.call(t, m.configure, cfg)); got != `{"ok":true}` {
		t.Fatalf("configure: %s", got)
	}
	if err := native.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	expired := mint(t, "ES256", baseHeader("ES256", "es"), merge(baseClaims(), map[string]any{"exp": testNow - 100}))
	var docs [][]byte
	for _, alg := range []string{"EdDSA", "ES256", "RS256", "PS256", "HS256"} {
		tok := validToken(t, alg)
		docs = append(docs,
			AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+tok)),
			AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+tok)), // a cache hit
			AppendRequestJSON(nil, request("GET", "/users/1/todos", "Bearer "+tok)),
			AppendRequestJSON(nil, request("GET", "/admin", "Bearer "+tok)),
			AppendRequestJSON(nil, request("GET", "/x", "Bearer "+tok[:len(tok)-4]+"AAAA")))
	}
	docs = append(docs,
		AppendRequestJSON(nil, request("GET", "/x", "Bearer "+expired)),
		AppendRequestJSON(nil, request("GET", "/x", "")),
		AppendRequestJSON(nil, request("POST", "/authenticate", "")),
		AppendRequestJSON(nil, request("GET", "/x", "Basic abc")),
		[]byte(`{"method":"GET"}`), []byte(`not json`), nil)
	for _, doc := range docs {
		got, want := string(m.call(t, m.authorize, doc)), string(native.AuthorizeJSON(nil, doc))
		if got != want {
			t.Errorf("request %s\nmodule %s\nnative %s", doc, got, want)
		}
	}
	// The module reads the real clock when a request has no now.
	noNow := request("GET", "/x", "Bearer "+validToken(t, "EdDSA"))
	noNow.Now = nil
	if got := string(m.call(t, m.authorize, AppendRequestJSON(nil, noNow))); got != string(native.AuthorizeJSON(nil, AppendRequestJSON(nil, noNow))) {
		t.Errorf("no now: module %s", got)
	}
}

// TestModuleRejectsForeignBuffers: input must lie in a buffer from
// edgeauth_alloc; anything else is refused, never read.
func TestModuleRejectsForeignBuffers(t *testing.T) {
	m := loadModule(t)
	ctx := context.Background()
	res, err := m.configure.Call(ctx, 8, 100)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := m.mod.Memory().Read(uint32(res[0]>>32), uint32(res[0]))
	if err := ParseConfigureResultJSON(out); err == nil {
		t.Fatalf("configure accepted a foreign buffer: %s", out)
	}
	res, err = m.authorize.Call(ctx, 8, 100)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = m.mod.Memory().Read(uint32(res[0]>>32), uint32(res[0]))
	if d, err := ParseDecisionJSON(out); err != nil || d.Allow {
		t.Fatalf("authorize on a foreign buffer: %s", out)
	}
}

// BenchmarkModuleAuthorize measures a full check under wazero (missDocs'
// tokens cycle through the module's cache, so every check verifies and
// fills it), for the wasm/native ratio against BenchmarkAuthorize.
func BenchmarkModuleAuthorize(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			m := sharedModule(b)
			if got := string(m.call(b, m.configure, mustJSON(b, baseConfig(b)))); got != `{"ok":true}` {
				b.Fatal(got)
			}
			all := missDocs(b, alg)
			docs := make([][]byte, b.N)
			for i := range docs {
				docs[i] = all[i%len(all)]
			}
			benchModule(b, m, docs)
		})
	}
}

// BenchmarkModuleAuthorizeCached measures a cache hit under wazero.
func BenchmarkModuleAuthorizeCached(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			m := sharedModule(b)
			if got := string(m.call(b, m.configure, mustJSON(b, baseConfig(b)))); got != `{"ok":true}` {
				b.Fatal(got)
			}
			doc := AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+validToken(b, alg)))
			docs := make([][]byte, b.N)
			for i := range docs {
				docs[i] = doc
			}
			benchModule(b, m, docs)
		})
	}
}

// sharedModule returns one instance for every benchmark round: compiling
// the module takes seconds, and b.Run calls its function once per round.
// Each round configures it afresh, which also empties its token cache.
func sharedModule(b *testing.B) *testModule {
	if benchModuleInstance == nil {
		benchModuleInstance = newModule(b) // lives until the process exits
	}
	return benchModuleInstance
}

// benchModuleInstance is created by the first benchmark that needs it and
// lives for the process (benchmarks run one at a time).
var benchModuleInstance *testModule

// benchModule times alloc, write, authorize and free for each document, as
// a host does per request.
func benchModule(b *testing.B, m *testModule, docs [][]byte) {
	ctx := context.Background()
	mem := m.mod.Memory()
	b.ReportAllocs()
	b.ResetTimer()
	for _, doc := range docs {
		res, err := m.alloc.Call(ctx, uint64(len(doc)))
		if err != nil {
			b.Fatal(err)
		}
		ptr := uint32(res[0])
		mem.Write(ptr, doc)
		res, err = m.authorize.Call(ctx, uint64(ptr), uint64(len(doc)))
		if err != nil {
			b.Fatal(err)
		}
		m.free.Call(ctx, uint64(ptr))
		out, _ := mem.Read(uint32(res[0]>>32), uint32(res[0]))
		if !bytes.HasPrefix(out, []byte(`{"allow":true`)) {
			b.Fatalf("%s", out)
		}
	}
}

// largeConfig is baseConfig with n revocation entries, half jti and half
// sid, named like the origin names them (22 base64url characters).
func largeConfig(tb testing.TB, n int) []byte {
	cfg := baseConfig(tb)
	jtis := make([]map[string]any, n/2)
	for i := range jtis {
		jtis[i] = map[string]any{"jti": fmt.Sprintf("j%021d", i), "exp": testNow + 3600}
	}
	sids := make([]map[string]any, n-n/2)
	for i := range sids {
		sids[i] = map[string]any{"sid": fmt.Sprintf("s%021d", i), "exp": testNow + 3600}
	}
	cfg["revoked"], cfg["revoked_sessions"] = jtis, sids
	return mustJSON(tb, cfg)
}

// TestModuleLargeConfig: the module accepts a Config with 100,000
// revocation entries within the 32 MiB a wasmhost instance may use, twice
// in a row (the old Config is live while the new one is built), refuses
// what it lists, and takes an Update on top.
func TestModuleLargeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5 MB config")
	}
	m := newModuleWithPages(t, 512) // 32 MiB, wasmhost's default cap
	defer m.runtime.Close(context.Background())
	doc := largeConfig(t, 100_000)
	for round := range 2 {
		start := time.Now()
		if got := string(m.call(t, m.configure, doc)); got != `{"ok":true}` {
			t.Fatalf("round %d: configure: %s", round, got)
		}
		t.Logf("round %d: configure of %d bytes took %v; memory %d MiB", round, len(doc), time.Since(start), m.mod.Memory().Size()>>20)
	}
	decide := func(kv ...any) Decision {
		tb := t
		c := baseClaims()
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		tok := mint(tb, "EdDSA", baseHeader("EdDSA", "ed"), c)
		d, err := ParseDecisionJSON(m.call(t, m.authorize, AppendRequestJSON(nil, request("GET", "/x", "Bearer "+tok))))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		name  string
		claim []any
		want  string
	}{
		{"listed jti", []any{"jti", fmt.Sprintf("j%021d", 49_999)}, desc(denyRevoked)},
		{"listed sid", []any{"sid", fmt.Sprintf("s%021d", 12_345)}, desc(denyRevoked)},
		{"other sid", []any{"sid", "not-listed"}, ""},
		{"sid named like a listed jti", []any{"sid", fmt.Sprintf("j%021d", 7)}, ""},
	} {
		if d := decide(c.claim...); d.ErrorDescription != c.want || d.Allow != (c.want == "") {
			t.Errorf("%s: %+v", c.name, d)
		}
	}
	var took []time.Duration
	for i := range 50 {
		start := time.Now()
		got := string(m.call(t, m.update, fmt.Appendf(nil, `{"revoked_sessions":[{"sid":"u%d","exp":1700003600}]}`, i)))
		took = append(took, time.Since(start))
		if got != `{"ok":true}` {
			t.Fatalf("update: %s", got)
		}
	}
	slices.Sort(took)
	t.Logf("an update on top: median %v, max %v", took[len(took)/2], took[len(took)-1])
	start := time.Now()
	got := string(m.call(t, m.update, []byte(`{"revoked_sessions":[{"sid":"not-listed","exp":1700003600}]}`)))
	t.Logf("an update on top took %v", time.Since(start))
	if got != `{"ok":true}` {
		t.Fatalf("update: %s", got)
	}
	if d := decide("sid", "not-listed"); d.ErrorDescription != desc(denyRevoked) {
		t.Errorf("after the update: %+v", d)
	}
}
