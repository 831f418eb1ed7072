package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// redactedPassword replaces a password wherever the effective config is
// shown.
const redactedPassword = "redacted"

// MarshalJSON writes the database settings with any password in url
// replaced, so `origin config print` never shows it. (Prefer PGPASSWORD or
// a ~/.pgpass file to a password in the URL.)
func (d DatabaseConfig) MarshalJSON() ([]byte, error) {
	type plain DatabaseConfig // no MarshalJSON: no recursion
	p := plain(d)
	p.URL = redactDatabaseURL(d.URL)
	return json.Marshal(p)
}

// dsnPassword matches a password in a key=value DSN, quoted or not.
var dsnPassword = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// redactDatabaseURL hides the passwords of a postgres:// URL (user info and
// password/sslpassword parameters) or of a key=value DSN. A URL it cannot
// parse is hidden whole: being unreadable is better than leaking.
func redactDatabaseURL(s string) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		return dsnPassword.ReplaceAllString(s, "${1}="+redactedPassword)
	}
	u, err := url.Parse(s)
	if err != nil {
		return redactedPassword
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redactedPassword)
	}
	q := u.Query()
	changed := false
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Set(k, redactedPassword)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
