package genvectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// The fixed world every vector lives in.
const (
	now    int64 = 1767225600 // 2026-01-01T00:00:00Z, every request's "now"
	issuer       = "https://issuer.example.test"
	aud1         = "todos-api"
	aud2         = "admin-api"
	realm        = "todos"
	// The standard token: issued a minute ago, valid for an hour.
	iat0 = now - 60
	exp0 = iat0 + 3600
	sub0 = "users/42"
	jti0 = "8f2c1a90-tok"
)

// scope0 is the standard token's scope claim.
var scope0 = []string{"todos:read", "todos:write"}

// Generate builds every vector file of the corpus. keyFS holds the RSA PEM
// files (tests/testdata/conformance/keys). The result maps file names
// ("claims.json") to their exact bytes.
func Generate(keyFS fs.FS) (map[string][]byte, error) {
	k, err := loadKeys(keyFS)
	if err != nil {
		return nil, err
	}
	g := &gen{k: k}
	var files []*file
	for _, build := range []func() *file{
		g.framingFile, g.headerFile, g.claimsFile, g.signaturesFile,
		g.outcomesFile, g.routesFile, g.configFile,
		g.attacksFramingFile, g.attacksHeaderFile, g.attacksClaimsFile,
		g.attacksSignaturesFile, g.attacksTransportFile,
	} {
		files = append(files, build())
	}
	if err := explainDifferences(files); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range files {
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		b, err := f.encode()
		if err != nil {
			return nil, err
		}
		out[f.name+".json"] = b
	}
	return out, nil
}

// gen holds the keys while the files are built.
type gen struct {
	k *keys
}

// file is one vector file being built.
type file struct {
	name    string
	Configs map[string]any `json:"configs"`
	Vectors []vector       `json:"vectors"`
}

// vector mirrors conformance.Vector with its fields in reading order.
type vector struct {
	Name           string  `json:"name"`
	Source         string  `json:"source"`
	Differential   string  `json:"differential,omitempty"`
	Config         any     `json:"config,omitempty"`
	ConfigJSON     *string `json:"config_json,omitempty"`
	ConfigError    bool    `json:"config_error,omitempty"`
	PreviousConfig string  `json:"previous_config,omitempty"`
	Request        request `json:"request"`
	Expect         object  `json:"expect"`
}

// request is an ABI v1 Request. A nil Headers map leaves "headers" out.
type request struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers,omitempty"`
	Now     int64               `json:"now"`
}

func newFile(name string, configs map[string]any) *file {
	return &file{name: name, Configs: configs}
}

// add appends a vector under a named or inline config.
func (f *file) add(name, source string, config any, req request, expect object) {
	f.Vectors = append(f.Vectors, vector{Name: name, Source: source, Config: config, Request: req, Expect: expect})
}

// check catches generator mistakes: duplicate names, unknown config names.
func (f *file) check() error {
	seen := map[string]bool{}
	for _, v := range f.Vectors {
		if seen[v.Name] {
			return fmt.Errorf("duplicate vector %q", v.Name)
		}
		seen[v.Name] = true
		if name, ok := v.Config.(string); ok {
			if _, ok := f.Configs[name]; !ok {
				return fmt.Errorf("vector %q: unknown config %q", v.Name, name)
			}
		}
		if v.PreviousConfig != "" {
			if _, ok := f.Configs[v.PreviousConfig]; !ok {
				return fmt.Errorf("vector %q: unknown previous config %q", v.Name, v.PreviousConfig)
			}
		}
	}
	return nil
}

// encode writes the file as indented JSON; maps are sorted by encoding/json,
// so the bytes are the same on every run.
func (f *file) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ---- requests ----

// req builds a request; auth nil means no headers at all.
func req(method, path string, auth []string) request {
	r := request{Method: method, Path: path, Now: now}
	if auth != nil {
		r.Headers = map[string][]string{"authorization": auth}
	}
	return r
}

// bearer is a single "Bearer <token>" Authorization value.
func bearer(token string) []string { return []string{"Bearer " + token} }

// whoami is the request most token vectors use: an unlisted route, so under
// default "authenticated" only the token decides.
func whoami(token string) request { return req("GET", "/whoami", bearer(token)) }

// ---- expectations ----

// allowed is the Decision for a valid token on a route it may use.
func allowed(sub string, scopes []string, jti string, exp int64) object {
	if scopes == nil {
		scopes = []string{}
	}
	return obj("allow", true, "status", 200, "subject", sub, "scopes", scopes, "jti", jti, "expires_at", exp)
}

// allowed0 is allowed for the standard token.
func allowed0() object { return allowed(sub0, scope0, jti0, exp0) }

// public is the Decision for a public route: allowed, no token judged.
func public() object {
	return obj("allow", true, "status", 200, "subject", nil, "scopes", nil, "jti", nil, "expires_at", nil)
}

// challenge is the WWW-Authenticate value without its free-worded
// error_description (see conformance.Check).
func challenge(realm, code string, scopes ...string) string {
	h := fmt.Sprintf("Bearer realm=%q", realm)
	if code != "" {
		h += fmt.Sprintf(", error=%q", code)
	}
	if len(scopes) > 0 {
		h += fmt.Sprintf(", scope=%q", strings.Join(scopes, " "))
	}
	return h
}

func denied(status int, code, header any) object {
	return obj("allow", false, "status", status, "error", code, "www_authenticate", header)
}

