package jsonx

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Control characters are escaped;
// so are U+2028 and U+2029, which JavaScript hosts may not accept raw in
// source text. Invalid UTF-8 becomes U+FFFD, as with encoding/json, so the
// output is always valid JSON that Parse accepts.
func AppendString(dst []byte, s string) []byte {
	// The leading run of plain bytes, usually the whole string (a token
	// is hundreds), is found a word at a time and copied at once;
	// PlainPrefix only reads the bytes.
	return appendEscaped(dst, s, PlainPrefix(unsafe.Slice(unsafe.StringData(s), len(s))))
}

// appendEscaped is AppendString once the first plain bytes of s are known:
// it escapes s byte by byte from plain on.
func appendEscaped(dst []byte, s string, plain int) []byte {
	dst = append(dst, '"')
	start := 0
	for i := plain; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendInt appends n as a JSON number.
func AppendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// AppendBool appends true or false.
func AppendBool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// AppendStrings appends a JSON array of strings; nil appends [] (not null),
// because every array edgeauth writes means "a list, possibly empty".
func AppendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, s)
	}
	return append(dst, ']')
}
