package jsonx

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAppendString holds AppendString, which copies the plain prefix of a
// string at once, to the byte-by-byte rule it applies to the rest, and
// checks that Parse reads back what was written.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "quote\"", "back\\slash", "\x00\x1f\x7f", "é\u2028\xff", strings.Repeat("a", 17) + "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendString([]byte("x"), s)
		if want := appendStringBytewise([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, byte by byte %s", s, got, want)
		}
		v, err := Parse(got[1:])
		if err != nil {
			t.Fatalf("%q: %s does not parse: %v", s, got, err)
		}
		if text, ok := v.Text(); !ok || utf8.ValidString(s) && text != s {
			t.Fatalf("%q: read back as %q", s, text)
		}
	})
}

// appendStringBytewise is AppendString without the word-at-a-time prefix.
func appendStringBytewise(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := 0
	start := 0
	for i < len(s) {
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

// BenchmarkAppendStringToken encodes an Authorization value, as a host
// does for every Request it sends the module.
func BenchmarkAppendStringToken(b *testing.B) {
	s := "Bearer " + strings.Repeat("eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImhzIn0", 6)
	var dst []byte
	for b.Loop() {
		dst = AppendString(dst[:0], s)
	}
}
