package edgeauth

import (
	"testing"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// BenchmarkParts times the pieces of a check, to see where time goes. Run it
// natively and inside wasm (GOOS=wasip1 GOARCH=wasm go test -exec <runner>)
// to find what wasm makes slow.
func BenchmarkParts(b *testing.B) {
	tok := validToken(b, "HS256")
	doc := AppendRequestJSON(nil, request("GET", "/users/42/todos", "Bearer "+tok))
	a := newTestAuthorizer(b, baseConfig(b))
	p := a.policy.Load()
	s := new(scratch)
	d := Decision{Allow: true, Status: 200, Subject: "users/42", Scopes: []string{"todos:read", "todos:write"}, JTI: "jti-1", ExpiresAt: testNow}
	b.Run("jsonx.Parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := jsonx.Parse(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("leanRequest", func(b *testing.B) {
		for b.Loop() {
			var r leanRequest
			if err := r.parse(doc, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cacheHit", func(b *testing.B) {
		p.verifyToken([]byte(tok), testNow, s)
		for b.Loop() {
			if _, d := p.verifyToken([]byte(tok), testNow, s); d != denyNone {
				b.Fatal(d)
			}
		}
	})
	b.Run("decisionJSON", func(b *testing.B) {
		var out []byte
		for b.Loop() {
			out = AppendDecisionJSON(out[:0], &d)
		}
	})
	b.Run("decide", func(b *testing.B) {
		var r leanRequest
		r.parse(doc, s)
		for b.Loop() {
			decide(p, s.method, s.path, r.nAuth, s.cred, testNow, s)
		}
	})
	b.Run("hmac", func(b *testing.B) {
		k := p.keys["hs"]
		for b.Loop() {
			k.verify([]byte(tok[:200]), make([]byte, 32))
		}
	})
	b.Run("claims", func(b *testing.B) {
		payload := mustJSON(b, baseClaims())
		for b.Loop() {
			if _, d := p.checkClaims(payload, testNow); d != denyNone {
				b.Fatal(d)
			}
		}
	})
}
