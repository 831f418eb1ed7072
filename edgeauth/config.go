package edgeauth

import (
	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// Defaults and bounds of a Config. ABI.md lists them too, for hosts: a
// change here is a change to ABI v1 and must be made there.
const (
	defaultRealm         = "api"
	defaultLeeway        = 30
	maxLeeway            = 300
	defaultMaxLifetime   = 86400
	defaultMaxTokenBytes = 4096
	maxJTIBytes          = 128
	maxSIDBytes          = 128
)

// policy is a validated, compiled Config. It is immutable once built but
// for its revocations, which lock themselves, so it is shared by concurrent
// checks; Configure swaps the pointer.
type policy struct {
	issuer        string
	audiences     []string
	realm         string
	algs          alg
	leeway        int64
	maxLifetime   int64
	maxTokenBytes int64
	keys          map[string]*key
	// fewKeys holds the keys in Config order when there are at most
	// maxScannedKeys of them: comparing a kid with a few short strings is
	// cheaper in wasm than a map lookup, which hashes without hardware help.
	fewKeys     []*key
	rev         *revocations // the one part an Update changes, in place
	public      []pattern
	routes      []route
	denyDefault bool
	deny        *challenges
	// cache holds tokens verified under this policy. A new Config brings a
	// new, empty cache, so key removals take effect at once; revocations
	// and cutoffs, which an Update changes in place, are re-checked on
	// every hit.
	cache *tokenCache
}

// parseConfig validates and compiles a Config document; tables is the
// Authorizer's cache of precomputed key tables. Unknown members are
// rejected in the Config and its routes, because a misspelt rule ("scope"
// for "scopes") would otherwise silently grant access; unknown JWK members
// are ignored, as JWKS documents routinely carry extra ones (x5c, key_ops).
func parseConfig(b []byte, tables *tableCache) (*policy, error) {
	doc, err := jsonx.Parse(b)
	if err != nil {
		return nil, configErr("not strict JSON (" + err.Error() + ")")
	}
	if doc.Kind() != jsonx.Object {
		return nil, configErr("the config must be a JSON object")
	}
	p := &policy{
		realm:         defaultRealm,
		algs:          defaultAlgs,
		leeway:        defaultLeeway,
		maxLifetime:   defaultMaxLifetime,
		maxTokenBytes: defaultMaxTokenBytes,
	}
	// Keys and routes depend on other members (algorithms, realm), so they
	// are kept and compiled after the walk.
	var keys, routes, public, revoked, revokedSessions, validAfter jsonx.Value
	var hasIssuer bool
	defaultRule := "authenticated"
	for it := doc.Object(); it.Next(); {
		v := it.Value()
		name := string(it.Key())
		if v.IsNull() && name != "issuer" {
			continue // null means absent, as with encoding/json's omitempty
		}
		switch name {
		case "issuer":
			s, ok := v.Text()
			if !ok || s == "" {
				return nil, configErr("issuer must be a non-empty string")
			}
			p.issuer, hasIssuer = s, true
		case "audiences":
			list, ok := stringList(v)
			if !ok {
				return nil, configErr("audiences must be an array of non-empty strings")
			}
			for _, a := range list {
				if a == "" {
					return nil, configErr("audiences must be an array of non-empty strings")
				}
			}
			p.audiences = list
		case "realm":
			s, ok := v.Text()
			if !ok || !isQuotable(s) {
				return nil, configErr(`realm must be a string of printable ASCII without '"' or '\'`)
			}
			if s != "" {
				p.realm = s
			}
		case "algorithms":
			list, ok := stringList(v)
			if !ok {
				return nil, configErr("algorithms must be an array of strings")
			}
			if len(list) > 0 {
				p.algs = 0
			}
			for _, name := range list {
				a := parseAlg(name)
				if a == 0 {
					return nil, configErr("algorithms: only EdDSA, Ed25519, ES256, RS256, PS256 and HS256 are supported")
				}
				p.algs |= a
			}
		case "leeway_seconds":
			n, err := v.Int64()
			if err != nil || n < 0 || n > maxLeeway {
				return nil, configErr("leeway_seconds must be an integer from 0 to 300")
			}
			p.leeway = n
		case "max_lifetime_seconds":
			n, err := v.Int64()
			if err != nil || n <= 0 {
				return nil, configErr("max_lifetime_seconds must be a positive integer")
			}
			p.maxLifetime = n
		case "max_token_bytes":
			n, err := v.Int64()
			if err != nil || n <= 0 {
				return nil, configErr("max_token_bytes must be a positive integer")
			}
			p.maxTokenBytes = n
		case "keys":
			keys = v
		case "revoked":
			revoked = v
		case "revoked_sessions":
			revokedSessions = v
		case "subjects_valid_after":
			validAfter = v
		case "public":
			public = v
		case "routes":
			routes = v
		case "default":
			s, ok := v.Text()
			if !ok || (s != "authenticated" && s != "deny") {
				return nil, configErr(`default must be "authenticated" or "deny"`)
			}
			defaultRule = s
		default:
			return nil, configErr("unknown member " + quoteName(name))
		}
	}
	if !hasIssuer {
		return nil, configErr("issuer must be a non-empty string")
	}
	if len(p.audiences) == 0 {
		return nil, configErr("audiences must hold at least one audience")
	}
	p.denyDefault = defaultRule == "deny"
	p.deny = newChallenges(p.realm)
	if err := p.compileKeys(keys, tables); err != nil {
		return nil, err
	}
	if err := p.compileRevocations(revoked, revokedSessions, validAfter); err != nil {
		return nil, err
	}
	if err := p.compilePublic(public); err != nil {
		return nil, err
	}
	if err := p.compileRoutes(routes); err != nil {
		return nil, err
	}
	p.cache = newTokenCache(cacheMaxEntries, cacheMaxBytes)
	return p, nil
}

// compileKeys reads the JWKS object {"keys":[...]}. The first
// maxTablesPerConfig EdDSA/ES256 keys keep a precomputed table in tables.
func (p *policy) compileKeys(v jsonx.Value, tables *tableCache) error {
	p.keys = map[string]*key{}
	if v.Kind() == jsonx.Invalid {
		return nil // no keys: every token is rejected, public routes still work
	}
	if v.Kind() != jsonx.Object {
		return configErr(`keys must be a JWKS object {"keys":[...]}`)
	}
	var list jsonx.Value
	for it := v.Object(); it.Next(); {
		if string(it.Key()) == "keys" {
			list = it.Value()
		}
	}
	if list.IsNull() || list.Kind() == jsonx.Invalid {
		return nil
	}
	if list.Kind() != jsonx.Array {
		return configErr(`keys must be a JWKS object {"keys":[...]}`)
	}
	withTable := 0 // EdDSA/ES256 keys given a precomputed table so far
	for it := list.Array(); it.Next(); {
		var kt *tableCache
		if withTable < maxTablesPerConfig {
			kt = tables
		}
		k, err := parseJWK(it.Value(), p.algs, kt)
		if err != nil {
			return err
		}
		if k.alg&(algEdDSA|algES256) != 0 {
			withTable++
		}
		if _, dup := p.keys[k.kid]; dup {
			return configErr("keys: two keys share a kid")
		}
		p.keys[k.kid] = k
		p.fewKeys = append(p.fewKeys, k)
	}
	if len(p.fewKeys) > maxScannedKeys {
		p.fewKeys = nil
	}
	return nil
}

// maxScannedKeys is the most keys keyOf compares one by one.
const maxScannedKeys = 8

// keyOf returns the key whose kid is exactly kid, or nil.
func (p *policy) keyOf(kid []byte) *key {
	if p.fewKeys == nil {
		return p.keys[string(kid)]
	}
	for _, k := range p.fewKeys {
		if k.kid == string(kid) {
			return k
		}
	}
	return nil
}

func (p *policy) compilePublic(v jsonx.Value) error {
	if v.Kind() == jsonx.Invalid {
		return nil
	}
	if v.Kind() != jsonx.Array {
		return configErr("public must be an array")
	}
	for it := v.Array(); it.Next(); {
		e := it.Value()
		if e.Kind() != jsonx.Object {
			return configErr(`public: every entry must be {"method":...,"path":...}`)
		}
		var method, path string
		var ok = true
		for m := e.Object(); m.Next() && ok; {
			switch string(m.Key()) {
			case "method":
				method, ok = m.Value().Text()
			case "path":
				path, ok = m.Value().Text()
			default:
				return configErr("public: unknown member " + quoteName(string(m.Key())))
			}
		}
		if !ok {
			return configErr("public: method and path must be strings")
		}
		pt, err := compilePattern(method, path)
		if err != nil {
			return err
		}
		p.public = append(p.public, pt)
	}
	return nil
}

func (p *policy) compileRoutes(v jsonx.Value) error {
	if v.Kind() == jsonx.Invalid {
		return nil
	}
	if v.Kind() != jsonx.Array {
		return configErr("routes must be an array")
	}
	for it := v.Array(); it.Next(); {
		e := it.Value()
		if e.Kind() != jsonx.Object {
			return configErr(`routes: every entry must be {"method","path","scopes","owner"}`)
		}
		var method, path, owner string
		var scopes []string
		ok := true
		for m := e.Object(); m.Next() && ok; {
			mv := m.Value()
			switch string(m.Key()) {
			case "method":
				method, ok = mv.Text()
			case "path":
				path, ok = mv.Text()
			case "owner":
				if !mv.IsNull() {
					owner, ok = mv.Text()
				}
			case "scopes":
				if !mv.IsNull() {
					scopes, ok = stringList(mv)
				}
			default:
				return configErr("routes: unknown member " + quoteName(string(m.Key())))
			}
		}
		if !ok {
			return configErr("routes: method, path and owner must be strings, scopes an array of strings")
		}
		pt, err := compilePattern(method, path)
		if err != nil {
			return err
		}
		r := route{pattern: pt, owner: -1, scopes: scopes}
		for _, s := range scopes {
			if !isScopeToken(s) {
				return configErr("routes: a scope must be non-empty printable ASCII without spaces, '\"' or '\\'")
			}
		}
		if owner != "" {
			if r.owner = pt.varIndex(owner); r.owner < 0 {
				return configErr("routes: owner must name a {variable} of the route's path")
			}
		}
		if len(scopes) > 0 {
			info := denials[denyScope]
			r.challenge403 = challenge(p.realm, info.code, info.desc, scopes)
		}
		p.routes = append(p.routes, r)
	}
	return nil
}

// stringList reads an array of strings.
func stringList(v jsonx.Value) ([]string, bool) {
	if v.Kind() != jsonx.Array {
		return nil, false
	}
	list := []string{}
	for it := v.Array(); it.Next(); {
		s, ok := it.Value().Text()
		if !ok {
			return nil, false
		}
		list = append(list, s)
	}
	return list, true
}

// isQuotable reports whether s can go inside a quoted-string of a
// WWW-Authenticate header as is: printable ASCII without '"' or '\'.
func isQuotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7E || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// quoteName renders a member name for an error message: short, printable,
// and clearly delimited. Member names are not secrets, values never appear.
func quoteName(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7E || c == '"' || c == '\\' {
			c = '?'
		}
		b = append(b, c)
	}
	return string(append(b, '"'))
}
