package edgeauth

import (
	"bytes"
	"slices"
	"unsafe"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// tokenInfo is what a verified token says. It is immutable once built: the
// cache shares it between checks.
type tokenInfo struct {
	sub, jti      string
	sid           string   // "" when the token has none
	scopes        []string // token order; non-nil, empty when none
	exp, iat, nbf int64
	hasNbf        bool
	// The digests of jti, sid and sub under the policy's revocation seeds,
	// taken once so that a cache hit re-checks revocations with lookups
	// alone.
	jtiDigest, sidDigest, subDigest digest
	// scopeArr backs scopes when the token has at most len(scopeArr) of
	// them, so that a verified token needs no more than this struct and one
	// string holding sub, jti and scope; both come from the check's
	// scratch blocks (newInfo, keepText), so most checks allocate neither:
	// in wasm an allocation costs more than reading the claims' numbers.
	scopeArr [4]string
}

// scratch holds per-check buffers, reused through a sync.Pool so that a check
// does not allocate for base64 decoding or header strings.
type scratch struct {
	cred    []byte // the first Authorization value
	method  []byte // the Request's method and path (ABI path only)
	path    []byte
	header  []byte
	payload []byte
	sig     []byte
	text    []byte // an unescaped header string (alg, kid, typ)
	// infos and texts are blocks that verified tokens' tokenInfos and
	// claim strings are cut from, one allocation per many checks. What is
	// handed out is never written again (a string's bytes stay as they
	// were made), and a block lives as long as anything cut from it.
	infos []tokenInfo
	texts []byte
	// dec is the Decision of the check in progress when it is not one of
	// the policy's shared denials (decide).
	dec Decision
}

// newInfo returns a zero tokenInfo cut from s's block.
func (s *scratch) newInfo() *tokenInfo {
	if len(s.infos) == 0 {
		s.infos = make([]tokenInfo, infoBlock)
	}
	t := &s.infos[0]
	s.infos = s.infos[1:]
	return t
}

// keepText returns b as a string cut from s's block of text.
func (s *scratch) keepText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(s.texts)-len(s.texts) {
		s.texts = make([]byte, 0, max(textBlock, len(b)))
	}
	n := len(s.texts)
	s.texts = append(s.texts, b...)
	// The bytes were just written past every string handed out before,
	// and nothing writes them again.
	return unsafe.String(&s.texts[n], len(b))
}

// verifyToken checks a compact JWS against the token profile (ABI.md). It
// returns the token's claims, or the first rule the token breaks; rules are
// checked cheapest first, and nothing about the claims is trusted before the
// signature is.
func (p *policy) verifyToken(tok []byte, now int64, s *scratch) (*tokenInfo, denial) {
	if int64(len(tok)) > p.maxTokenBytes {
		return nil, denyTooLarge
	}
	// A token equal byte for byte to one verified under this very policy
	// passed every check but the clock's, shape included. Looking it up
	// before the shape scan spares a hit the per-byte loop, a large part
	// of a hit's cost in wasm.
	if t, ok := p.cache.get(tok); ok {
		if d := p.checkTimes(t, now); d != denyNone {
			return nil, d
		}
		// An Update since the token was cached may have revoked it.
		return t, p.rev.refuses(t)
	}
	// Shape before any decoding: exactly two dots and no empty part. The
	// dots are found with bytes.IndexByte (assembly natively, a tight
	// built-in loop in wasm) rather than a Go loop over every byte; the
	// charset is checked by the strict decoding of all three parts just
	// below, before anything else is looked at, so a third dot or any byte
	// outside base64url is still refused as malformed.
	dot1 := bytes.IndexByte(tok, '.')
	if dot1 <= 0 {
		return nil, denyMalformed
	}
	dot2 := bytes.IndexByte(tok[dot1+1:], '.')
	if dot2 <= 0 {
		return nil, denyMalformed
	}
	dot2 += dot1 + 1
	if dot2 == len(tok)-1 {
		return nil, denyMalformed
	}

	var ok bool
	if s.header, ok = appendB64(s.header[:0], tok[:dot1]); !ok {
		return nil, denyMalformed
	}
	if s.payload, ok = appendB64(s.payload[:0], tok[dot1+1:dot2]); !ok {
		return nil, denyMalformed
	}
	if s.sig, ok = appendB64(s.sig[:0], tok[dot2+1:]); !ok {
		return nil, denyMalformed
	}
	k, d := p.checkHeader(s.header, s)
	if d != denyNone {
		return nil, d
	}
	if !k.verify(tok[:dot2], s.sig) {
		return nil, denySignature
	}
	t, d := p.checkClaims(s.payload, now, s)
	if d != denyNone {
		return nil, d
	}
	p.cache.put(tok, t)
	return t, denyNone
}

// checkHeader applies the header rules and returns the one key named by kid.
func (p *policy) checkHeader(header []byte, s *scratch) (*key, denial) {
	if h, ok := canonicalHeader(header); ok {
		return p.headerOf(&h)
	}
	return p.checkHeaderGeneral(header, s)
}

