package edgeauth

import (
	"bytes"
	"slices"

	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// The Request document: {"method":"GET","path":"/x","headers":{"authorization":["Bearer ..."]},"now":1700000000}.
// method and path are required strings; headers maps names to arrays of
// strings (null is an empty array); now is an optional integer (null is
// absent). Unknown members are ignored so that hosts may pass more.

// leanRequest is what a check needs from a Request document. parse fills it
// and the scratch buffers (method, path, first Authorization value) without
// building a map or allocating strings.
type leanRequest struct {
	nAuth  int
	now    int64
	hasNow bool
}

func (r *leanRequest) parse(b []byte, s *scratch) error {
	if r.parseCanonical(b, s) {
		return nil
	}
	return r.parseGeneral(b, s)
}

// parseGeneral reads any Request document with the strict parser.
func (r *leanRequest) parseGeneral(b []byte, s *scratch) error {
	doc, err := jsonx.Parse(b)
	if err != nil {
		return requestErr("not strict JSON (" + err.Error() + ")")
	}
	if doc.Kind() != jsonx.Object {
		return requestErr("a request must be a JSON object")
	}
	var hasMethod, hasPath bool
	s.cred = s.cred[:0]
	for it := doc.Object(); it.Next(); {
		v := it.Value()
		switch string(it.Key()) {
		case "method":
			if s.method, hasMethod = v.AppendText(s.method[:0]); !hasMethod {
				return requestErr("method must be a string")
			}
		case "path":
			if s.path, hasPath = v.AppendText(s.path[:0]); !hasPath {
				return requestErr("path must be a string")
			}
		case "headers":
			if err := r.headers(v, s); err != nil {
				return err
			}
		case "now":
			if v.IsNull() {
				continue
			}
			if r.now, err = v.Int64(); err != nil {
				return requestErr("now must be an integer")
			}
			r.hasNow = true
		}
	}
	if !hasMethod || !hasPath {
		return requestErr("method and path are required")
	}
	return nil
}

// The shapes AppendRequestJSON gives a request with no header or one
// Authorization value, with or without a clock: what hosts send on every
// call. parseCanonical reads them in one pass, where the general parser
// validates the document and then walks it again member by member; in wasm
// the Request was a sizeable part of a full check.
const (
	canonMethod = `{"method":"`
	canonPath   = `","path":"`
	canonAuth   = `","headers":{"authorization":["`
	canonNow    = `,"now":`
)

// parseCanonical fills r and s from b and reports true if b has one of the
// canonical shapes with every string plain (see jsonx.PlainPrefix), in
// which case the general parser would read the very same values; for
// anything else it reports false and leaves the general parser to judge.
func (r *leanRequest) parseCanonical(b []byte, s *scratch) bool {
	rest, ok := bytes.CutPrefix(b, []byte(canonMethod))
	if !ok {
		return false
	}
	n := jsonx.PlainPrefix(rest)
	method := rest[:n]
	if rest, ok = bytes.CutPrefix(rest[n:], []byte(canonPath)); !ok {
		return false
	}
	n = jsonx.PlainPrefix(rest)
	path := rest[:n]
	rest = rest[n:]
	var cred []byte
	nAuth := 0
	if rest, ok = bytes.CutPrefix(rest, []byte(canonAuth)); ok {
		n = jsonx.PlainPrefix(rest)
		cred = rest[:n]
		if rest, ok = bytes.CutPrefix(rest[n:], []byte(`"]}`)); !ok {
			return false
		}
		nAuth = 1
	} else if rest, ok = bytes.CutPrefix(rest, []byte(`"`)); !ok {
		return false
	}
	var now int64
	hasNow := false
	if num, ok := bytes.CutPrefix(rest, []byte(canonNow)); ok {
		// The number runs to the closing brace; the strict parser judges it.
		end := bytes.IndexByte(num, '}')
		if end < 0 {
			return false
		}
		v, err := jsonx.Parse(num[:end])
		if err != nil || v.Kind() != jsonx.Number || len(v.Raw()) != end {
			return false
		}
		if now, err = v.Int64(); err != nil {
			return false
		}
		hasNow, rest = true, num[end:]
	}
	if string(rest) != "}" {
		return false
	}
	r.nAuth, r.now, r.hasNow = nAuth, now, hasNow
	s.method = append(s.method[:0], method...)
	s.path = append(s.path[:0], path...)
	s.cred = append(s.cred[:0], cred...)
	return true
}

// headers checks that every header is an array of strings (or null) and
// keeps the first Authorization value and their count.
func (r *leanRequest) headers(v jsonx.Value, s *scratch) error {
	if v.IsNull() {
		return nil
	}
	if v.Kind() != jsonx.Object {
		return requestErr("headers must be an object of arrays of strings")
	}
	for it := v.Object(); it.Next(); {
		isAuth := string(it.Key()) == "authorization"
		vals := it.Value()
		if vals.IsNull() {
			continue
		}
		if vals.Kind() != jsonx.Array {
			return requestErr("headers must be an object of arrays of strings")
		}
		for e := vals.Array(); e.Next(); {
			if e.Value().Kind() != jsonx.String {
				return requestErr("headers must be an object of arrays of strings")
			}
			if isAuth {
				if r.nAuth == 0 {
					s.cred, _ = e.Value().AppendText(s.cred[:0])
				}
				r.nAuth++
			}
		}
	}
	return nil
}

// ParseRequestJSON strictly decodes a Request document (the rules of
// AuthorizeJSON). Errors wrap ErrMalformedRequest.
func ParseRequestJSON(b []byte) (Request, error) {
	doc, err := jsonx.Parse(b)
	if err != nil {
		return Request{}, requestErr("not strict JSON (" + err.Error() + ")")
	}
	if doc.Kind() != jsonx.Object {
		return Request{}, requestErr("a request must be a JSON object")
	}
	var req Request
	var hasMethod, hasPath bool
	for it := doc.Object(); it.Next(); {
		v := it.Value()
		switch string(it.Key()) {
		case "method":
			if req.Method, hasMethod = v.Text(); !hasMethod {
				return Request{}, requestErr("method must be a string")
			}
		case "path":
			if req.Path, hasPath = v.Text(); !hasPath {
				return Request{}, requestErr("path must be a string")
			}
		case "headers":
			if v.IsNull() {
				continue
			}
			if v.Kind() != jsonx.Object {
				return Request{}, requestErr("headers must be an object of arrays of strings")
			}
			req.Headers = map[string][]string{}
			for h := v.Object(); h.Next(); {
				var vals []string
				if !h.Value().IsNull() {
					var ok bool
					if vals, ok = stringList(h.Value()); !ok {
						return Request{}, requestErr("headers must be an object of arrays of strings")
					}
				}
				req.Headers[string(h.Key())] = vals
			}
		case "now":
			if v.IsNull() {
				continue
			}
			n, err := v.Int64()
			if err != nil {
				return Request{}, requestErr("now must be an integer")
			}
			req.Now = &n
		}
	}
	if !hasMethod || !hasPath {
		return Request{}, requestErr("method and path are required")
	}
	return req, nil
}

// AppendRequestJSON appends r as a Request document. Header names are
// written in sorted order so that equal Requests give equal bytes.
func AppendRequestJSON(dst []byte, r *Request) []byte {
	dst = append(dst, `{"method":`...)
	dst = jsonx.AppendString(dst, r.Method)
	dst = append(dst, `,"path":`...)
	dst = jsonx.AppendString(dst, r.Path)
	if len(r.Headers) > 0 {
		names := make([]string, 0, len(r.Headers))
		for name := range r.Headers {
			names = append(names, name)
		}
		slices.Sort(names)
		dst = append(dst, `,"headers":{`...)
		for i, name := range names {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonx.AppendString(dst, name)
			dst = append(dst, ':')
			dst = jsonx.AppendStrings(dst, r.Headers[name])
		}
		dst = append(dst, '}')
	}
	if r.Now != nil {
		dst = append(dst, `,"now":`...)
		dst = jsonx.AppendInt(dst, *r.Now)
	}
	return append(dst, '}')
}
