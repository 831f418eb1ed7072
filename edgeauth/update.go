package edgeauth

import (
	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// compileRevocations reads a Config's revoked, revoked_sessions and
// subjects_valid_after. Every entry is kept: an entry may be forgotten once
// it can refuse no token, but that depends on the clock of each request
// (requests may carry their own now), and the publisher already drops
// expired entries. Only Update forgets, against the module's clock.
func (p *policy) compileRevocations(revoked, sessions, validAfter jsonx.Value) error {
	r := newRevocations()
	r.jtis.init(count(revoked))
	r.sids.init(count(sessions))
	r.subjects.init(count(validAfter))
	var buf []byte
	if err := readRevocations(revoked, jtiList, "", r, &buf, r.jtis.put); err != nil {
		return err
	}
	if err := readRevocations(sessions, sidList, "", r, &buf, r.sids.put); err != nil {
		return err
	}
	if err := readCutoffs(validAfter, "", r, r.subjects.put); err != nil {
		return err
	}
	p.rev = r
	return nil
}

// count estimates the number of elements or members of v (0 for a
// scalar) from the size of the first few, to size a table before filling
// it: exact for up to countSample entries, else off by the spread of entry
// sizes (small: a control plane writes them alike). Growing a table step
// by step instead measured 20% more peak memory at 100,000 entries, and
// counting them all costs one more walk over the entries.
func count(v jsonx.Value) int {
	it := v.Array()
	if v.Kind() == jsonx.Object {
		it = v.Object()
	}
	raw := v.Raw()
	n := 0
	for it.Next() {
		if n++; n == countSample {
			e := it.Value().Raw()
			span := cap(raw) - cap(e) + len(e) // where the sample ends in raw
			return len(raw) * n / span
		}
	}
	return n
}

// countSample is how many entries count looks at.
const countSample = 16

// revocationList describes one kind of revocation list.
type revocationList struct {
	member, name string // "revoked", "jti"
	maxBytes     int    // 0: no bound beyond non-empty
	rule         string // what a name must be
}

var (
	jtiList = revocationList{"revoked", "jti", 0, "a non-empty string"}
	sidList = revocationList{"revoked_sessions", "sid", maxSIDBytes, "a non-empty string of at most 128 bytes"}
)

// readRevocations validates a list [{"<name>": string, "exp": integer}]
// (absent or null is empty) and hands each entry's digest and exp to put.
// buf is scratch space for unescaping names, reused across entries. Errors
// are prefixed with prefix ("update: " for an Update).
func readRevocations(v jsonx.Value, l revocationList, prefix string, r *revocations, buf *[]byte, put func(digest, int64)) error {
	if v.Kind() == jsonx.Invalid || v.IsNull() {
		return nil
	}
	if v.Kind() != jsonx.Array {
		return configErr(prefix + l.member + " must be an array")
	}
	for it := v.Array(); it.Next(); {
		e := it.Value()
		if e.Kind() != jsonx.Object {
			return configErr(prefix + l.member + `: every entry must be {"` + l.name + `":...,"exp":...}`)
		}
		var exp int64
		var hasName, hasExp bool
		for m := e.Object(); m.Next(); {
			switch string(m.Key()) {
			case l.name:
				var ok bool
				*buf, ok = m.Value().AppendText((*buf)[:0])
				if !ok || len(*buf) == 0 || (l.maxBytes > 0 && len(*buf) > l.maxBytes) {
					return configErr(prefix + l.member + ": " + l.name + " must be " + l.rule)
				}
				hasName = true
			case "exp":
				var err error
				if exp, err = m.Value().Int64(); err != nil {
					return configErr(prefix + l.member + ": exp must be an integer")
				}
				hasExp = true
			default:
				return configErr(prefix + l.member + ": unknown member " + quoteName(string(m.Key())))
			}
		}
		if !hasName || !hasExp {
			return configErr(prefix + l.member + ": every entry needs " + l.name + " and exp")
		}
		put(r.digest(*buf), exp)
	}
	return nil
}

// readCutoffs validates subjects_valid_after (absent or null is empty) and
// hands each subject's digest and cutoff to put.
func readCutoffs(v jsonx.Value, prefix string, r *revocations, put func(digest, int64)) error {
	if v.Kind() == jsonx.Invalid || v.IsNull() {
		return nil
	}
	if v.Kind() != jsonx.Object {
		return configErr(prefix + "subjects_valid_after must be an object of subject to unix seconds")
	}
	for it := v.Object(); it.Next(); {
		n, err := it.Value().Int64()
		if err != nil || len(it.Key()) == 0 {
			return configErr(prefix + "subjects_valid_after must map non-empty subjects to integer unix seconds")
		}
		put(r.digest(it.Key()), n)
	}
	return nil
}

// parseUpdate validates a whole Update document against the revocations r
// of the policy in force and returns its entries, none applied yet, so
// that a rejected Update changes nothing.
func parseUpdate(b []byte, r *revocations) ([]pending, error) {
	const prefix = "update: "
	doc, err := jsonx.Parse(b)
	if err != nil {
		return nil, configErr(prefix + "not strict JSON (" + err.Error() + ")")
	}
	if doc.Kind() != jsonx.Object {
		return nil, configErr(prefix + "an update must be a JSON object")
	}
	var revoked, sessions, validAfter jsonx.Value
	for it := doc.Object(); it.Next(); {
		switch name := string(it.Key()); name {
		case "revoked":
			revoked = it.Value()
		case "revoked_sessions":
			sessions = it.Value()
		case "subjects_valid_after":
			validAfter = it.Value()
		default:
			return nil, configErr(prefix + "unknown member " + quoteName(name))
		}
	}
	var entries []pending
	var buf []byte
	to := func(s *entrySet) func(digest, int64) {
		return func(d digest, v int64) { entries = append(entries, pending{s, d, v}) }
	}
	if err := readRevocations(revoked, jtiList, prefix, r, &buf, to(&r.jtis)); err != nil {
		return nil, err
	}
	if err := readRevocations(sessions, sidList, prefix, r, &buf, to(&r.sids)); err != nil {
		return nil, err
	}
	if err := readCutoffs(validAfter, prefix, r, to(&r.subjects)); err != nil {
		return nil, err
	}
	return entries, nil
}
