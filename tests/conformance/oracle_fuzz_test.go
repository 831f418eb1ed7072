package conformance_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/craftingapis/todos/edgeauth"
)

// FuzzOracle builds a token's header and claims from the fuzz input, signs
// them with a test key and asks edgeauth. The oracle:
//
//  1. an accepted token's Decision carries exactly what was signed: its
//     subject, scopes, jti and expires_at equal the signed claims as an
//     independent parser reads them;
//  2. acceptance implies the signed header and claims satisfy the token
//     profile per profileOK, a plain checker sharing no code with edgeauth;
//  3. the same token with any one bit flipped is never accepted.
//
// Most inputs start from a valid token and apply the mutations the
// selector bits pick, so acceptance is common and the oracle is exercised;
// selector bit 0 instead takes the fuzzer's bytes as the raw JSON texts.
func FuzzOracle(f *testing.F) {
	o := newOracle(f)
	f.Add([]byte(`"x"`), []byte("users/42"), uint64(0), uint32(0))
	f.Add([]byte(`{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`), []byte(`{"iss":"https://iss.test","aud":"api","sub":"s","iat":1767225540,"exp":1767229140,"jti":"j"}`), uint64(1), uint32(77))
	for i := range 40 {
		f.Add([]byte(strconv.Itoa(i)), []byte("todos:read  admin"), uint64(1)<<uint(i%32+1)|uint64(i%3)<<40, uint32(i*131))
	}
	f.Fuzz(func(t *testing.T, a, b []byte, sel uint64, flip uint32) {
		o.check(t, a, b, sel, flip)
	})
}

const oracleNow int64 = 1767225600

type oracleKey struct {
	kid, alg string
	sign     func([]byte) []byte
	jwk      map[string]any
}

type oracle struct {
	az     *edgeauth.Authorizer
	cfg    *indepConfig
	keys   []oracleKey
	config []byte
}

// fixedReader derives deterministic key material from a label.
func fixedReader(label string) io.Reader {
	s := sha256.Sum256([]byte("oracle " + label))
	return bytes.NewReader(bytes.Repeat(s[:], 8))
}

func newOracle(tb testing.TB) *oracle {
	b64 := base64.RawURLEncoding
	seed := make([]byte, 32)
	_, _ = io.ReadFull(fixedReader("ed"), seed)
	ed := ed25519.NewKeyFromSeed(seed)
	scalar := make([]byte, 32)
	_, _ = io.ReadFull(fixedReader("ec"), scalar)
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar)
	if err != nil {
		tb.Fatal(err)
	}
	ecPub, _ := ec.PublicKey.Bytes()
	secret := make([]byte, 32)
	_, _ = io.ReadFull(fixedReader("hs"), secret)
	keys := []oracleKey{
		{kid: "ed", alg: "EdDSA", sign: func(in []byte) []byte { return ed25519.Sign(ed, in) },
			jwk: map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": b64.EncodeToString(ed.Public().(ed25519.PublicKey))}},
		{kid: "ec", alg: "ES256", sign: func(in []byte) []byte {
			d := sha256.Sum256(in)
			r, s, err := ecdsa.Sign(rand.Reader, ec, d[:])
			if err != nil {
				panic(err)
			}
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
			return out
		}, jwk: map[string]any{"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256", "x": b64.EncodeToString(ecPub[1:33]), "y": b64.EncodeToString(ecPub[33:])}},
		{kid: "hs", alg: "HS256", sign: func(in []byte) []byte { m := hmac.New(sha256.New, secret); m.Write(in); return m.Sum(nil) },
			jwk: map[string]any{"kty": "oct", "kid": "hs", "alg": "HS256", "k": b64.EncodeToString(secret)}},
	}
	var jwks []any
	for _, k := range keys {
		jwks = append(jwks, k.jwk)
	}
	config, _ := json.Marshal(map[string]any{
		"issuer": "https://iss.test", "audiences": []string{"api", "api2"}, "realm": "r",
		"algorithms": []string{"EdDSA", "ES256", "HS256"}, "keys": map[string]any{"keys": jwks},
		"revoked":              []any{map[string]any{"jti": "r1", "exp": oracleNow + 3600}},
		"subjects_valid_after": map[string]any{"users/7": oracleNow - 100},
	})
	az := edgeauth.NewAuthorizer(edgeauth.Options{})
	if err := az.Configure(config); err != nil {
		tb.Fatal(err)
	}
	cfg, err := parseIndepConfig(config)
	if err != nil {
		tb.Fatal(err)
	}
	return &oracle{az: az, cfg: cfg, keys: keys, config: config}
}