// plainHeader is a header of exactly alg, kid and typ, each once.
type plainHeader struct {
	alg, kid, typ []byte
	// typFirst: typ came before alg, so a bad typ is reported before a
	// bad alg, as the general path reports the first bad member it meets.
	typFirst bool
}

// canonicalHeader reads a header of the shape issuers write — an object of
// exactly the members "alg", "kid" and "typ", in any order, each once,
// every string plain ASCII (jsonx.PlainPrefix), no whitespace — and
// reports false for anything else. Such a header is valid JSON meaning
// exactly those three strings, so judging them as headerOf does decides as
// the general path does; a fuzz target holds the two to the same answers.
func canonicalHeader(b []byte) (h plainHeader, ok bool) {
	var seen [3]bool
	sep := byte('{')
	for range 3 {
		if len(b) < 8 || b[0] != sep || b[1] != '"' || b[5] != '"' || b[6] != ':' || b[7] != '"' {
			return plainHeader{}, false
		}
		var field *[]byte
		var i int
		switch string(b[2:5]) {
		case "alg":
			field, i = &h.alg, 0
		case "kid":
			field, i = &h.kid, 1
		case "typ":
			field, i, h.typFirst = &h.typ, 2, !seen[0]
		default:
			return plainHeader{}, false
		}
		if seen[i] {
			return plainHeader{}, false
		}
		seen[i] = true
		b = b[8:]
		n := jsonx.PlainPrefix(b)
		*field, b = b[:n], b[n:]
		if len(b) == 0 || b[0] != '"' {
			return plainHeader{}, false
		}
		b = b[1:]
		sep = ','
	}
	if string(b) != "}" {
		return plainHeader{}, false
	}
	return h, true
}

// headerOf judges a header holding exactly alg, kid and typ as
// checkHeaderGeneral's loop and final checks do: alg and typ in the order
// they came, then the key.
func (p *policy) headerOf(h *plainHeader) (*key, denial) {
	a := parseAlg(h.alg)
	badAlg := a == 0 || a&p.algs == 0
	badTyp := !isAccessTokenType(h.typ)
	switch {
	case badTyp && (h.typFirst || !badAlg):
		return nil, denyType
	case badAlg:
		return nil, denyAlg
	}
	k := p.keyOf(h.kid)
	switch {
	case k == nil:
		return nil, denyKey
	case k.alg != a:
		return nil, denyAlg
	}
	return k, denyNone
}

// checkHeaderGeneral reads any header with the strict parser.
func (p *policy) checkHeaderGeneral(header []byte, s *scratch) (*key, denial) {
	hv, err := jsonx.Parse(header)
	if err != nil || hv.Kind() != jsonx.Object {
		return nil, denyMalformed
	}
	var a alg
	var k *key
	var hasAlg, hasKid, hasTyp bool
	for it := hv.Object(); it.Next(); {
		v := it.Value()
		switch string(it.Key()) {
		case "alg":
			if s.text, hasAlg = v.AppendText(s.text[:0]); !hasAlg {
				return nil, denyHeader
			}
			if a = parseAlg(s.text); a == 0 || a&p.algs == 0 {
				return nil, denyAlg // "none" and unknown names included
			}
		case "kid":
			if s.text, hasKid = v.AppendText(s.text[:0]); !hasKid {
				return nil, denyHeader
			}
			k = p.keyOf(s.text) // exact match, no fallback to other keys
		case "typ":
			if s.text, hasTyp = v.AppendText(s.text[:0]); !hasTyp || !isAccessTokenType(s.text) {
				return nil, denyType
			}
		case "crit", "jku", "jwk", "x5u", "x5c", "b64", "zip", "enc":
			// Extensions and key sources this verifier does not honour:
			// ignoring them would mean accepting what the issuer did not mean.
			return nil, denyHeader
		}
	}
	switch {
	case !hasAlg || !hasKid:
		return nil, denyHeader
	case !hasTyp:
		return nil, denyType
	case k == nil:
		return nil, denyKey
	case k.alg != a:
		return nil, denyAlg // alg is bound to the key
	}
	return k, denyNone
}

// isAccessTokenType accepts "at+jwt" (RFC 9068) in any case, optionally
// prefixed with "application/" (RFC 7515 section 4.1.9), with no parameters.
func isAccessTokenType(typ []byte) bool {
	const prefix, want = "application/", "at+jwt"
	if len(typ) > len(prefix) && bytes.EqualFold(typ[:len(prefix)], []byte(prefix)) {
		typ = typ[len(prefix):]
	}
	return bytes.EqualFold(typ, []byte(want))
}

// claimNames are the claims checkClaims reads, in the order it binds them.
var claimNames = [...]string{"iss", "aud", "sub", "exp", "iat", "nbf", "jti", "sid", "scope"}

