// Package jsonx is a strict, reflection-free JSON (RFC 8259) reader and a
// small append-style writer.
//
// It exists so that the edgeauth module can read tokens, configs and requests
// without encoding/json: reflection makes the WASI module larger and several
// times slower, and encoding/json is lenient where a token check must not be
// (it accepts duplicate members, invalid UTF-8 and lone surrogates).
//
// Parse validates a whole document once, up front. Everything else in this
// package (Value, Iter) then walks the validated bytes without re-checking
// them, so a Value can only be obtained from Parse (or from walking a Value
// that came from Parse).
package jsonx

import (
	"encoding/binary"
	"errors"
	"sync"
	"unicode/utf8"
)

// Errors returned by Parse and Value.Int64. Callers test them with errors.Is.
var (
	ErrSyntax    = errors.New("jsonx: invalid JSON")
	ErrBOM       = errors.New("jsonx: byte order mark")
	ErrTrailing  = errors.New("jsonx: data after the value")
	ErrUTF8      = errors.New("jsonx: invalid UTF-8 or lone surrogate")
	ErrDuplicate = errors.New("jsonx: duplicate object member")
	ErrDepth     = errors.New("jsonx: nesting too deep")
	ErrNotInt    = errors.New("jsonx: not an integer that fits int64")
)

// MaxDepth is the nesting limit of Parse: a top-level object holding an
// array of objects is depth 3. Every document edgeauth reads needs at most 4;
// the limit bounds the recursion, not legitimate input.
const MaxDepth = 32

// linearKeys is the member count up to which duplicate keys are found by a
// linear scan; larger objects (a config's subjects_valid_after) use a map so
// that checking stays linear in the input size.
const linearKeys = 16

// parser validates one document. It collects the unescaped keys of the
// objects currently open in one arena, so validation allocates nothing for
// documents whose objects have at most linearKeys members.
type parser struct {
	data  []byte
	pos   int
	depth int
	arena []byte // unescaped keys of the open objects
	keys  []span // their positions in arena, innermost object last
}

type span struct{ off, end int }

// parsers recycles the key arenas: a check parses three or four small
// documents, and allocating their key lists each time costs more than the
// parse itself in wasm.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// maxRetained caps the arena a pooled parser keeps, so that one huge config
// does not pin its memory forever.
const maxRetained = 4096

func (p *parser) release() {
	if cap(p.arena) > maxRetained || cap(p.keys) > maxRetained {
		return
	}
	p.data, p.arena, p.keys = nil, p.arena[:0], p.keys[:0]
	parsers.Put(p)
}

// Parse validates b as exactly one JSON value, optionally surrounded by
// whitespace, and returns it. Beyond RFC 8259 it rejects a byte order mark,
// invalid UTF-8 (in raw bytes and in \u escapes: a lone surrogate is an
// error), duplicate object members (compared after unescaping, at every
// level) and nesting deeper than MaxDepth.
func Parse(b []byte) (Value, error) {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return Value{}, ErrBOM
	}
	p := parsers.Get().(*parser)
	defer p.release()
	p.data, p.pos, p.depth = b, 0, 0
	p.skipWS()
	start := p.pos
	if err := p.value(); err != nil {
		return Value{}, err
	}
	end := p.pos
	p.skipWS()
	if p.pos != len(b) {
		return Value{}, ErrTrailing
	}
	return Value{raw: b[start:end]}, nil
}

func (p *parser) skipWS() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() error {
	if p.pos >= len(p.data) {
		return ErrSyntax
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str(false)
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return ErrSyntax
	}
}

func (p *parser) literal(lit string) error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return ErrSyntax
	}
	p.pos += len(lit)
	return nil
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		p.digits()
	default:
		return ErrSyntax
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return ErrSyntax
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return ErrSyntax
		}
	}
	return nil
}

func (p *parser) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return ErrDepth
	}
	p.pos++ // the opening bracket
	p.skipWS()
	return nil
}

func (p *parser) array() error {
	if err := p.enter(); err != nil {
		return err
	}
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return nil
	}
	for {
		if err := p.value(); err != nil {
			return err
		}
		p.skipWS()
		if p.pos >= len(p.data) {
			return ErrSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipWS()
		case ']':
			p.pos++
			p.depth--
			return nil
		default:
			return ErrSyntax
		}
	}
}