// build turns the fuzz input into header and claims JSON texts and the key
// that signs them.
func (o *oracle) build(a, b []byte, sel uint64) (hdr, cl []byte, k oracleKey) {
	k = o.keys[int(sel>>40)%len(o.keys)]
	if sel&1 != 0 {
		return a, b, k
	}
	bit := func(i uint) bool { return sel&(1<<i) != 0 }
	num := func(raw []byte, i int) int64 {
		var buf [8]byte
		copy(buf[:], raw[min(i, len(raw)):])
		return int64(binary.LittleEndian.Uint64(buf[:]))
	}
	type kv struct {
		k string
		v any
	}
	h := []kv{{"alg", k.alg}, {"kid", k.kid}, {"typ", "at+jwt"}}
	c := []kv{{"iss", "https://iss.test"}, {"aud", "api"}, {"sub", "users/42"},
		{"iat", oracleNow - 60}, {"exp", oracleNow + 3540}, {"jti", "j-1"}, {"scope", "todos:read todos:write"}}
	setv := func(list []kv, name string, v any) []kv {
		for i := range list {
			if list[i].k == name {
				list[i].v = v
				return list
			}
		}
		return append(list, kv{name, v})
	}
	del := func(list []kv, name string) []kv {
		return slices.DeleteFunc(list, func(e kv) bool { return e.k == name })
	}
	sa, sb := string(a), string(b)
	muts := []func(){
		func() { h = setv(h, "alg", sa) },
		func() { h = setv(h, "kid", sa) },
		func() { h = setv(h, "typ", sb) },
		func() { h = append(h, kv{sa, sb}) }, // any extra member, maybe forbidden or a duplicate
		func() { h = setv(h, "alg", []string{"EdDSA", "Ed25519", "none", "HS256"}[len(a)%4]) },
		func() { c = setv(c, "sub", sb) },
		func() { c = setv(c, "jti", sa) },
		func() { c = setv(c, "scope", sb) },
		func() { c = setv(c, "aud", []any{sa, "api2"}) },
		func() { c = setv(c, "iss", sa) },
		func() { c = setv(c, "exp", oracleNow+num(a, 0)%100000) },
		func() { c = setv(c, "iat", oracleNow+num(a, 8)%100000) },
		func() { c = setv(c, "nbf", oracleNow+num(b, 0)%1000) },
		func() { c = setv(c, "exp", json.RawMessage(strconv.Quote(sa))) }, // a string date
		func() { c = append(c, kv{sa, json.RawMessage(`1`)}) },            // extra or duplicate claim
		func() { c = append(c, kv{"sub", "users/43"}) },                   // duplicate sub
		func() { c = del(c, []string{"iss", "aud", "sub", "iat", "exp", "jti"}[len(b)%6]) },
		func() { c = setv(c, "sub", "users/7") },
		func() { c = setv(c, "jti", "r1") },
		func() { c = setv(c, "exp", json.RawMessage(sb)) }, // raw bytes as the value: 1e9, 1.0, junk
		func() { c = setv(c, "aud", json.RawMessage(sa)) },
		func() { h = setv(h, "typ", json.RawMessage(sb)) },
		func() { c = setv(c, "scope", json.RawMessage(sa)) },
	}
	for i, m := range muts {
		if bit(uint(i + 1)) {
			m()
		}
	}
	enc := func(list []kv) []byte {
		var out bytes.Buffer
		out.WriteByte('{')
		for i, e := range list {
			if i > 0 {
				out.WriteByte(',')
			}
			n, _ := json.Marshal(e.k)
			v, err := json.Marshal(e.v)
			if err != nil {
				v = []byte("null")
			}
			out.Write(n)
			out.WriteByte(':')
			out.Write(v)
		}
		out.WriteByte('}')
		return out.Bytes()
	}
	return enc(h), enc(c), k
}

func (o *oracle) check(t *testing.T, a, b []byte, sel uint64, flip uint32) {
	hdr, cl, k := o.build(a, b, sel)
	tok := o.sign(hdr, cl, k)
	now := oracleNow
	d := o.decide(tok)
	if d.Allow {
		if err := profileOK(o.cfg, hdr, cl, now); err != nil {
			t.Fatalf("accepted a token outside the profile: %v\nheader %q\nclaims %q", err, hdr, cl)
		}
		var want struct {
			Sub   string `json:"sub"`
			JTI   string `json:"jti"`
			Exp   int64  `json:"exp"`
			Scope string `json:"scope"`
		}
		if err := json.Unmarshal(cl, &want); err != nil {
			t.Fatalf("accepted claims encoding/json cannot read: %v", err)
		}
		scopes := []string{}
		for _, s := range strings.Split(want.Scope, " ") {
			if s != "" {
				scopes = append(scopes, s)
			}
		}
		if d.Subject != want.Sub || d.JTI != want.JTI || d.ExpiresAt != want.Exp || !slices.Equal(d.Scopes, scopes) {
			t.Fatalf("decision %+v does not carry the signed claims %s", d, cl)
		}
	}
	// One flipped bit anywhere: never accepted.
	if len(tok) > 0 {
		m := []byte(tok)
		i := int(flip % uint32(len(m)*8))
		m[i/8] ^= 1 << (i % 8)
		if string(m) != tok {
			if d2 := o.decide(string(m)); d2.Allow {
				t.Fatalf("accepted the token with bit %d flipped: %q", i, m)
			}
		}
	}
}

