package edgeauth

import (
	"crypto/sha256"
	"fmt"
	"strings"
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
	dot1 := strings.IndexByte(tok, '.')
	dot2 := dot1 + 1 + strings.IndexByte(tok[dot1+1:], '.')
	b.Run("base64", func(b *testing.B) {
		for b.Loop() {
			s.header, _ = appendB64(s.header[:0], tok[:dot1])
			s.payload, _ = appendB64(s.payload[:0], tok[dot1+1:dot2])
			s.sig, _ = appendB64(s.sig[:0], tok[dot2+1:])
		}
	})
	b.Run("header", func(b *testing.B) {
		header, _ := appendB64(nil, tok[:dot1])
		for b.Loop() {
			if _, d := p.checkHeader(header, s); d != denyNone {
				b.Fatal(d)
			}
		}
	})
	b.Run("sha256", func(b *testing.B) {
		in := []byte(tok[:dot2])
		for b.Loop() {
			sha256.Sum256(in)
		}
	})
	b.Run("cachePut", func(b *testing.B) {
		c := newTokenCache(cacheMaxEntries, cacheMaxBytes)
		t := &tokenInfo{sub: "users/42", jti: "j", scopes: []string{"a"}, exp: testNow + 3600}
		toks := make([][]byte, 4096)
		for i := range toks {
			toks[i] = []byte(tok[:len(tok)-8] + fmt.Sprintf("%08d", i))
		}
		i := 0
		for b.Loop() {
			c.put(toks[i%len(toks)], t)
			i++
		}
	})
	b.Run("miss", func(b *testing.B) {
		p.cache = newTokenCache(0, 0)
		for b.Loop() {
			if _, d := p.verifyToken([]byte(tok), testNow, s); d != denyNone {
				b.Fatal(d)
			}
		}
	})
	b.Run("claims", func(b *testing.B) {
		payload := mustJSON(b, baseClaims())
		for b.Loop() {
			if _, d := p.checkClaims(payload, testNow, s); d != denyNone {
				b.Fatal(d)
			}
		}
	})
}
