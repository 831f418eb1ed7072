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
		// One account per address a person cannot tell apart.
		{"\uff41\uff4c\uff49\uff43\uff45@example.com", "alice@example.com"},                // fullwidth local part
		{"alice\uff20\uff25\uff38\uff21\uff2d\uff30\uff2c\uff45.com", "alice@example.com"}, // fullwidth @ and domain
		{"ada@B\u00fccher.de", "ada@xn--bcher-kva.de"},                                     // IDNA to lower-case punycode
		{"ada@xn--bcher-kva.de", "ada@xn--bcher-kva.de"},
		{"ada@bu\u0308cher.de", "ada@xn--bcher-kva.de"},     // decomposed u + diaeresis
		{"jose\u0301@example.com", "jos\u00e9@example.com"}, // NFC local part
		{"JOS\u00c9@example.com", "jos\u00e9@example.com"},
		{"\u3000a@example.com\u3000", "a@example.com"}, // ideographic spaces trimmed
		{"a\u200b@example.com", ""},                    // zero-width space
		{"a\u202e@example.com", ""},                    // right-to-left override
		{"a@exa\u200dmple.com", ""},
		{"a@exa_mple.com", ""},                            // not a host name
		{"a@xn--zz.com", ""},                              // broken punycode
		{"a@[1.2.3.4]", ""},                               // domain literals are not host names
		{"a@-example.com", ""},                            // leading hyphen
		{"a@" + strings.Repeat("\u00fc", 60) + ".de", ""}, // punycode label over 63 bytes
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

func TestHiddenCharactersRefused(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"plain", "Ada Lovelace", true},
		{"accents and scripts", "Zo\u00eb \u674e \u0639\u0644\u064a", true},
		{"emoji", "ship it \U0001F680", true},
		{"right-to-left override", "invoice\u202etxt.exe", false},
		{"left-to-right embedding", "a\u202ab", false},
		{"pop directional formatting", "a\u202c", false},
		{"first strong isolate", "a\u2068b\u2069", false},
		{"right-to-left mark", "a\u200fb", false},
		{"arabic letter mark", "a\u061cb", false},
		{"zero-width space", "Ad\u200ba", false},
		{"zero-width joiner", "Ad\u200da", false},
		{"zero-width non-joiner", "Ad\u200ca", false},
		{"word joiner", "Ad\u2060a", false},
		{"byte order mark", "\ufeffAda", false},
		{"line separator", "a\u2028b", false},
		{"paragraph separator", "a\u2029b", false},
		{"control", "a\x07b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, nerr := NormalizeName(tc.in)
			_, terr := NormalizeTitle(tc.in)
			for what, err := range map[string]error{"name": nerr, "title": terr} {
				if tc.ok && err != nil {
					t.Errorf("%s refused: %v", what, err)
				}
				if !tc.ok && ErrorCode(err) != EINVALID {
					t.Errorf("%s %q accepted", what, tc.in)
				}
			}
		})
	}
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
