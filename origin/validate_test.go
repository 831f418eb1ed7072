package origin

import (
	"net/mail"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means refused
	}{
		{"a@example.com", "a@example.com"},
		{"  Mixed.Case+tag@Example.ORG \n", "mixed.case+tag@example.org"},
		{"Bob <bob@example.com>", ""},
		{"<bob@example.com>", ""},
		{"bob@example.com (comment)", ""},
		{"bob@localhost", ""},
		{"bob@example.", ""},
		{"@example.com", ""},
		{"bob", ""},
		{"", ""},
		{"a@b.c, d@e.f", ""},
		{strings.Repeat("a", 250) + "@x.io", ""},
		{"bob@exa\xffmple.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeEmail(tt.in)
			if tt.want == "" {
				if err == nil || ErrorCode(err) != EINVALID {
					t.Fatalf("NormalizeEmail(%q) = %q, %v; want EINVALID", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzNormalizeEmail: an accepted address is already normal (idempotent),
// lower-case, trimmed, short enough, and a bare addr-spec.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", " B@X.IO ", "Bob <b@x.io>", "\"q\"@x.io", "a@[1.2.3.4]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if again, err := NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, e, again, err)
		}
		if e != strings.ToLower(strings.TrimSpace(e)) || len(e) > MaxEmailLen {
			t.Fatalf("%q is not normal", e)
		}
		if a, err := mail.ParseAddress(e); err != nil || a.Name != "" || a.Address != e {
			t.Fatalf("%q is not a bare address", e)
		}
	})
}

func TestNormalizeTitleAndName(t *testing.T) {
	if _, err := NormalizeTitle(strings.Repeat("a", MaxTitleLen)); err != nil {
		t.Fatal(err)
	}
	if _, err := NormalizeTitle(strings.Repeat("a", MaxTitleLen+1)); ErrorCode(err) != EINVALID {
		t.Fatal("over-long title accepted")
	}
	if got, err := NormalizeName("  Ann  "); err != nil || got != "Ann" {
		t.Fatalf("NormalizeName = %q, %v", got, err)
	}
	if err := ValidatePassword(strings.Repeat("x", MaxPasswordLen+1)); ErrorCode(err) != EINVALID {
		t.Fatal("73-byte password accepted")
	}
}
