package origin

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
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

// NormalizeEmail trims and lower-cases an email address and checks that it is
// a bare addr-spec: net/mail must parse it back to exactly itself, so display
// names ("Bob <b@x.io>"), comments and angle brackets are refused, and the
// domain must contain a dot. EINVALID otherwise.
func NormalizeEmail(s string) (string, error) {
	// Check UTF-8 first: ToLower would silently turn invalid bytes into U+FFFD.
	if !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "email must be valid UTF-8")
	}
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" || len(e) > MaxEmailLen {
		return "", Errorf(EINVALID, "email must be a valid address of at most %d bytes", MaxEmailLen)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return "", Errorf(EINVALID, "email must be a valid address, without a display name")
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "", Errorf(EINVALID, "email must be a valid address with a domain")
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
// characters without control characters.
func NormalizeName(s string) (string, error) {
	n, ok := normalizeText(s, MinNameLen, MaxNameLen)
	if !ok {
		return "", Errorf(EINVALID, "name must be %d to %d characters, without control characters", MinNameLen, MaxNameLen)
	}
	return n, nil
}

// NormalizeTitle trims a todo title and checks MinTitleLen..MaxTitleLen
// characters without control characters. Trimming first means a title of
// only spaces is empty, hence refused.
func NormalizeTitle(s string) (string, error) {
	t, ok := normalizeText(s, MinTitleLen, MaxTitleLen)
	if !ok {
		return "", Errorf(EINVALID, "title must be %d to %d characters, without control characters", MinTitleLen, MaxTitleLen)
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
	for _, r := range t {
		if unicode.IsControl(r) {
			return "", false
		}
	}
	return t, true
}
