package jsonx

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAppendString holds AppendString, which copies the plain prefix of a
// string at once, to the byte-by-byte rule it applies to the rest (so
// PlainPrefix never passes over a byte that needs escaping), and
// checks that Parse reads back what was written.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "quote\"", "back\\slash", "\x00\x1f\x7f", "é\u2028\xff", strings.Repeat("a", 17) + "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendString([]byte("x"), s)
		if want := appendEscaped([]byte("x"), s, 0); !bytes.Equal(got, want) {
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

// BenchmarkAppendStringToken encodes an Authorization value, as a host
// does for every Request it sends the module.
func BenchmarkAppendStringToken(b *testing.B) {
	s := "Bearer " + strings.Repeat("eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImhzIn0", 6)
	var dst []byte
	for b.Loop() {
		dst = AppendString(dst[:0], s)
	}
}
