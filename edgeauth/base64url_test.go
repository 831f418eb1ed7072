package edgeauth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestAppendB64(t *testing.T) {
	tests := []struct {
		name, src string
		want      []byte // nil: refused
	}{
		{"empty", "", []byte{}},
		{"one group", "AQID", []byte{1, 2, 3}},
		{"two characters", "_w", []byte{0xff}},
		{"three characters", "__8", []byte{0xff, 0xff}},
		{"url alphabet", "-_-_", []byte{0xfb, 0xff, 0xbf}},
		{"one character", "A", nil},
		{"five characters", "AQIDB", nil},
		{"padding", "_w==", nil},
		{"standard alphabet", "+/+/", nil},
		{"bits after the last byte", "_x", nil},
		{"bits after the last two bytes", "__9", nil},
		{"newline", "AQ\nD", nil},
		{"bad byte in the tail", "AQIDA*", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("keep")
			got, ok := appendB64(bytes.Clone(prefix), tt.src)
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("the prefix was not kept: %q", got)
			}
			if ok && !bytes.Equal(got[len(prefix):], tt.want) {
				t.Fatalf("decoded %x, want %x", got[len(prefix):], tt.want)
			}
		})
	}
}

// FuzzBase64url holds appendB64 to encoding/base64's strict unpadded
// base64url, which differs only in skipping '\r' and '\n'.
func FuzzBase64url(f *testing.F) {
	for _, s := range []string{"", "AQID", "_w", "__8", "_x", "A", "+/", "AQ\nD", "eyJhbGciOiJIUzI1NiJ9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, ok := appendB64(nil, src)
		want, err := base64.RawURLEncoding.Strict().DecodeString(src)
		if strings.ContainsAny(src, "\r\n") {
			if ok {
				t.Fatalf("%q: accepted a line break", src)
			}
			return
		}
		if ok != (err == nil) || ok && !bytes.Equal(got, want) {
			t.Fatalf("%q: got %x, %v; encoding/base64: %x, %v", src, got, ok, want, err)
		}
	})
}
