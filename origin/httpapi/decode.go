package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/craftingapis/todos/origin"
)

// MaxJSONDepth bounds the nesting of a request body. Every body of this API
// is a flat object (depth 1); the slack is for clear errors, not for use.
const MaxJSONDepth = 8

// Errors of request decoding, for errors.Is. Each is answered 400 except
// errBodyTooLarge (413) and errMediaType (415).
var (
	errBodyTooLarge = errors.New("request body too large")
	errMediaType    = errors.New("unsupported media type")
	errBadJSON      = errors.New("bad JSON body")
)

// decodeJSON reads r's body into dst (a pointer to a struct) strictly: the
// Content-Type must be application/json (a cross-site form post cannot then
// forge a request, and a client's mistake is named, not guessed); the body
// must be one JSON object in valid UTF-8 (no lone surrogate escapes either)
// whose member names are exactly those of dst (case-sensitively: a name
// that differs from a known one only by case or Unicode folding is refused,
// never folded onto it), with no duplicate members, no trailing data, no
// deeper nesting than MaxJSONDepth, and no more than the body limit. On failure it writes the
// problem answer (400, 413 or 415, the detail naming the member or byte at
// fault) and returns false.
func (s *server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	if err := s.readJSON(w, r, dst); err != nil {
		status := http.StatusBadRequest
		code := origin.EINVALID
		switch {
		case errors.Is(err, errBodyTooLarge):
			status, code = http.StatusRequestEntityTooLarge, origin.ETOOLARGE
		case errors.Is(err, errMediaType):
			status, code = http.StatusUnsupportedMediaType, "unsupported_media_type"
		}
		s.writeProblem(w, r, Problem{Status: status, Error: code, Detail: err.Error()}, nil)
		return false
	}
	return true
}

// readJSON does decodeJSON's work; its errors' texts are client-safe.
func (s *server) readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		return fmt.Errorf("%w: Content-Type must be application/json", errMediaType)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("%w: JSON must be UTF-8", errMediaType)
	}
	if r.ContentLength > s.maxBody {
		return fmt.Errorf("%w: the limit is %d bytes", errBodyTooLarge, s.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("%w: the limit is %d bytes", errBodyTooLarge, s.maxBody)
		}
		return fmt.Errorf("%w: the body could not be read", errBadJSON)
	}
	return decodeStrict(body, dst)
}

// decodeStrict decodes one JSON object from body into dst; see decodeJSON.
// It is separate from the HTTP plumbing so that it can be fuzzed.
func decodeStrict(body []byte, dst any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return fmt.Errorf("%w: the request body is empty; send a JSON object", errBadJSON)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("%w: the request body must be a JSON object", errBadJSON)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the request body is not valid UTF-8", errBadJSON)
	}
	if err := checkEscapes(body); err != nil {
		return err
	}
	if err := checkShape(body, memberNames(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describeJSONError(err)
	}
	return nil
}

// checkShape walks body's tokens once: it rejects malformed JSON, trailing
// data, nesting deeper than MaxJSONDepth and duplicate member names (which
// encoding/json would silently resolve to the last one, so that two parsers
// could read one body differently). When known is not nil, every member of
// the outer object must be exactly one of its names: encoding/json matches
// names to fields case-insensitively and with Unicode folding ("paſſword"
// sets Password), so a variant is refused here before it could reach a
// field, whether or not the exact name is also present. The caller has
// checked that body starts with '{'.
func checkShape(body []byte, known []string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		names  map[string]bool // nil for an array
		expect bool            // in an object: the next token is a member name
	}
	var stack []*frame
	// A wrong name is reported once the body is known to be well-formed,
	// so that malformed JSON is described as such.
	var nameErr error
	for {
		tok, err := dec.Token()
		if err != nil {
			return describeJSONError(err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.names != nil && top.expect {
			if name, ok := tok.(string); ok {
				if len(stack) == 1 && known != nil && nameErr == nil {
					nameErr = checkMemberName(name, known)
				}
				if top.names[name] {
					return fmt.Errorf("%w: member %q appears more than once", errBadJSON, name)
				}
				top.names[name] = true
				top.expect = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= MaxJSONDepth {
				return fmt.Errorf("%w: JSON nested deeper than %d levels", errBadJSON, MaxJSONDepth)
			}
			f := &frame{}
			if tok == json.Delim('{') {
				f.names, f.expect = map[string]bool{}, true
			}
			stack = append(stack, f)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				// The object is complete; only whitespace may follow.
				if _, err := dec.Token(); err != io.EOF {
					return fmt.Errorf("%w: trailing data after the JSON object", errBadJSON)
				}
				return nameErr
			}
			top = stack[len(stack)-1]
		}
		if top.names != nil {
			top.expect = true // a member's value ended: a name or '}' comes next
		}
	}
}

// checkMemberName refuses a member name that is not exactly one of known.
func checkMemberName(name string, known []string) error {
	for _, k := range known {
		if name == k {
			return nil
		}
	}
	for _, k := range known {
		// strings.EqualFold is simple Unicode case folding: the relation
		// encoding/json matches names by (ſ ~ s, K ~ k).
		if strings.EqualFold(name, k) {
			return fmt.Errorf("%w: member %q is not %q: member names are case-sensitive", errBadJSON, name, k)
		}
	}
	return fmt.Errorf("%w: unknown member %q", errBadJSON, name)
}

// memberNames returns the JSON member names of the struct dst points to,
// or nil when dst is not a pointer to a struct (then names are not checked).
func memberNames(dst any) []string {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// checkEscapes refuses a \u escape of a UTF-16 surrogate that is not one
// half of a pair ("\ud800" alone): encoding/json quietly decodes it to
// U+FFFD, so the value stored would not be the value sent. body is valid
// UTF-8; malformed JSON is left for checkShape to describe.
func checkEscapes(body []byte) error {
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(body) {
				return nil
			}
			if body[i+1] != 'u' {
				i++ // a one-character escape, perhaps \" or \\
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				return nil
			}
			i += 5
			switch {
			case r >= 0xdc00 && r <= 0xdfff:
				return fmt.Errorf("%w: a string holds a lone UTF-16 surrogate escape at byte %d", errBadJSON, i-5)
			case r >= 0xd800 && r <= 0xdbff:
				lo, ok := hex4(body, i+3)
				if i+2 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' || !ok || lo < 0xdc00 || lo > 0xdfff {
					return fmt.Errorf("%w: a string holds a lone UTF-16 surrogate escape at byte %d", errBadJSON, i-5)
				}
				i += 6
			}
		}
	}
	return nil
}

// hex4 reads four hex digits at body[at:].
func hex4(body []byte, at int) (rune, bool) {
	if at+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// describeJSONError turns a decoding error into a client-safe error that
// names the offending member or byte offset.
func describeJSONError(err error) error {
	if errors.Is(err, errBadJSON) {
		return err
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("%w: malformed JSON at byte %d: %s", errBadJSON, se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: malformed JSON: unexpected end of input", errBadJSON)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return fmt.Errorf("%w: member %q must be %s, not a JSON %s", errBadJSON, field, describeType(te.Type), te.Value)
	}
	// DisallowUnknownFields reports `json: unknown field "x"`; it has no type.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("%w: unknown member %s", errBadJSON, name)
	}
	return fmt.Errorf("%w: the body does not match the expected object", errBadJSON)
}

// describeType names a Go field type in JSON terms.
func describeType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a " + t.String()
}
