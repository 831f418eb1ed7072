package edgeauth

import (
	"strconv"
	"testing"
)

var benchAlgs = []string{"EdDSA", "ES256", "RS256", "PS256", "HS256"}

// BenchmarkAuthorize measures a full check of a valid token on an owner
// route with scopes, through the ABI path (AuthorizeJSON), the way the
// module runs it: missDocs' tokens cycle through the cache, so every check
// verifies a signature and then fills the cache, exactly as
// BenchmarkModuleAuthorize does in wasm.
func BenchmarkAuthorize(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			a := newTestAuthorizer(b, baseConfig(b))
			docs := missDocs(b, alg)
			var out []byte
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				out = a.AuthorizeJSON(out[:0], docs[i%len(docs)])
			}
			b.StopTimer()
			if d, err := ParseDecisionJSON(out); err != nil || !d.Allow {
				b.Fatalf("%s: %v", out, err)
			}
		})
	}
}

// missDocs returns Request documents for twice as many distinct valid
// tokens of alg as the token cache holds: cycled in order through its FIFO,
// none is ever still cached when it comes round again. They are minted once
// per process (RSA signing is slow) and shared by the native and the wasm
// benchmarks.
func missDocs(b *testing.B, alg string) [][]byte {
	if docs, ok := missDocsByAlg[alg]; ok {
		return docs
	}
	docs := make([][]byte, 2*cacheMaxEntries)
	for i := range docs {
		c := baseClaims()
		c["jti"] = "bench-" + strconv.Itoa(i)
		docs[i] = AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+mint(b, alg, baseHeader(alg, kidOf(alg)), c)))
	}
	missDocsByAlg[alg] = docs
	return docs
}

// missDocsByAlg is missDocs' store (benchmarks run one at a time).
var missDocsByAlg = map[string][][]byte{}

// BenchmarkAuthorizeCached measures a check whose token is in the cache.
func BenchmarkAuthorizeCached(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			a := newTestAuthorizer(b, baseConfig(b))
			doc := AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+validToken(b, alg)))
			benchJSON(b, a, doc)
		})
	}
}

// BenchmarkAuthorizeStruct measures the Go API (Authorize on a Request) on a
// cache miss, the path a native in-process origin would take.
func BenchmarkAuthorizeStruct(b *testing.B) {
	a := newTestAuthorizer(b, baseConfig(b))
	a.policy.Load().cache = newTokenCache(0, 0)
	req := request("GET", "/users/42/todos", "Bearer "+validToken(b, "HS256"))
	b.ReportAllocs()
	for b.Loop() {
		if d := a.Authorize(req); !d.Allow {
			b.Fatal(d)
		}
	}
}

// BenchmarkCacheMissUniqueTokens measures misses that also fill the cache
// (each token is new), the cost a stream of fresh tokens pays.
func BenchmarkCacheMissUniqueTokens(b *testing.B) {
	a := newTestAuthorizer(b, baseConfig(b))
	const n = 4096
	docs := make([][]byte, n)
	for i := range docs {
		c := baseClaims()
		c["jti"] = "j" + strconv.Itoa(i)
		docs[i] = AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+mint(b, "HS256", baseHeader("HS256", "hs"), c)))
	}
	b.ReportAllocs()
	var out []byte
	i := 0
	for b.Loop() {
		out = a.AuthorizeJSON(out[:0], docs[i%n])
		i++
	}
}

func benchJSON(b *testing.B, a *Authorizer, doc []byte) {
	out := a.AuthorizeJSON(nil, doc)
	if d, err := ParseDecisionJSON(out); err != nil || !d.Allow {
		b.Fatalf("%s: %v", out, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out = a.AuthorizeJSON(out[:0], doc)
	}
}
