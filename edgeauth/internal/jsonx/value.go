package jsonx

import (
	"bytes"
	"math"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of JSON values. Invalid is the zero Value's kind.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

// Value is one validated JSON value: a window on the bytes given to Parse.
// It is only valid while those bytes are unchanged, and it never copies them.
type Value struct {
	raw []byte
}

// Kind reports the value's JSON type.
func (v Value) Kind() Kind {
	if len(v.raw) == 0 {
		return Invalid
	}
	switch v.raw[0] {
	case 'n':
		return Null
	case 't', 'f':
		return Bool
	case '"':
		return String
	case '[':
		return Array
	case '{':
		return Object
	default:
		return Number
	}
}

// Raw returns the value's JSON text exactly as it appeared in the input.
func (v Value) Raw() []byte { return v.raw }

// IsNull reports whether the value is JSON null.
func (v Value) IsNull() bool { return v.Kind() == Null }

// Bool returns a JSON boolean; ok is false for any other kind.
func (v Value) Bool() (b, ok bool) {
	if v.Kind() != Bool {
		return false, false
	}
	return v.raw[0] == 't', true
}

// Text returns the unescaped contents of a JSON string; ok is false for any
// other kind. It allocates the returned string.
func (v Value) Text() (s string, ok bool) {
	if v.Kind() != String {
		return "", false
	}
	body := v.raw[1 : len(v.raw)-1]
	if !hasEscape(body) {
		return string(body), true
	}
	return string(unescape(make([]byte, 0, len(body)), body)), true
}

// AppendText appends the unescaped contents of a JSON string to dst; ok is
// false (and dst unchanged) for any other kind. It lets callers reuse a
// buffer instead of allocating a string.
func (v Value) AppendText(dst []byte) (out []byte, ok bool) {
	if v.Kind() != String {
		return dst, false
	}
	return unescape(dst, v.raw[1:len(v.raw)-1]), true
}

// TextEquals reports whether the value is a JSON string whose unescaped
// contents equal s. It does not allocate.
func (v Value) TextEquals(s string) bool {
	if v.Kind() != String {
		return false
	}
	body := v.raw[1 : len(v.raw)-1]
	if !hasEscape(body) {
		return string(body) == s
	}
	// Walk the escaped body rune by rune against s.
	i := 0
	var buf [utf8.UTFMax]byte
	for len(body) > 0 {
		var chunk []byte
		if body[0] == '\\' {
			var n int
			chunk, n = unescapeOne(buf[:0], body)
			body = body[n:]
		} else {
			chunk, body = body[:1], body[1:]
		}
		if len(s)-i < len(chunk) || string(chunk) != s[i:i+len(chunk)] {
			return false
		}
		i += len(chunk)
	}
	return i == len(s)
}

// Int64 returns a JSON number written as an integer: -?(0|[1-9][0-9]*) with
// no fraction and no exponent, so 1e9 and 1.0 are rejected although they are
// whole numbers. "-0" is a JSON integer and reads as 0. A value outside the
// int64 range is rejected rather than clamped. The error is ErrNotInt.
func (v Value) Int64() (int64, error) {
	if v.Kind() != Number {
		return 0, ErrNotInt
	}
	b := v.raw
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	// The limit on the magnitude: 2^63 for a negative number, 2^63-1 otherwise.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, ErrNotInt // a fraction or an exponent
		}
		d := uint64(c - '0')
		if n > (limit-d)/10 {
			return 0, ErrNotInt
		}
		n = n*10 + d
	}
	if neg {
		return int64(-n), nil //nolint:gosec // n <= 2^63 was checked above
	}
	return int64(n), nil
}

// Object returns an iterator over an object's members; over nothing for any
// other kind.
func (v Value) Object() Iter {
	if v.Kind() != Object {
		return Iter{}
	}
	return Iter{data: v.raw, pos: 1, obj: true}
}

// Array returns an iterator over an array's elements; over nothing for any
// other kind.
func (v Value) Array() Iter {
	if v.Kind() != Array {
		return Iter{}
	}
	return Iter{data: v.raw, pos: 1}
}

// Iter walks the members of an object or the elements of an array:
//
//	for it := v.Object(); it.Next(); {
//		switch string(it.Key()) { ... it.Value() ... }
//	}
type Iter struct {
	data   []byte
	pos    int
	obj    bool
	key    []byte
	keyBuf []byte
	val    Value
}

// Next advances to the next member or element and reports whether there is one.
func (it *Iter) Next() bool {
	d := it.data
	if len(d) == 0 {
		return false
	}
	pos := skipWS(d, it.pos)
	switch d[pos] {
	case '}', ']':
		it.pos = pos
		return false
	case ',':
		pos = skipWS(d, pos+1)
	}
	if it.obj {
		end := stringEnd(d, pos)
		body := d[pos+1 : end-1]
		if hasEscape(body) {
			it.keyBuf = unescape(it.keyBuf[:0], body)
			it.key = it.keyBuf
		} else {
			it.key = body
		}
		pos = skipWS(d, skipWS(d, end)+1) // past the colon
	}
	end := valueEnd(d, pos)
	it.val = Value{raw: d[pos:end]}
	it.pos = end
	return true
}

// Key returns the current member's unescaped name. It is only valid until
// the next call to Next.
func (it *Iter) Key() []byte { return it.key }

// Value returns the current member's value or the current element.
func (it *Iter) Value() Value { return it.val }

// The functions below walk bytes that Parse has validated; they do not
// re-check the grammar.

func skipWS(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string that opens at d[i].
// bytes.IndexByte is assembly natively and a tight loop in wasm; a quote is
// the end unless an odd number of backslashes precedes it.
func stringEnd(d []byte, i int) int {
	for i++; i < len(d); {
		q := bytes.IndexByte(d[i:], '"')
		if q < 0 {
			return len(d)
		}
		i += q
		n := 0
		for j := i - 1; j >= 0 && d[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
		i++
	}
	return len(d)
}

// valueEnd returns the index just past the value that starts at d[i].
func valueEnd(d []byte, i int) int {
	switch d[i] {
	case '"':
		return stringEnd(d, i)
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				i = stringEnd(d, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(d)
	default: // a literal or a number
		for ; i < len(d); i++ {
			switch d[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return len(d)
	}
}

func hasEscape(b []byte) bool { return bytes.IndexByte(b, '\\') >= 0 }

// unescape appends the unescaped form of a validated string body to dst.
func unescape(dst, body []byte) []byte {
	for len(body) > 0 {
		if body[0] != '\\' {
			i := bytes.IndexByte(body, '\\')
			if i < 0 {
				i = len(body)
			}
			dst = append(dst, body[:i]...)
			body = body[i:]
			continue
		}
		var n int
		dst, n = unescapeOne(dst, body)
		body = body[n:]
	}
	return dst
}

// unescapeOne appends the character of the validated escape at the start of
// body and returns how many bytes it took.
func unescapeOne(dst, body []byte) ([]byte, int) {
	if body[1] == 'u' {
		r, n := decodeU(body)
		return utf8.AppendRune(dst, r), n
	}
	return append(dst, unescapeByte(body[1])), 2
}
