package origin

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Input limits shared by every store implementation (SQLite, PostgreSQL), so
// that the rules live in one place and both backends accept exactly the same
// input.
const (
	MinPasswordLen = 8   // bytes
	MaxPasswordLen = 72  // bytes: bcrypt reads no further, and we never truncate
	MaxEmailLen    = 254 // bytes (RFC 5321 path limit)
	MinNameLen     = 1   // characters
	MaxNameLen     = 200 // characters
)

// emailDomain maps and checks an email's domain: the UTS #46 mapping for
// lookup (case folding, width, NFC), IDNA 2008 label rules, host-name
// characters only, and DNS lengths (labels of 63 bytes, 253 in all). A
// Profile is immutable, so one value serves every call.
var emailDomain = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true), idna.Transitional(false))

// NormalizeEmail returns the one stored form of an email address, so that
// addresses a person cannot tell apart are one account: fullwidth forms
// folded to their ASCII counterparts ("ａｌｉｃｅ＠example.com"), surrounding
// space trimmed, the local part lower-cased and in Unicode NFC, and the
// domain in lower-case ASCII (IDNA 2008 / UTS #46 lookup: "Bücher.de" is
// "xn--bcher-kva.de"). It then checks that the result is a bare addr-spec:
// net/mail must parse it back to exactly itself, so display names
// ("Bob <b@x.io>"), comments and angle brackets are refused; the domain must
// be a valid host name with a dot; no control or format characters (bidi
// controls, zero-width characters) anywhere. EINVALID otherwise.
func NormalizeEmail(s string) (string, error) {
	// Check UTF-8 first: ToLower would silently turn invalid bytes into U+FFFD.
	if !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "email must be valid UTF-8")
	}
	e := strings.ToLower(strings.TrimSpace(width.Fold.String(s)))
	at := strings.LastIndexByte(e, '@')
	if e == "" || len(e) > 4*MaxEmailLen || at <= 0 || at == len(e)-1 {
		return "", Errorf(EINVALID, "email must be a valid address of at most %d bytes", MaxEmailLen)
	}
	local := norm.NFC.String(e[:at])
	if hasHiddenRunes(local) {
		return "", Errorf(EINVALID, "email must not contain control, bidi or zero-width characters")
	}
	domain, err := emailDomain.ToASCII(e[at+1:])
	if err != nil || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", Errorf(EINVALID, "email must be a valid address with a domain")
	}
	e = local + "@" + domain
	if len(e) > MaxEmailLen {
		return "", Errorf(EINVALID, "email must be a valid address of at most %d bytes", MaxEmailLen)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return "", Errorf(EINVALID, "email must be a valid address, without a display name")
	}
	return e, nil
}

// ValidatePassword enforces MinPasswordLen..MaxPasswordLen bytes. A longer
// password is refused rather than silently truncated by bcrypt.
func ValidatePassword(p string) error {
	if len(p) < MinPasswordLen || len(p) > MaxPasswordLen {
		return Errorf(EINVALID, "password must be %d to %d bytes long", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// NormalizeName trims a display name and checks MinNameLen..MaxNameLen
// characters without hidden ones (see hasHiddenRunes): they are refused,
// not stripped, so what is stored is what was sent.
func NormalizeName(s string) (string, error) {
	n, ok := normalizeText(s, MinNameLen, MaxNameLen)
	if !ok {
		return "", Errorf(EINVALID, "name must be %d to %d characters, without control, bidi or zero-width characters", MinNameLen, MaxNameLen)
	}
	return n, nil
}

// NormalizeTitle trims a todo title and checks MinTitleLen..MaxTitleLen
// characters without hidden ones (see hasHiddenRunes), refused like a
// name's. Trimming first means a title of
// only spaces is empty, hence refused.
func NormalizeTitle(s string) (string, error) {
	t, ok := normalizeText(s, MinTitleLen, MaxTitleLen)
	if !ok {
		return "", Errorf(EINVALID, "title must be %d to %d characters, without control, bidi or zero-width characters", MinTitleLen, MaxTitleLen)
	}
	return t, nil
}

func normalizeText(s string, minLen, maxLen int) (string, bool) {
	t := strings.TrimSpace(s)
	if !utf8.ValidString(t) {
		return "", false
	}
	n := utf8.RuneCountInString(t)
	if n < minLen || n > maxLen {
		return "", false
	}
	if hasHiddenRunes(t) {
		return "", false
	}
	return t, true
}

// hiddenRunes are what a reader cannot see but a renderer obeys: control
// characters (Cc), format characters (Cf: the bidi controls U+202A..U+202E,
// U+2066..U+2069, U+200E/U+200F, U+061C, the zero-width U+200B..U+200D,
// U+2060, U+FEFF, the soft hyphen, ...) and the line and paragraph
// separators (Zl, Zp). A right-to-left override makes "txt.exe" read as
// "exe.txt"; zero-width characters make two names that look alike differ.
// The cost: emoji joined by U+200D (family emoji) are refused too.
var hiddenRunes = []*unicode.RangeTable{unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp}

// hasHiddenRunes reports whether s holds a rune of hiddenRunes.
func hasHiddenRunes(s string) bool {
	for _, r := range s {
		if unicode.IsOneOf(hiddenRunes, r) {
			return true
		}
	}
	return false
}
