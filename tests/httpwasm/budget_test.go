package httpwasm_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/wasmhost"
)

// The module's budget on the two Go hosts, for the host table in
// edgeauth/DEPLOY.md (make bench; the JS hosts are measured by
// tests/jshosts/bench.mjs):
//
//   - cold: from the module's bytes, with nothing compiled, to the first
//     decision (compile, instantiate, _initialize, config, one check);
//   - EdDSA, ES256: an allowed request with a token the instance has not
//     seen (its token cache misses: parse, signature, claims);
//   - cached: the same token again (the module's token cache hits).
//
// wazero runs ABI v1 through wasmhost with production options but its
// host-side decision cache off, so that "cached" is the module's own cache
// on every host. http-wasm runs the http-wasm build through the host
// library's nethttp middleware with Traefik's module config; its figures
// include the HTTP plumbing around the guest (an httptest recorder, no
// network).
//
// Each also reports cpu-ns/op, the process's CPU time (user and system) per
// operation: on a machine shared with other jobs, wall time includes waiting
// for a CPU, and CPU time does not.

// budgetKeys signs tokens for both algorithms and gives the config.
type budgetKeys struct {
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
	cfg []byte
}

func newBudgetKeys(b *testing.B) *budgetKeys {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	ecPub, err := ec.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := json.Marshal(map[string]any{
		"issuer": "https://issuer.bench", "audiences": []string{"bench"},
		"keys": map[string]any{"keys": []map[string]string{
			{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": enc(ed.Public().(ed25519.PublicKey))},
			{"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256", "x": enc(ecPub[1:33]), "y": enc(ecPub[33:])},
		}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return &budgetKeys{ed: ed, ec: ec, cfg: cfg}
}

// tokens returns n distinct tokens of alg, valid for an hour.
func (k *budgetKeys) tokens(b *testing.B, alg string, n int) []string {
	enc := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	kid := map[string]string{"EdDSA": "ed", "ES256": "ec"}[alg]
	out := make([]string, n)
	for i := range out {
		h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "at+jwt"})
		c, _ := json.Marshal(map[string]any{"iss": "https://issuer.bench", "aud": "bench", "sub": "users/1", "scope": "todos:read",
			"iat": now, "exp": now + 3600, "jti": fmt.Sprintf("bench-%s-%d", alg, i)})
		input := enc(h) + "." + enc(c)
		var sig []byte
		if alg == "EdDSA" {
			sig = ed25519.Sign(k.ed, []byte(input))
		} else {
			d := sha256.Sum256([]byte(input))
			r, s, err := ecdsa.Sign(rand.Reader, k.ec, d[:])
			if err != nil {
				b.Fatal(err)
			}
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
		out[i] = input + "." + enc(sig)
	}
	return out
}

// budgetHost is one way of asking the module about a bearer token.
type budgetHost interface {
	allow(b *testing.B, token string)
	close()
}

type wazeroBudget struct{ h *wasmhost.Host }

func newWazeroBudget(b *testing.B, k *budgetKeys) budgetHost {
	mod, err := os.ReadFile(abiModulePath(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	h, err := wasmhost.New(ctx, mod, wasmhost.Options{PoolSize: 1, DecisionCacheEntries: -1})
	if err != nil {
		b.Fatal(err)
	}
	if err := h.Configure(ctx, k.cfg); err != nil {
		b.Fatal(err)
	}
	return wazeroBudget{h}
}

func (w wazeroBudget) allow(b *testing.B, token string) {
	d, err := w.h.Authorize(context.Background(), &edgeauth.Request{Method: "GET", Path: "/todos",
		Headers: map[string][]string{"authorization": {"Bearer " + token}}})
	if err != nil || !d.Allow {
		b.Fatalf("not allowed: %+v %v", d, err)
	}
}

func (w wazeroBudget) close() { _ = w.h.Close(context.Background()) }

type httpWasmBudget struct{ s *stack }

func newHTTPWasmBudget(b *testing.B, k *budgetKeys) budgetHost {
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s, err := newStack(b, wazero.NewRuntimeConfig().WithCompilationCache(wazero.NewCompilationCache()), traefikModuleConfig(), k.cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	return httpWasmBudget{s}
}

func (h httpWasmBudget) allow(b *testing.B, token string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/todos", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h.s.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		b.Fatalf("not allowed: %d %s", rec.Code, rec.Body)
	}
}

func (h httpWasmBudget) close() { h.s.close() }

// abiModulePath is the ABI v1 module: $EDGEAUTH_MODULE (the Makefile sets
// it), else build/edgeauth.wasm.
func abiModulePath(b *testing.B) string {
	if p := os.Getenv("EDGEAUTH_MODULE"); p != "" {
		return p
	}
	return filepath.Join(repoRoot, "build/edgeauth.wasm")
}

func BenchmarkBudget(b *testing.B) {
	k := newBudgetKeys(b)
	hosts := []struct {
		name string
		new  func(*testing.B, *budgetKeys) budgetHost
	}{
		{"wazero", newWazeroBudget},
		{"http-wasm", newHTTPWasmBudget},
	}
	for _, host := range hosts {
		b.Run(host.name+"/cold", func(b *testing.B) {
			tok := k.tokens(b, "EdDSA", 1)[0]
			var cpu time.Duration
			for range b.N {
				c := cpuTime(b)
				h := host.new(b, k) // nothing compiled: each has its own cache
				h.allow(b, tok)
				cpu += cpuTime(b) - c
				b.StopTimer()
				h.close()
				b.StartTimer()
			}
			reportCPU(b, cpu)
		})
		for _, alg := range []string{"EdDSA", "ES256"} {
			b.Run(host.name+"/"+alg, func(b *testing.B) {
				h := host.new(b, k)
				defer h.close()
				toks := k.tokens(b, alg, b.N+1)
				h.allow(b, toks[b.N]) // the key's tables are built once per instance
				b.ResetTimer()
				c := cpuTime(b)
				for i := range b.N {
					h.allow(b, toks[i])
				}
				reportCPU(b, cpuTime(b)-c)
			})
		}
		b.Run(host.name+"/cached", func(b *testing.B) {
			h := host.new(b, k)
			defer h.close()
			tok := k.tokens(b, "EdDSA", 1)[0]
			h.allow(b, tok)
			b.ResetTimer()
			c := cpuTime(b)
			for range b.N {
				h.allow(b, tok)
			}
			reportCPU(b, cpuTime(b)-c)
		})
	}
}

// cpuTime returns the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
