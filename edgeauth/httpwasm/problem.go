package httpwasm

import "github.com/craftingapis/todos/edgeauth/internal/jsonx"

// AppendProblemJSON appends the body of a denial: an RFC 9457 problem
// document {"type","title","status","detail","error"}, the shape the Workers
// gate (edgeauth/js/gate) and the origin answer. detail falls back to the
// title; error is left out when empty (a 401 without credentials has none).
func AppendProblemJSON(dst []byte, status int, code, detail string) []byte {
	title := statusTitle(status)
	if detail == "" {
		detail = title
	}
	dst = append(dst, `{"type":"about:blank","title":`...)
	dst = jsonx.AppendString(dst, title)
	dst = append(dst, `,"status":`...)
	dst = jsonx.AppendInt(dst, int64(status))
	dst = append(dst, `,"detail":`...)
	dst = jsonx.AppendString(dst, detail)
	if code != "" {
		dst = append(dst, `,"error":`...)
		dst = jsonx.AppendString(dst, code)
	}
	return append(dst, '}')
}

// statusTitle is the reason phrase of every status the guest answers.
func statusTitle(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 500:
		return "Internal Server Error"
	}
	return "Error"
}
