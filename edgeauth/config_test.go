package edgeauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// lowOrderPoints are encodings of Ed25519 points of small order: the
// identity, a point of order 2, and points of orders 4 and 8.
var lowOrderPoints = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4 (y = 0)
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4 (y = 0, other x)
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
}

func hexB64(t *testing.T, h string) string {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

func TestConfigure(t *testing.T) {
	k := getKeys(t)
	edX := b64(k.ed.Public().(ed25519.PublicKey))
	withKey := func(jwk map[string]any) func(c map[string]any) {
		return func(c map[string]any) { c["keys"] = map[string]any{"keys": []map[string]any{jwk}} }
	}
	smallRSA := func() map[string]any {
		n := new(big.Int).Lsh(big.NewInt(1), 2046)
		n.Add(n, big.NewInt(1)) // 2047 bits, odd
		return map[string]any{"kty": "RSA", "kid": "r", "alg": "RS256", "n": b64(n.Bytes()), "e": "AQAB"}
	}
	tests := []struct {
		name   string
		mutate func(c map[string]any)
		rule   string // a fragment of the error; "" means accepted
	}{
		{name: "base config"},
		{name: "minimal config", mutate: func(c map[string]any) {
			for _, k := range []string{"realm", "algorithms", "keys", "public", "routes"} {
				delete(c, k)
			}
		}},
		{name: "leeway 0 explicit", mutate: func(c map[string]any) { c["leeway_seconds"] = 0 }},
		{name: "leeway 300", mutate: func(c map[string]any) { c["leeway_seconds"] = 300 }},
		{name: "null members are absent", mutate: func(c map[string]any) { c["revoked"] = nil; c["routes"] = nil; c["realm"] = nil }},
		{name: "default deny", mutate: func(c map[string]any) { c["default"] = "deny" }},
		{name: "Ed25519 allow-list entry", mutate: func(c map[string]any) {
			c["algorithms"] = []string{"Ed25519"}
			c["keys"] = map[string]any{"keys": []map[string]any{{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX}}}
		}},
		{name: "unknown JWK members ignored", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX, "key_ops": []string{"verify"}, "use": "sig"})},

		{name: "not JSON", mutate: nil, rule: "strict JSON"},
		{name: "issuer missing", mutate: func(c map[string]any) { delete(c, "issuer") }, rule: "issuer"},
		{name: "issuer empty", mutate: func(c map[string]any) { c["issuer"] = "" }, rule: "issuer"},
		{name: "audiences missing", mutate: func(c map[string]any) { delete(c, "audiences") }, rule: "audiences"},
		{name: "audiences empty", mutate: func(c map[string]any) { c["audiences"] = []string{} }, rule: "audiences"},
		{name: "audience empty string", mutate: func(c map[string]any) { c["audiences"] = []string{""} }, rule: "audiences"},
		{name: "realm with a quote", mutate: func(c map[string]any) { c["realm"] = `a"b` }, rule: "realm"},
		{name: "unknown algorithm", mutate: func(c map[string]any) { c["algorithms"] = []string{"none"} }, rule: "algorithms"},
		{name: "leeway negative", mutate: func(c map[string]any) { c["leeway_seconds"] = -1 }, rule: "leeway_seconds"},
		{name: "leeway 301", mutate: func(c map[string]any) { c["leeway_seconds"] = 301 }, rule: "leeway_seconds"},
		{name: "leeway fractional", mutate: func(c map[string]any) { c["leeway_seconds"] = 1.5 }, rule: "leeway_seconds"},
		{name: "max lifetime 0", mutate: func(c map[string]any) { c["max_lifetime_seconds"] = 0 }, rule: "max_lifetime_seconds"},
		{name: "max lifetime negative", mutate: func(c map[string]any) { c["max_lifetime_seconds"] = -5 }, rule: "max_lifetime_seconds"},
		{name: "max token bytes 0", mutate: func(c map[string]any) { c["max_token_bytes"] = 0 }, rule: "max_token_bytes"},
		{name: "unknown default", mutate: func(c map[string]any) { c["default"] = "allow" }, rule: "default"},
		{name: "unknown member", mutate: func(c map[string]any) { c["leway_seconds"] = 1 }, rule: "unknown member"},
		{name: "route with misspelt scopes", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "/a", "scope": []string{"x"}}}
		}, rule: "unknown member"},
		{name: "route owner not a variable", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "/users/{id}", "owner": "uid"}}
		}, rule: "owner"},
		{name: "route path without slash", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "users"}}
		}, rule: "path"},
		{name: "route variable twice", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "/{a}/{a}"}}
		}, rule: "twice"},
		{name: "route partial variable", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "/a{b}"}}
		}, rule: "whole segment"},
		{name: "route scope with space", mutate: func(c map[string]any) {
			c["routes"] = []map[string]any{{"method": "GET", "path": "/a", "scopes": []string{"a b"}}}
		}, rule: "scope"},
		{name: "public without method", mutate: func(c map[string]any) {
			c["public"] = []map[string]any{{"path": "/a"}}
		}, rule: "method"},
		{name: "revoked without exp", mutate: func(c map[string]any) { c["revoked"] = []map[string]any{{"jti": "a"}} }, rule: "revoked"},
		{name: "subjects_valid_after not integer", mutate: func(c map[string]any) { c["subjects_valid_after"] = map[string]any{"users/1": "x"} }, rule: "subjects_valid_after"},
		{name: "revoked_sessions", mutate: func(c map[string]any) {
			c["revoked_sessions"] = []map[string]any{{"sid": "s1", "exp": 1}, {"sid": strings.Repeat("s", 128), "exp": 2}}
		}},
		{name: "revoked_sessions null", mutate: func(c map[string]any) { c["revoked_sessions"] = nil }},
		{name: "revoked_sessions not an array", mutate: func(c map[string]any) { c["revoked_sessions"] = map[string]any{"sid": "s"} }, rule: "revoked_sessions must be an array"},
		{name: "revoked_sessions entry not an object", mutate: func(c map[string]any) { c["revoked_sessions"] = []string{"s1"} }, rule: "revoked_sessions: every entry"},
		{name: "revoked_sessions sid empty", mutate: func(c map[string]any) { c["revoked_sessions"] = []map[string]any{{"sid": "", "exp": 1}} }, rule: "revoked_sessions: sid"},
		{name: "revoked_sessions sid 129 bytes", mutate: func(c map[string]any) {
			c["revoked_sessions"] = []map[string]any{{"sid": strings.Repeat("s", 129), "exp": 1}}
		}, rule: "revoked_sessions: sid"},
		{name: "revoked_sessions sid number", mutate: func(c map[string]any) { c["revoked_sessions"] = []map[string]any{{"sid": 7, "exp": 1}} }, rule: "revoked_sessions: sid"},
		{name: "revoked_sessions without exp", mutate: func(c map[string]any) { c["revoked_sessions"] = []map[string]any{{"sid": "s"}} }, rule: "revoked_sessions: every entry needs"},
		{name: "revoked_sessions exp not integer", mutate: func(c map[string]any) { c["revoked_sessions"] = []map[string]any{{"sid": "s", "exp": 1.5}} }, rule: "revoked_sessions: exp"},
		{name: "revoked_sessions unknown member", mutate: func(c map[string]any) {
			c["revoked_sessions"] = []map[string]any{{"sid": "s", "exp": 1, "jti": "j"}}
		}, rule: `revoked_sessions: unknown member "jti"`},

		{name: "key without kid", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": edX}), rule: "kid"},
		{name: "key with empty kid", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "", "alg": "EdDSA", "x": edX}), rule: "kid"},
		{name: "key without alg", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "x": edX}), rule: "alg"},
		{name: "two keys one kid", mutate: func(c map[string]any) {
			jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX}
			c["keys"] = map[string]any{"keys": []map[string]any{jwk, jwk}}
		}, rule: "share a kid"},
		{name: "key alg not allowed", mutate: func(c map[string]any) {
			c["algorithms"] = []string{"ES256"}
			withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX})(c)
		}, rule: "not in algorithms"},
		{name: "HS256 key under default allow-list", mutate: func(c map[string]any) {
			delete(c, "algorithms")
			withKey(map[string]any{"kty": "oct", "kid": "h", "alg": "HS256", "k": b64(k.hmac)})(c)
		}, rule: "not in algorithms"},
		{name: "key alg none", mutate: withKey(map[string]any{"kty": "oct", "kid": "h", "alg": "none", "k": b64(k.hmac)}), rule: "supported"},
		{name: "kty does not fit alg", mutate: withKey(map[string]any{"kty": "EC", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX}), rule: "kty"},
		{name: "oct key for RS256", mutate: withKey(map[string]any{"kty": "oct", "kid": "h", "alg": "RS256", "k": b64(k.hmac)}), rule: "kty"},
		{name: "EC key on wrong curve name", mutate: withKey(map[string]any{"kty": "EC", "crv": "P-384", "kid": "e", "alg": "ES256", "x": "AA", "y": "AA"}), rule: "kty"},
		{name: "use enc", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX, "use": "enc"}), rule: "use"},
		{name: "private key material", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX, "d": edX}), rule: "private"},
		{name: "Ed25519 x short", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX[:40]}), rule: "32 bytes"},
		{name: "Ed25519 x padded", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": edX + "="}), rule: "32 bytes"},
		{name: "Ed25519 non-canonical y", mutate: withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA",
			"x": hexB64(t, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")}), rule: "canonical"},
		{name: "HS256 key of 31 bytes", mutate: withKey(map[string]any{"kty": "oct", "kid": "h", "alg": "HS256", "k": b64(k.hmac[:31])}), rule: "32 bytes"},
		{name: "RSA key of 2047 bits", mutate: withKey(smallRSA()), rule: "2048"},
		{name: "RSA n with leading zero", mutate: withKey(map[string]any{"kty": "RSA", "kid": "r", "alg": "RS256", "n": b64(append([]byte{0}, k.rsa.N.Bytes()...)), "e": "AQAB"}), rule: "minimal"},
		{name: "RSA even exponent", mutate: withKey(map[string]any{"kty": "RSA", "kid": "r", "alg": "RS256", "n": b64(k.rsa.N.Bytes()), "e": b64([]byte{1, 0, 0})}), rule: "exponent"},
		{name: "RSA exponent 1", mutate: withKey(map[string]any{"kty": "RSA", "kid": "r", "alg": "RS256", "n": b64(k.rsa.N.Bytes()), "e": "AQ"}), rule: "exponent"},
		{name: "EC point off the curve", mutate: func(c map[string]any) {
			y := fixed32(k.ec.Y)
			y[31] ^= 1
			withKey(map[string]any{"kty": "EC", "crv": "P-256", "kid": "e", "alg": "ES256", "x": b64(fixed32(k.ec.X)), "y": b64(y)})(c)
		}, rule: "curve"},
		{name: "EC x of 31 bytes", mutate: withKey(map[string]any{"kty": "EC", "crv": "P-256", "kid": "e", "alg": "ES256", "x": b64(fixed32(k.ec.X)[1:]), "y": b64(fixed32(k.ec.Y))}), rule: "32 bytes"},
	}
	for i, p := range lowOrderPoints {
		rule := "low order"
		tests = append(tests, struct {
			name   string
			mutate func(c map[string]any)
			rule   string
		}{"Ed25519 low-order point " + strconv.Itoa(i), withKey(map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "e", "alg": "EdDSA", "x": hexB64(t, p)}), rule})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte("{not json")
			if tt.name != "not JSON" {
				cfg := baseConfig(t)
				if tt.mutate != nil {
					tt.mutate(cfg)
				}
				doc = mustJSON(t, cfg)
			}
			a := NewAuthorizer(Options{})
			err := a.Configure(doc)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("Configure: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Configure = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.rule) {
				t.Fatalf("error %q does not name the rule %q", err, tt.rule)
			}
			for _, secret := range []string{b64(k.hmac), edX} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q echoes key material", err)
				}
			}
		})
	}
}

