package edgeauth

import (
	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// AppendDecisionJSON appends d as a Decision document, members in a fixed
// order. Empty optional members are left out, except scopes: an allowed
// Decision with a subject always carries "scopes" (an empty array when the
// token has none), so hosts can tell "no scopes" from "no token". "reason"
// comes last: it was added to ABI v1 after the others, and hosts that do
// not know it ignore it.
func AppendDecisionJSON(dst []byte, d *Decision) []byte {
	dst = append(dst, `{"allow":`...)
	dst = jsonx.AppendBool(dst, d.Allow)
	dst = append(dst, `,"status":`...)
	if st := d.Status; st >= 100 && st <= 999 {
		// Every status is three digits: no call into strconv for it.
		dst = append(dst, byte('0'+st/100), byte('0'+st/10%10), byte('0'+st%10))
	} else {
		dst = jsonx.AppendInt(dst, int64(st))
	}
	if d.Subject != "" {
		dst = append(dst, `,"subject":`...)
		dst = jsonx.AppendString(dst, d.Subject)
	}
	if d.Scopes != nil || (d.Allow && d.Subject != "") {
		dst = append(dst, `,"scopes":`...)
		dst = jsonx.AppendStrings(dst, d.Scopes)
	}
	if d.JTI != "" {
		dst = append(dst, `,"jti":`...)
		dst = jsonx.AppendString(dst, d.JTI)
	}
	if d.SID != "" {
		dst = append(dst, `,"sid":`...)
		dst = jsonx.AppendString(dst, d.SID)
	}
	if d.ExpiresAt != 0 {
		dst = append(dst, `,"expires_at":`...)
		dst = jsonx.AppendInt(dst, d.ExpiresAt)
	}
	if d.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = jsonx.AppendString(dst, d.Error)
	}
	if d.ErrorDescription != "" {
		dst = append(dst, `,"error_description":`...)
		dst = jsonx.AppendString(dst, d.ErrorDescription)
	}
	if d.WWWAuthenticate != "" {
		dst = append(dst, `,"www_authenticate":`...)
		dst = jsonx.AppendString(dst, d.WWWAuthenticate)
	}
	if d.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = jsonx.AppendString(dst, d.Reason)
	}
	return append(dst, '}')
}

// ParseDecisionJSON strictly decodes a Decision document: allow and status
// are required, every member has its type, and "scopes":[] gives a non-nil
// empty slice. Unknown members are ignored, so that a host keeps working
// with a newer module. "reason" is kept whatever its value (Reason judges
// it). Errors wrap ErrMalformedDecision.
func ParseDecisionJSON(b []byte) (Decision, error) {
	if d, ok := parseCanonicalDecision(b); ok {
		return d, nil
	}
	return parseDecisionGeneral(b)
}

// parseDecisionGeneral is ParseDecisionJSON for any document, with the
// strict parser.
func parseDecisionGeneral(b []byte) (Decision, error) {
	doc, err := jsonx.Parse(b)
	if err != nil {
		return Decision{}, decisionErr("not strict JSON (" + err.Error() + ")")
	}
	if doc.Kind() != jsonx.Object {
		return Decision{}, decisionErr("a decision must be a JSON object")
	}
	var d Decision
	var hasAllow, hasStatus bool
	for it := doc.Object(); it.Next(); {
		v := it.Value()
		ok := true
		switch name := string(it.Key()); name {
		case "allow":
			d.Allow, ok = v.Bool()
			hasAllow = true
		case "status":
			n, err := v.Int64()
			ok = err == nil && n >= 100 && n <= 599
			d.Status, hasStatus = int(n), true
		case "subject":
			d.Subject, ok = v.Text()
		case "scopes":
			d.Scopes, ok = stringList(v)
		case "jti":
			d.JTI, ok = v.Text()
		case "sid":
			d.SID, ok = v.Text()
		case "expires_at":
			d.ExpiresAt, err = v.Int64()
			ok = err == nil
		case "error":
			d.Error, ok = v.Text()
		case "error_description":
			d.ErrorDescription, ok = v.Text()
		case "www_authenticate":
			d.WWWAuthenticate, ok = v.Text()
		case "reason":
			d.Reason, ok = reasonText(v)
		}
		if !ok {
			return Decision{}, decisionErr("member " + quoteName(string(it.Key())) + " has the wrong type")
		}
	}
	if !hasAllow || !hasStatus {
		return Decision{}, decisionErr("allow and status are required")
	}
	if d.Allow != (d.Status == 200) {
		return Decision{}, decisionErr("allow must be true exactly when status is 200")
	}
	return d, nil
}

// AppendConfigureResultJSON appends the result document of
// edgeauth_configure: {"ok":true}, or {"ok":false,"error":"..."}.
func AppendConfigureResultJSON(dst []byte, err error) []byte {
	if err == nil {
		return append(dst, `{"ok":true}`...)
	}
	dst = append(dst, `{"ok":false,"error":`...)
	dst = jsonx.AppendString(dst, err.Error())
	return append(dst, '}')
}

// ParseConfigureResultJSON decodes a result document of edgeauth_configure.
// It returns nil for {"ok":true}; for {"ok":false,...} an error wrapping
// ErrInvalidConfig that carries the module's message; for anything else an
// error wrapping ErrMalformedDecision (the module did not speak ABI v1).
func ParseConfigureResultJSON(b []byte) error {
	doc, err := jsonx.Parse(b)
	if err != nil || doc.Kind() != jsonx.Object {
		return decisionErr("configure result: not a strict JSON object")
	}
	var ok, hasOK bool
	var msg string
	for it := doc.Object(); it.Next(); {
		switch string(it.Key()) {
		case "ok":
			if ok, hasOK = it.Value().Bool(); !hasOK {
				return decisionErr("configure result: ok must be a boolean")
			}
		case "error":
			var isText bool
			if msg, isText = it.Value().Text(); !isText {
				return decisionErr("configure result: error must be a string")
			}
		}
	}
	switch {
	case !hasOK:
		return decisionErr("configure result: ok is required")
	case ok:
		return nil
	}
	return &moduleConfigError{msg: msg}
}

// moduleConfigError is a Config rejection reported by a module; its message
// is the module's, which already starts with ErrInvalidConfig's text.
type moduleConfigError struct{ msg string }

func (e *moduleConfigError) Error() string {
	if e.msg == "" {
		return ErrInvalidConfig.Error()
	}
	return e.msg
}
func (e *moduleConfigError) Unwrap() error { return ErrInvalidConfig }