// checkClaims parses the claims set and applies every claim rule.
func (p *policy) checkClaims(payload []byte, now int64, s *scratch) (*tokenInfo, denial) {
	var claims [len(claimNames)]jsonx.Value
	// Claims as issuers write them are read in one pass; any other valid
	// claims set gives the same Values through the parser.
	if !jsonx.ReadFlat(payload, claimNames[:], claims[:]) {
		cv, err := jsonx.Parse(payload)
		if err != nil || cv.Kind() != jsonx.Object {
			return nil, denyMalformed
		}
		for it := cv.Object(); it.Next(); {
			for i, name := range claimNames { // case-sensitive: "SUB" is just unknown
				if string(it.Key()) == name {
					claims[i] = it.Value()
				}
			}
		}
	}
	iss, aud, sub, exp, iat, nbf, jti, sid, scope := claims[0], claims[1], claims[2], claims[3], claims[4], claims[5], claims[6], claims[7], claims[8]
	if !iss.TextEquals(p.issuer) {
		return nil, denyIssuer
	}
	if !p.audienceMatches(aud) {
		return nil, denyAudience
	}
	t := p.cache.recycled()
	if t == nil {
		t = s.newInfo()
	}
	// sub, jti, sid and scope are unescaped into one buffer and become one
	// string; the fields are substrings of it.
	var arr [256]byte
	buf, ok := sub.AppendText(arr[:0])
	nSub := len(buf)
	if !ok || nSub == 0 {
		return nil, denyClaims
	}
	if buf, ok = jti.AppendText(buf); !ok || len(buf) == nSub || len(buf)-nSub > maxJTIBytes {
		return nil, denyClaims
	}
	nJTI := len(buf)
	if sid.Kind() != jsonx.Invalid { // optional, but never null or empty
		if buf, ok = sid.AppendText(buf); !ok || len(buf) == nJTI || len(buf)-nJTI > maxSIDBytes {
			return nil, denyClaims
		}
	}
	nSID := len(buf)
	if scope.Kind() != jsonx.Invalid {
		if buf, ok = scope.AppendText(buf); !ok {
			return nil, denyClaims
		}
	}
	text := s.keepText(buf)
	t.sub, t.jti, t.sid = text[:nSub], text[nSub:nJTI], text[nJTI:nSID]
	t.scopes = splitScopes(t.scopeArr[:0], text[nSID:])
	var err error
	if t.exp, err = exp.Int64(); err != nil {
		return nil, denyClaims
	}
	if t.iat, err = iat.Int64(); err != nil {
		return nil, denyClaims
	}
	if nbf.Kind() != jsonx.Invalid {
		if t.nbf, err = nbf.Int64(); err != nil {
			return nil, denyClaims
		}
		t.hasNbf = true
	}
	if d := p.checkTimes(t, now); d != denyNone {
		return nil, d
	}
	// exp − iat ≤ max_lifetime_seconds catches exp in milliseconds. The
	// difference is taken in uint64 because it may overflow int64.
	if t.exp < t.iat || uint64(t.exp)-uint64(t.iat) > uint64(p.maxLifetime) {
		return nil, denyLifetime
	}
	t.jtiDigest, t.subDigest = p.rev.digestString(t.jti), p.rev.digestString(t.sub)
	if t.sid != "" {
		t.sidDigest = p.rev.digestString(t.sid)
	}
	if d := p.rev.refuses(t); d != denyNone {
		return nil, d
	}
	return t, denyNone
}

// checkTimes applies the rules that depend on the clock; the cache re-runs
// them on every hit. Sums saturate so that no now or leeway can overflow.
func (p *policy) checkTimes(t *tokenInfo, now int64) denial {
	if t.exp <= satAdd(now, -p.leeway) {
		return denyExpired
	}
	latest := satAdd(now, p.leeway)
	if (t.hasNbf && t.nbf > latest) || t.iat > latest {
		return denyNotYet
	}
	return denyNone
}

func (p *policy) audienceMatches(aud jsonx.Value) bool {
	switch aud.Kind() {
	case jsonx.String:
		for _, want := range p.audiences {
			if aud.TextEquals(want) {
				return true
			}
		}
	case jsonx.Array:
		found := false
		for it := aud.Array(); it.Next(); {
			v := it.Value()
			if v.Kind() != jsonx.String {
				return false // an array of strings, nothing else
			}
			for _, want := range p.audiences {
				if !found && v.TextEquals(want) {
					found = true
				}
			}
		}
		return found
	}
	return false
}

// splitScopes appends the parts of a space-separated scope claim to dst,
// keeping token order and skipping empty parts; the parts share the
// claim's backing string. The result is never nil.
func splitScopes(dst []string, s string) []string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && (i == 0 || s[i-1] == ' ') {
			n++
		}
	}
	if n > cap(dst)-len(dst) {
		dst = slices.Grow(dst, n)
	}
	if dst == nil {
		dst = []string{}
	}
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j > i {
			dst = append(dst, s[i:j])
		}
		i = j
	}
	return dst
}

// satAdd returns a+b clamped to the int64 range.
func satAdd(a, b int64) int64 {
	c := a + b
	switch {
	case b > 0 && c < a:
		return 1<<63 - 1
	case b < 0 && c > a:
		return -1 << 63
	}
	return c
}
