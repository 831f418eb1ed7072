package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/metrics"
	"github.com/craftingapis/todos/origin/reload"
	"github.com/craftingapis/todos/wasmhost"
)

// BenchmarkAuthStepCached measures the auth step as the origin runs it on
// a repeated token (of a user whose id has more than two digits, as most
// have): the real module under wasmhost with its decision cache,
// behind the reload swapper and the metrics decorator (the chain serve.go
// builds), in front of the list answered from precomputed bytes. The same
// request with security off and with an auth step that answers at once
// ("instant") tell the auth step's own cost on a cache hit from the rest.
func BenchmarkAuthStepCached(b *testing.B) {
	module, err := os.ReadFile(edgeauthtest.ModulePath(b))
	if err != nil {
		b.Fatal(err)
	}
	host, err := wasmhost.New(context.Background(), module, wasmhost.Options{PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	swap := reload.NewSwapper(host)
	b.Cleanup(func() { _ = swap.Close(context.Background()) })
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := json.Marshal(map[string]any{
		"issuer": "https://issuer.test", "audiences": []string{"todos"}, "realm": "todos",
		"keys": map[string]any{"keys": []map[string]any{
			{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": base64.RawURLEncoding.EncodeToString(pub)},
		}},
		"routes": []map[string]any{
			{"method": "GET", "path": "/users/{id}/todos", "scopes": []string{origin.ScopeTodosRead}, "owner": "id"},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := swap.Configure(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	now := time.Now().Unix()
	claims := `{"iss":"https://issuer.test","aud":"todos","sub":"users/4242","iat":` + strconv.FormatInt(now-10, 10) +
		`,"exp":` + strconv.FormatInt(now+3600, 10) + `,"jti":"bench","sid":"bench-session","scope":"` + origin.DefaultScope + `"}`
	input := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","typ":"at+jwt","kid":"ed"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(claims))
	token := input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(input)))

	instant := fakeTokens["alice"]
	instant.Subject = "users/4242"
	for _, c := range []struct {
		name string
		auth origin.Authorizer // nil: security off
	}{
		{"security-off", nil},
		{"instant", allowAll{instant}},
		{"wasm-host-cache", metrics.New().Authorizer(swap)},
	} {
		h := mustNew(b, Options{
			Users: newFakeUsers(), Todos: encodedTodos{newFakeTodos(), bytes.Repeat([]byte("x"), 1400)},
			Sessions: &fakeSessions{byUser: map[int64][]*origin.Session{}},
			Auth:     &fakeAuth{}, Control: &fakeControl{}, EnableSecurity: c.auth != nil, Authorizer: c.auth,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		})
		req := httptest.NewRequest("GET", "/users/4242/todos", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		serve := func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Fatal(w.status)
			}
		}
		serve(b) // fills the decision cache
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				serve(b)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			if c.name == "wasm-host-cache" && host.Stats().CacheHits < uint64(b.N) {
				b.Fatalf("%d decision-cache hits for %d requests", host.Stats().CacheHits, b.N)
			}
		})
	}
}