func (p *parser) object() error {
	if err := p.enter(); err != nil {
		return err
	}
	firstKey, arenaStart := len(p.keys), len(p.arena)
	defer func() {
		p.keys, p.arena = p.keys[:firstKey], p.arena[:arenaStart]
	}()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return nil
	}
	var seen map[string]struct{} // only for objects with many members
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return ErrSyntax
		}
		off := len(p.arena)
		if err := p.str(true); err != nil {
			return err
		}
		key := p.arena[off:]
		switch n := len(p.keys) - firstKey; {
		case seen != nil:
			if _, dup := seen[string(key)]; dup {
				return ErrDuplicate
			}
			seen[string(key)] = struct{}{}
		case n < linearKeys:
			for _, k := range p.keys[firstKey:] {
				if string(p.arena[k.off:k.end]) == string(key) {
					return ErrDuplicate
				}
			}
		default:
			seen = make(map[string]struct{}, 2*linearKeys)
			for _, k := range p.keys[firstKey:] {
				seen[string(p.arena[k.off:k.end])] = struct{}{}
			}
			if _, dup := seen[string(key)]; dup {
				return ErrDuplicate
			}
			seen[string(key)] = struct{}{}
		}
		p.keys = append(p.keys, span{off, len(p.arena)})

		p.skipWS()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return ErrSyntax
		}
		p.pos++
		p.skipWS()
		if err := p.value(); err != nil {
			return err
		}
		p.skipWS()
		if p.pos >= len(p.data) {
			return ErrSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipWS()
		case '}':
			p.pos++
			p.depth--
			return nil
		default:
			return ErrSyntax
		}
	}
}

// SWAR constants: a byte value repeated in each of a word's 8 bytes.
const (
	lsbs  = 0x0101010101010101
	msbs  = 0x8080808080808080
	quote = '"' * lsbs
	bslsh = '\\' * lsbs
	space = 0x20 * lsbs
)

// plainWord reports whether all 8 bytes of w are plainByte bytes, testing
// them at once (SIMD within a register): strings are mostly long runs of
// plain bytes — a token is hundreds — and in wasm a per-byte loop costs
// several instructions a byte, a word loop an eighth of that. Each term is
// the classic exact "some byte is zero / less than n" test; a word that
// fails is rescanned byte by byte, so the result equals the table's.
func plainWord(w uint64) bool {
	hasZero := func(v uint64) uint64 { return (v - lsbs) &^ v & msbs }
	bad := w&msbs | // non-ASCII
		(w-space)&^w&msbs | // a control byte (< 0x20)
		hasZero(w^quote) | hasZero(w^bslsh)
	return bad == 0
}

// PlainPrefix returns the length of the longest prefix of b whose bytes a
// JSON string holds as they are (printable ASCII other than '"' and '\'):
// such a run between quotes is a valid string meaning exactly its bytes.
// It lets a caller recognise a document in a known, simple shape without
// the general parser.
func PlainPrefix(b []byte) int {
	i := 0
	for i+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[i:])) {
		i += 8
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

// plainByte marks the bytes a string may hold as is: printable ASCII other
// than '"' and '\'. The table keeps the hot loop to one load and one branch,
// which matters most in wasm, where every byte costs several instructions.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str validates a string starting at the opening quote; with keep it also
// appends the unescaped contents to the arena.
func (p *parser) str(keep bool) error {
	d := p.data
	i := p.pos + 1
	for {
		start := i
		for i+8 <= len(d) && plainWord(binary.LittleEndian.Uint64(d[i:])) {
			i += 8
		}
		for i < len(d) && plainByte[d[i]] {
			i++
		}
		if keep {
			p.arena = append(p.arena, d[start:i]...)
		}
		if i >= len(d) {
			return ErrSyntax
		}
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return nil
		case c < 0x20:
			return ErrSyntax
		case c == '\\':
			if i+1 >= len(d) {
				return ErrSyntax
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				if keep {
					p.arena = append(p.arena, e)
				}
				i += 2
			case 'b', 'f', 'n', 'r', 't':
				if keep {
					p.arena = append(p.arena, unescapeByte(e))
				}
				i += 2
			case 'u':
				r, n := decodeU(d[i:])
				if n == 0 {
					return ErrSyntax
				}
				if r < 0 {
					return ErrUTF8
				}
				if keep {
					p.arena = utf8.AppendRune(p.arena, r)
				}
				i += n
			default:
				return ErrSyntax
			}
		default: // non-ASCII: a whole UTF-8 sequence
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return ErrUTF8
			}
			if keep {
				p.arena = append(p.arena, d[i:i+size]...)
			}
			i += size
		}
	}
}

func unescapeByte(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return e
}

// decodeU decodes a \uXXXX escape at the start of b, and the low half that
// must follow a high surrogate. It returns the rune and the bytes consumed;
// n == 0 means bad syntax, r < 0 a lone or mismatched surrogate.
func decodeU(b []byte) (r rune, n int) {
	hi, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	switch {
	case hi < 0xD800 || hi > 0xDFFF:
		return hi, 6
	case hi >= 0xDC00: // a low half with no high half before it
		return -1, 6
	}
	if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
		return -1, 6
	}
	lo, ok := hex4(b[6:])
	if !ok {
		return 0, 0
	}
	if lo < 0xDC00 || lo > 0xDFFF {
		return -1, 12
	}
	return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00), 12
}

// hex4 reads the four hex digits of a \uXXXX escape at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
