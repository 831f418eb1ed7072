package conformance_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// The independent verifier of the differential test: go-jose v4 for the
// JWS (parsing, algorithm allow-list, signature), configured as strictly as
// it allows, and this file's own plain checks of everything go-jose leaves
// to its caller (kid binding, typ, forbidden members, every claim). It
// shares no code with edgeauth, so a bug in one is unlikely to be a bug in
// both; where they differ by design, the vector says why.

// indepConfig is the part of an ABI v1 Config the token check reads.
type indepConfig struct {
	Issuer             string             `json:"issuer"`
	Audiences          []string           `json:"audiences"`
	Algorithms         []string           `json:"algorithms"`
	LeewaySeconds      *int64             `json:"leeway_seconds"`
	MaxLifetimeSeconds *int64             `json:"max_lifetime_seconds"`
	MaxTokenBytes      *int64             `json:"max_token_bytes"`
	Keys               jose.JSONWebKeySet `json:"keys"`
	Revoked            []struct {
		JTI string `json:"jti"`
	} `json:"revoked"`
	RevokedSessions []struct {
		SID string `json:"sid"`
	} `json:"revoked_sessions"`
	SubjectsValidAfter map[string]int64 `json:"subjects_valid_after"`
	Default            string           `json:"default"`
}

func parseIndepConfig(b []byte) (*indepConfig, error) {
	var c indepConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.Algorithms == nil {
		c.Algorithms = []string{"EdDSA", "ES256"}
	}
	def := func(p **int64, v int64) {
		if *p == nil {
			*p = &v
		}
	}
	def(&c.LeewaySeconds, 30)
	def(&c.MaxLifetimeSeconds, 86400)
	def(&c.MaxTokenBytes, 4096)
	return &c, nil
}

// errIndep is why the independent verifier refused a token.
var errIndep = errors.New("independent verifier refused the token")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errIndep, fmt.Sprintf(format, args...))
}

// independentVerify decides a token under c at now: nil means accepted.
func independentVerify(c *indepConfig, token string, now int64) error {
	if int64(len(token)) > *c.MaxTokenBytes {
		return refuse("larger than max_token_bytes")
	}
	var algs []jose.SignatureAlgorithm
	for _, a := range c.Algorithms {
		if a == "Ed25519" {
			a = "EdDSA"
		}
		algs = append(algs, jose.SignatureAlgorithm(a))
	}
	jws, err := jose.ParseSigned(token, algs)
	if err != nil {
		return refuse("go-jose: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return refuse("not exactly one signature")
	}
	h := jws.Signatures[0].Protected
	if h.KeyID == "" {
		return refuse("no kid")
	}
	keys := c.Keys.Key(h.KeyID)
	if len(keys) != 1 {
		return refuse("kid names %d keys", len(keys))
	}
	k := keys[0]
	if k.Algorithm != h.Algorithm {
		return refuse("alg %q is not the key's %q", h.Algorithm, k.Algorithm)
	}
	// The protected header as JSON, for what go-jose does not surface.
	hdrSeg, _, _ := strings.Cut(token, ".")
	hdrJSON, err := base64.RawURLEncoding.DecodeString(hdrSeg)
	if err != nil {
		return refuse("header segment: %v", err)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(hdrJSON, &hdr); err != nil {
		return refuse("header JSON: %v", err)
	}
	for _, m := range []string{"crit", "jku", "jwk", "x5u", "x5c", "b64", "zip", "enc"} {
		if _, ok := hdr[m]; ok {
			return refuse("header member %s", m)
		}
	}
	var typ string
	if json.Unmarshal(hdr["typ"], &typ) != nil {
		return refuse("typ is not a string")
	}
	if t := strings.ToLower(typ); t != "at+jwt" && t != "application/at+jwt" {
		return refuse("typ %q", typ)
	}
	payload, err := jws.Verify(k.Key)
	if err != nil {
		return refuse("go-jose verify: %v", err)
	}
	return checkClaimsIndep(c, payload, now)
}

// checkClaimsIndep applies the claim rules of ABI.md to a verified payload.
func checkClaimsIndep(c *indepConfig, payload []byte, now int64) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var cl map[string]any
	if err := dec.Decode(&cl); err != nil {
		return refuse("claims JSON: %v", err)
	}
	if dec.More() {
		return refuse("claims: trailing data")
	}
	str := func(name string) (string, bool) { s, ok := cl[name].(string); return s, ok }
	integer := func(name string) (int64, bool, error) {
		v, present := cl[name]
		if !present {
			return 0, false, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return 0, true, refuse("%s is not a number", name)
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return 0, true, refuse("%s is not an int64 integer", name)
		}
		return i, true, nil
	}
	if iss, ok := str("iss"); !ok || iss != c.Issuer {
		return refuse("iss")
	}
	if !audOK(cl["aud"], c.Audiences) {
		return refuse("aud")
	}
	sub, ok := str("sub")
	if !ok || sub == "" {
		return refuse("sub")
	}
	jti, ok := str("jti")
	if !ok || jti == "" || len(jti) > 128 {
		return refuse("jti")
	}
	sid, hasSID := cl["sid"]
	if hasSID {
		if s, ok := sid.(string); !ok || s == "" || len(s) > 128 {
			return refuse("sid")
		}
	}
	if s, present := cl["scope"]; present {
		if _, ok := s.(string); !ok {
			return refuse("scope is not a string")
		}
	}
	exp, hasExp, err := integer("exp")
	if err != nil || !hasExp {
		return refuse("exp: %v", err)
	}
	iat, hasIat, err := integer("iat")
	if err != nil || !hasIat {
		return refuse("iat: %v", err)
	}
	nbf, hasNbf, err := integer("nbf")
	if err != nil {
		return err
	}
	l := *c.LeewaySeconds
	switch {
	case exp <= sat(now, -l):
		return refuse("expired")
	case hasNbf && nbf > sat(now, l):
		return refuse("nbf in the future")
	case iat > sat(now, l):
		return refuse("iat in the future")
	case iat > exp:
		return refuse("iat after exp")
	case exp-iat > *c.MaxLifetimeSeconds || exp-iat < 0: // iat <= exp, so only overflow makes it negative
		return refuse("lifetime")
	}
	for _, r := range c.Revoked {
		if r.JTI == jti {
			return refuse("revoked")
		}
	}
	for _, r := range c.RevokedSessions {
		if hasSID && r.SID == sid {
			return refuse("session revoked")
		}
	}
	if cut, ok := c.SubjectsValidAfter[sub]; ok && iat < cut {
		return refuse("subject cut off")
	}
	return nil
}

func audOK(v any, want []string) bool {
	has := func(s string) bool {
		for _, w := range want {
			if s == w {
				return true
			}
		}
		return false
	}
	switch a := v.(type) {
	case string:
		return has(a)
	case []any:
		found := false
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return false
			}
			found = found || has(s)
		}
		return found
	}
	return false
}

// sat adds without overflowing.
func sat(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}