// TestConfigureKeepsPrevious checks that a rejected Config leaves the
// previous one in force, and that before any Config everything is 401.
func TestConfigureKeepsPrevious(t *testing.T) {
	a := NewAuthorizer(Options{})
	tok := validToken(t, "EdDSA")
	tests := []struct {
		name      string
		config    []byte
		wantErr   bool
		req       *Request
		status    int
		errorCode string
	}{
		{"unconfigured, no token", nil, false, request("GET", "/x", ""), 401, ""},
		{"unconfigured, public-looking route", nil, false, request("POST", "/authenticate", ""), 401, ""},
		{"unconfigured, token", nil, false, request("GET", "/x", "Bearer "+tok), 401, CodeInvalidToken},
		{"unconfigured, bad header", nil, false, request("GET", "/x", "Basic x"), 401, CodeInvalidToken},
		{"rejected first config", []byte(`{"issuer":""}`), true, request("GET", "/x", "Bearer "+tok), 401, CodeInvalidToken},
		{"accepted config", mustJSON(t, baseConfig(t)), false, request("GET", "/x", "Bearer "+tok), 200, ""},
		{"rejected second config", []byte(`{"issuer":"x","audiences":["y"],"default":"nope"}`), true, request("GET", "/x", "Bearer "+tok), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.config != nil {
				if err := a.Configure(tt.config); (err != nil) != tt.wantErr {
					t.Fatalf("Configure: %v", err)
				}
			}
			d := a.Authorize(tt.req)
			if d.Status != tt.status || d.Error != tt.errorCode {
				t.Fatalf("got %+v, want %d %q", d, tt.status, tt.errorCode)
			}
			if d.Status == 401 && !strings.HasPrefix(d.WWWAuthenticate, `Bearer realm="api"`) {
				t.Fatalf("header %q", d.WWWAuthenticate)
			}
		})
	}
}

func TestRSAKeyTooLarge(t *testing.T) {
	n := new(big.Int).Lsh(big.NewInt(1), 8192)
	n.Add(n, big.NewInt(1)) // 8193 bits
	cfg := baseConfig(t)
	cfg["keys"] = map[string]any{"keys": []map[string]any{{"kty": "RSA", "kid": "r", "alg": "RS256", "n": b64(n.Bytes()), "e": "AQAB"}}}
	if err := NewAuthorizer(Options{}).Configure(mustJSON(t, cfg)); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Configure = %v", err)
	}
	_ = rand.Reader
}
