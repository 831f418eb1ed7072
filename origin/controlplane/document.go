package controlplane

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// snapshot is what the store held at one build.
type snapshot struct {
	version int64
	now     time.Time
	keys    []origin.VerifyingKey
	revoked []edgeauth.Revocation
	cutoffs map[string]int64
}

// built is the outcome of one build: the published documents, the sink's
// config (which may also hold HS256 secrets) and when the content will next
// change by the mere passing of time.
type built struct {
	doc        *origin.EdgeDocument
	sinkConfig []byte
	nextChange time.Time // zero: never
}

// publishable reports whether a verifying key may leave the origin: never
// a symmetric ("oct") key, whatever its alg says.
func publishable(k edgeauth.JWK) bool { return k.Kty != "oct" && k.K == "" && k.Alg != origin.AlgHS256 }

// build renders the documents. Every list is sorted (keys by kid, revoked
// by jti; encoding/json sorts map keys), so the same store content at the
// same threshold of time gives the same bytes, hence the same ETag.
func (c *ControlPlane) build(s snapshot) (*built, error) {
	leeway := int64(c.opts.Leeway / time.Second)
	all := make([]edgeauth.JWK, 0, len(s.keys))
	public := make([]edgeauth.JWK, 0, len(s.keys))
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, k := range s.keys {
		all = append(all, k.JWK)
		if publishable(k.JWK) {
			public = append(public, k.JWK)
		}
		if k.RetireAt != nil {
			earliest(*k.RetireAt)
		}
	}
	byKid := func(a, b edgeauth.JWK) int {
		switch {
		case a.Kid < b.Kid:
			return -1
		case a.Kid > b.Kid:
			return 1
		}
		return 0
	}
	slices.SortFunc(all, byKid)
	slices.SortFunc(public, byKid)

	revoked := slices.Clone(s.revoked)
	slices.SortFunc(revoked, func(a, b edgeauth.Revocation) int {
		switch {
		case a.JTI < b.JTI:
			return -1
		case a.JTI > b.JTI:
			return 1
		}
		return 0
	})
	for _, r := range revoked {
		earliest(time.Unix(r.Exp+leeway, 0))
	}
	lifetime := int64(c.opts.TokenLifetime / time.Second)
	for _, v := range s.cutoffs {
		earliest(time.Unix(v+lifetime+leeway, 0))
	}

	published, err := c.config(public, revoked, s.cutoffs)
	if err != nil {
		return nil, err
	}
	sinkCfg, err := c.config(all, revoked, s.cutoffs)
	if err != nil {
		return nil, err
	}
	jwks, err := json.Marshal(edgeauth.JWKS{Keys: public})
	if err != nil {
		return nil, fmt.Errorf("controlplane: jwks: %w", err)
	}
	return &built{
		doc: &origin.EdgeDocument{
			Config: published, ConfigETag: etag(published),
			JWKS: jwks, JWKSETag: etag(jwks),
		},
		sinkConfig: sinkCfg,
		nextChange: next,
	}, nil
}

// config renders one ABI v1 Config with the given keys.
func (c *ControlPlane) config(keys []edgeauth.JWK, revoked []edgeauth.Revocation, cutoffs map[string]int64) ([]byte, error) {
	leeway := int64(c.opts.Leeway / time.Second)
	var algs []string
	for _, k := range keys {
		if !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	slices.Sort(algs)
	public, routes := origin.PublishedRoutes()
	cfg := edgeauth.Config{
		Issuer:             c.opts.Issuer,
		Audiences:          c.opts.Audiences,
		Realm:              c.opts.Realm,
		Algorithms:         algs,
		LeewaySeconds:      &leeway,
		MaxLifetimeSeconds: int64(c.opts.TokenLifetime / time.Second),
		Keys:               edgeauth.JWKS{Keys: keys},
		Revoked:            revoked,
		SubjectsValidAfter: cutoffs,
		Public:             public,
		Routes:             routes,
		Default:            origin.DefaultRoute,
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("controlplane: config: %w", err)
	}
	return b, nil
}

// etag is a strong ETag (RFC 9110 section 8.8.3): the quoted hex of the
// first 128 bits of the content's SHA-256, so it changes exactly when the
// bytes do.
func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
