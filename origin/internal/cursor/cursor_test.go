package cursor

import (
	"strings"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		created time.Time
		id      int64
	}{
		{"epoch", time.UnixMicro(0), 1},
		{"now", time.Date(2026, 3, 1, 12, 0, 0, 123_456_000, time.UTC), 42},
		{"largest", time.UnixMicro(1<<63 - 1), 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Encode(tt.created, tt.id)
			if len(s) != Len {
				t.Fatalf("len(%q) = %d, want %d", s, len(s), Len)
			}
			created, id, err := Decode(s)
			if err != nil || created != tt.created.UnixMicro() || id != tt.id {
				t.Fatalf("Decode(%q) = %d, %d, %v", s, created, id, err)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	good := Encode(time.UnixMicro(1), 1)
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"garbage", "not-a-cursor"},
		{"padded", good + "=="},
		{"standard base64 alphabet", strings.Repeat("+", Len)},
		{"truncated", good[:Len-1]},
		{"non-canonical last character", good[:Len-1] + "B"},
		{"zero id", Encode(time.UnixMicro(5), 0)},
		{"negative id", Encode(time.UnixMicro(5), -3)},
		{"negative time", Encode(time.UnixMicro(-5), 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.in)
			if err != ErrBad || origin.ErrorCode(err) != origin.EINVALID {
				t.Fatalf("Decode(%q) err = %v, want ErrBad", tt.in, err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(time.UnixMicro(1_700_000_000_000_000), 42))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AAAAAAAAAAAAAAAAAAAAAB")
	f.Fuzz(func(t *testing.T, s string) {
		created, id, err := Decode(s)
		if err != nil {
			return
		}
		// Anything accepted is canonical: it re-encodes to itself.
		if back := Encode(time.UnixMicro(created), id); back != s {
			t.Fatalf("Decode(%q) = (%d, %d) re-encodes to %q", s, created, id, back)
		}
	})
}