// sign makes the compact token of header and claims texts.
func (o *oracle) sign(hdr, cl []byte, k oracleKey) string {
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(hdr) + "." + b64.EncodeToString(cl)
	return input + "." + b64.EncodeToString(k.sign([]byte(input)))
}

// decide asks edgeauth about tok on an unlisted route at oracleNow.
func (o *oracle) decide(tok string) edgeauth.Decision {
	now := oracleNow
	return o.az.Authorize(&edgeauth.Request{Method: "GET", Path: "/x",
		Headers: map[string][]string{"authorization": {"Bearer " + tok}}, Now: &now})
}

func (o *oracle) decideBuilt(hdr, cl []byte, k oracleKey) edgeauth.Decision {
	return o.decide(o.sign(hdr, cl, k))
}

// profileOK checks signed header and claims against the token profile of
// ABI.md with plain code: strict JSON (valid UTF-8, no lone surrogate
// escapes, no duplicate members, nesting at most 32), then the header
// rules, then the claim rules (checkClaimsIndep). It may refuse what
// edgeauth refuses for other reasons; it must never refuse what the
// profile allows.
func profileOK(c *indepConfig, hdr, cl []byte, now int64) error {
	for _, doc := range [][]byte{hdr, cl} {
		if err := strictJSON(doc); err != nil {
			return err
		}
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &h); err != nil {
		return fmt.Errorf("header: %v", err)
	}
	var alg, kid, typ string
	if json.Unmarshal(h["alg"], &alg) != nil || json.Unmarshal(h["kid"], &kid) != nil || json.Unmarshal(h["typ"], &typ) != nil {
		return fmt.Errorf("alg, kid or typ is not a string")
	}
	keys := c.Keys.Key(kid)
	if len(keys) != 1 {
		return fmt.Errorf("kid %q", kid)
	}
	if alg == "Ed25519" {
		alg = "EdDSA"
	}
	if alg != keys[0].Algorithm || !slices.Contains(c.Algorithms, alg) {
		return fmt.Errorf("alg %q on key %q", alg, keys[0].Algorithm)
	}
	if t := strings.ToLower(typ); t != "at+jwt" && t != "application/at+jwt" {
		return fmt.Errorf("typ %q", typ)
	}
	for _, m := range []string{"crit", "jku", "jwk", "x5u", "x5c", "b64", "zip", "enc"} {
		if _, ok := h[m]; ok {
			return fmt.Errorf("forbidden member %s", m)
		}
	}
	return checkClaimsIndep(c, cl, now)
}

// strictJSON: one JSON object, valid UTF-8, no BOM, no lone surrogate
// escape, no duplicate member (after unescaping) at any level, at most 32
// levels deep.
func strictJSON(doc []byte) error {
	if !utf8.Valid(doc) || bytes.HasPrefix(doc, []byte("\xef\xbb\xbf")) {
		return fmt.Errorf("not UTF-8, or a BOM")
	}
	if !json.Valid(doc) || bytes.TrimSpace(doc)[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := surrogatesPaired(doc); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	type level struct {
		obj   bool
		keys  map[string]bool
		isKey bool // the next token of this object is a member name
	}
	var stack []*level
	for {
		tk, err := dec.Token()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.isKey {
			if s, ok := tk.(string); ok {
				if top.keys[s] {
					return fmt.Errorf("duplicate member %q", s)
				}
				top.keys[s] = true
				top.isKey = false
				continue
			}
		}
		switch tk {
		case json.Delim('{'), json.Delim('['):
			if top != nil && top.obj {
				top.isKey = true
			}
			stack = append(stack, &level{obj: tk == json.Delim('{'), keys: map[string]bool{}, isKey: true})
			if len(stack) > 32 {
				return fmt.Errorf("nested deeper than 32")
			}
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if top != nil && top.obj {
				top.isKey = true
			}
		}
	}
}

// surrogatesPaired finds \uD800-\uDFFF escapes that are not a high
// surrogate followed by a low one.
func surrogatesPaired(doc []byte) error {
	hex4 := func(i int) (int, bool) {
		if i+6 > len(doc) || doc[i] != '\\' || doc[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(doc[i+2:i+6]), 16, 16)
		return int(v), err == nil
	}
	for i := 0; i < len(doc); i++ {
		if doc[i] != '\\' {
			continue
		}
		v, ok := hex4(i)
		if !ok {
			i++ // skip the escaped character
			continue
		}
		switch {
		case v >= 0xD800 && v < 0xDC00:
			lo, ok := hex4(i + 6)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return fmt.Errorf("lone high surrogate")
			}
			i += 11
		case v >= 0xDC00 && v <= 0xDFFF:
			return fmt.Errorf("lone low surrogate")
		default:
			i += 5
		}
	}
	return nil
}