func badRequest(realm string) object {
	return denied(400, "invalid_request", challenge(realm, "invalid_request"))
}
func badToken(realm string) object {
	return denied(401, "invalid_token", challenge(realm, "invalid_token"))
}
func noToken(realm string) object { return denied(401, nil, challenge(realm, "")) }
func notFound() object            { return denied(404, "not_found", nil) }
func forbidden(realm string, scopes ...string) object {
	return denied(403, "insufficient_scope", challenge(realm, "insufficient_scope", scopes...))
}

// unconfigured is all ABI.md fixes for the decision of an engine without a Config.
func unconfigured() object { return obj("allow", false, "status", 401) }

// ---- tokens ----

// header is the standard protected header for k.
func header(k *key) object { return obj("alg", k.alg, "kid", k.kid, "typ", "at+jwt") }

// claims is the standard claim set.
func claims() object {
	return obj("iss", issuer, "sub", sub0, "aud", aud1, "iat", iat0, "exp", exp0, "jti", jti0,
		"scope", strings.Join(scope0, " "))
}

// token signs header and claims (as JSON text) with k. It panics if the
// standard library does not verify the signature: a token the generator
// calls well signed must be so.
func (g *gen) token(k *key, h, c object) string {
	return g.signRaw(k, []byte(h.String()), []byte(c.String()))
}

// token0 is the standard token for k.
func (g *gen) token0(k *key) string { return g.token(k, header(k), claims()) }

// withClaims is the standard token for k with claims changed by mod.
func (g *gen) withClaims(k *key, mod func(object) object) string {
	return g.token(k, header(k), mod(claims()))
}

// withHeader is the standard token for k with its header changed by mod.
func (g *gen) withHeader(k *key, mod func(object) object) string {
	return g.token(k, mod(header(k)), claims())
}

func (g *gen) signRaw(k *key, h, c []byte) string {
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sig := k.sign([]byte(input))
	if !k.verify([]byte(input), sig) {
		panic("generator produced a bad signature for " + k.kid)
	}
	return input + "." + b64.EncodeToString(sig)
}

// withSig replaces a token's signature segment.
func withSig(token string, sig []byte) string {
	i := strings.LastIndexByte(token, '.')
	return token[:i+1] + b64.EncodeToString(sig)
}

// sigOf decodes a token's signature.
func sigOf(token string) []byte {
	s, err := b64.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
	if err != nil {
		panic(err)
	}
	return s
}

// ---- configs ----

func jwks(ks ...any) map[string]any {
	list := make([]any, 0, len(ks))
	for _, k := range ks {
		switch k := k.(type) {
		case *key:
			list = append(list, maps.Clone(k.jwk))
		case map[string]any:
			list = append(list, k)
		default:
			panic("jwks: bad key")
		}
	}
	return map[string]any{"keys": list}
}

var allAlgs = []string{"EdDSA", "ES256", "RS256", "PS256", "HS256"}

func publicRoutes() []any {
	return []any{
		map[string]any{"method": "GET", "path": "/healthz"},
		map[string]any{"method": "POST", "path": "/users"},
		map[string]any{"method": "POST", "path": "/authenticate"},
		map[string]any{"method": "GET", "path": "/.well-known/jwks.json"},
	}
}

func route(method, path string, scopes []string, owner string) map[string]any {
	r := map[string]any{"method": method, "path": path}
	if scopes != nil {
		r["scopes"] = scopes
	}
	if owner != "" {
		r["owner"] = owner
	}
	return r
}

func routes() []any {
	return []any{
		route("GET", "/users/{id}", nil, "id"),
		route("PATCH", "/users/{id}", []string{"profile:write"}, "id"),
		route("DELETE", "/users/{id}", []string{}, "id"),
		route("GET", "/users/{id}/todos", []string{"todos:read"}, "id"),
		route("POST", "/users/{id}/todos", []string{"todos:read", "todos:write"}, "id"),
		route("GET", "/users/{id}/todos/{todo}", []string{"todos:read"}, "id"),
		route("GET", "/orgs/{org}/members/{member}", nil, "member"),
		route("GET", "/admin/stats", []string{"admin"}, ""),
		route("DELETE", "/authenticate", nil, ""),
	}
}

// mainConfig is the full config most vectors use: every algorithm, every
// key, explicit realm, a revocation, a subject cut-off, routes, and the
// defaults for leeway (30), lifetime, size and default route.
func (g *gen) mainConfig() map[string]any {
	k := g.k
	return map[string]any{
		"issuer":     issuer,
		"audiences":  []string{aud1, aud2},
		"realm":      realm,
		"algorithms": slices.Clone(allAlgs),
		"keys":       jwks(k.ed1, k.ed2, k.ec1, k.ec2, k.rsaA, k.rsaB, k.hs1, k.hs64),
		"revoked": []any{
			map[string]any{"jti": "revoked-1", "exp": now + 3600},
			map[string]any{"jti": "revoked-long-ago", "exp": now - 86400},
		},
		"subjects_valid_after": map[string]any{"users/7": now - 100},
		"public":               publicRoutes(),
		"routes":               routes(),
	}
}

// with returns a copy of cfg with members set (a nil value deletes).
func with(cfg map[string]any, kv ...any) map[string]any {
	out := maps.Clone(cfg)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// defaultsConfig names only what is required, so every default applies.
func (g *gen) defaultsConfig() map[string]any {
	return map[string]any{
		"issuer":    issuer,
		"audiences": []string{aud1},
		"keys":      jwks(g.k.ed1, g.k.ec1),
	}
}
