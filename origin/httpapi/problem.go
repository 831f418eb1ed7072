package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/craftingapis/todos/origin"
)

// ProblemContentType is the media type of every error body (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document, the body of every error answer.
// Type is "about:blank" (the status says it all, RFC 9457 section 4.2.1), so
// Title is the status's standard text; Detail says what was wrong in words a
// client can show; Error is a stable machine-readable code (an origin error
// code such as "invalid_scope", or the auth step's RFC 6750 code such as
// "invalid_token"); RequestID matches the X-Request-ID response header.
//
// A handler states Status, Error and Detail; writeProblem fills in Type,
// Title and RequestID.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Error     string `json:"error,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// statusOf maps an origin error code to its HTTP status. It is the one place
// that does so (origin/error.go promises it); an unknown code is a 500.
func statusOf(code string) int {
	switch code {
	case origin.EINVALID, origin.EINVALIDSCOPE, origin.EINVALIDGRANT:
		return http.StatusBadRequest
	case origin.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case origin.ECURRENTPASSWORD:
		return http.StatusForbidden
	case origin.ENOTFOUND:
		return http.StatusNotFound
	case origin.ECONFLICT:
		return http.StatusConflict
	case origin.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case origin.ERATELIMIT:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// RetryAfter may be implemented by an error in the chain of an ERATELIMIT
// error (or any other) to set the Retry-After header of the answer.
type RetryAfter interface {
	RetryAfter() time.Duration
}

// writeError answers with the problem for err. Client-safe messages come from
// origin.Error; anything else is logged with its cause and answered with a
// generic 500, so internal details never reach a client.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := origin.ErrorCode(err)
	status := statusOf(code)
	p := Problem{Status: status, Error: code, Detail: origin.ErrorMessage(err)}
	headers := map[string]string{}
	switch {
	case status == http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", RequestIDFromContext(r.Context()))
		p = Problem{Status: status, Error: origin.EINTERNAL, Detail: "internal error; quote the request_id if you report it"}
	case status == http.StatusUnauthorized:
		headers = s.challenge("", "")
	}
	var ra RetryAfter
	if errors.As(err, &ra) {
		if secs := int64((ra.RetryAfter() + time.Second - 1) / time.Second); secs > 0 {
			headers["Retry-After"] = strconv.FormatInt(secs, 10)
		}
	}
	s.writeProblem(w, r, p, headers)
}

// writeProblem writes p as application/problem+json with the extra headers,
// after filling in what every problem carries (Type, Title, RequestID).
func (s *server) writeProblem(w http.ResponseWriter, r *http.Request, p Problem, headers map[string]string) {
	p.Type = "about:blank"
	p.Title = StatusTitle(p.Status)
	if p.Status == http.StatusNotFound {
		// One detail for every 404, whoever answers (router, auth step,
		// store): missing, not yours and unknown read alike, no oracle.
		p.Detail = NotFoundDetail
	}
	p.RequestID = RequestIDFromContext(r.Context())
	body, err := json.Marshal(p)
	if err != nil { // cannot happen: only strings and an int
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error"}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	for k, v := range headers {
		h.Set(k, v)
	}
	writeBody(w, r, p.Status, ProblemContentType, body)
}

// writeJSON answers status with v as JSON.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, r, status, "application/json", body)
}

// writeBody is the one place an API answer with a body is written: every
// JSON answer and every problem. API answers are never cached (they hold
// tokens and personal data) nor sniffed, and end with a newline. body is
// written as it is, never appended to: it may be shared (TodoListEncoder).
func writeBody(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	h := w.Header()
	switch contentType {
	case "application/json":
		h["Content-Type"] = jsonType
	case ProblemContentType:
		h["Content-Type"] = problemType
	default:
		h.Set("Content-Type", contentType)
	}
	h["Cache-Control"], h["X-Content-Type-Options"] = noStore, nosniff
	length := strconv.Itoa(len(body) + 1)
	if info := infoFrom(r.Context()); info != nil {
		info.lengthValue[0] = length
		h["Content-Length"] = info.lengthValue[:]
	} else {
		h.Set("Content-Length", length)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	_, _ = w.Write(newline)
}

var newline = []byte{'\n'}

// Header values every answer carries, shared rather than allocated per
// answer: net/http only reads them, and a Set or Add elsewhere replaces the
// slice or, its length being its capacity, copies it.
var (
	noStore     = []string{"no-store"}
	nosniff     = []string{"nosniff"}
	jsonType    = []string{"application/json"}
	problemType = []string{ProblemContentType}
)

// writeNoContent answers 204.
func writeNoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// NotFoundDetail is the detail of every 404, the words of the auth step's
// own not_found denial (edgeauth), so the origin and the edge say the same.
const NotFoundDetail = "not found"

// StatusTitle is a problem's title: the status's reason phrase as RFC 9110
// names it, where Go's http.StatusText still has an older one.
func StatusTitle(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "Content Too Large" // RFC 9110 section 15.5.14
	case http.StatusRequestedRangeNotSatisfiable:
		return "Range Not Satisfiable" // RFC 9110 section 15.5.17
	case http.StatusUnprocessableEntity:
		return "Unprocessable Content" // RFC 9110 section 15.5.21
	}
	return http.StatusText(status)
}
