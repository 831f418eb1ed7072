package controlplane

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
)

// publishable reports whether a verifying key may leave the origin: never
// a symmetric ("oct") key, whatever its alg says.
func publishable(k edgeauth.JWK) bool { return k.Kty != "oct" && k.K == "" && k.Alg != origin.AlgHS256 }

// publicDocument renders the documents that hold no revocations: the JWKS
// and the public subset of the edge config (keys and routes; no revoked
// tokens or sessions, no subject cutoffs, which name user ids). It also
// returns when the keys change by the mere passing of time (a retiring
// key's retire_at; zero: never).
func (c *ControlPlane) publicDocument(keys []origin.VerifyingKey) (*origin.EdgeDocument, time.Time, error) {
	var next time.Time
	public := make([]edgeauth.JWK, 0, len(keys))
	for _, k := range keys {
		if publishable(k.JWK) {
			public = append(public, k.JWK)
		}
		if k.RetireAt != nil && (next.IsZero() || k.RetireAt.Before(next)) {
			next = *k.RetireAt
		}
	}
	slices.SortFunc(public, func(a, b edgeauth.JWK) int { return cmp.Compare(a.Kid, b.Kid) })
	cfg, err := c.config(snapshot{keys: public})
	if err != nil {
		return nil, time.Time{}, err
	}
	jwks, err := json.Marshal(edgeauth.JWKS{Keys: public})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("controlplane: jwks: %w", err)
	}
	return &origin.EdgeDocument{Config: cfg, ConfigETag: etag(cfg), JWKS: jwks, JWKSETag: etag(jwks)}, next, nil
}

// config renders one ABI v1 Config. Every list is sorted (keys by kid,
// revocations by jti and sid; encoding/json sorts map keys), so the same
// state gives the same bytes, hence the same ETag.
func (c *ControlPlane) config(s snapshot) ([]byte, error) {
	leeway := int64(c.opts.Leeway / time.Second)
	keys := slices.SortedFunc(slices.Values(s.keys), func(a, b edgeauth.JWK) int { return cmp.Compare(a.Kid, b.Kid) })
	var algs []string
	for _, k := range keys {
		if !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	slices.Sort(algs)
	slices.SortFunc(s.legacy, func(a, b edgeauth.Revocation) int { return cmp.Compare(a.JTI, b.JTI) })
	slices.SortFunc(s.sessions, func(a, b edgeauth.SessionRevocation) int { return cmp.Compare(a.SID, b.SID) })
	public, routes := origin.PublishedRoutes()
	cfg := edgeauth.Config{
		Issuer:             c.opts.Issuer,
		Audiences:          c.opts.Audiences,
		Realm:              c.opts.Realm,
		Algorithms:         algs,
		LeewaySeconds:      &leeway,
		MaxLifetimeSeconds: int64(c.opts.TokenLifetime / time.Second),
		Keys:               edgeauth.JWKS{Keys: keys},
		Revoked:            s.legacy,
		SubjectsValidAfter: s.cutoffs,
		Public:             public,
		Routes:             routes,
		Default:            origin.DefaultRoute,
	}
	if len(s.sessions) > 0 { // omitted when empty: an older module rejects the member
		cfg.RevokedSessions = s.sessions
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
