package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/internal/jsonlog"
)

// RequestIDHeader carries the request ID both ways.
const RequestIDHeader = "X-Request-ID"

type ctxKey int

const (
	infoKey ctxKey = iota
	principalKey
)

// requestInfo is filled in as a request goes down the chain and read by the
// access log on the way back up.
type requestInfo struct {
	id      string
	route   string // the matched route template, "" when none matched
	subject string // the principal's subject, "" when none
	// principal is what the auth step verified, nil when nothing (see
	// PrincipalFromContext).
	principal *origin.Principal
	// authReq and principalValue are the auth step's Request and
	// principal, allocated here with the rest.
	authReq        edgeauth.Request
	principalValue origin.Principal
	// vars are the variables of the route the router matched (serveRoute).
	vars map[string]string
	// match is the router's answer (serveRoute).
	match mux.RouteMatch
	// rec is the answer's writer as the access log and panic recovery see
	// it: one per request, allocated with the rest of the request's state.
	rec statusRecorder
	// idValue and lengthValue back the X-Request-ID and Content-Length
	// header values, which would otherwise be a slice allocated apiece.
	// net/http only reads them; Header's Set and Del replace them, and Add
	// copies them (their length is their capacity).
	idValue, lengthValue [1]string
}

// requestCtx is a request's context: its parent and the request's state in
// one allocation, where context.WithValue would make a second.
type requestCtx struct {
	context.Context
	info requestInfo
}

func (c *requestCtx) Value(key any) any {
	switch key {
	case any(infoKey):
		return &c.info
	case any(principalKey):
		// The auth step's principal is the nearest: answered here, the
		// lookup does not walk net/http's contexts underneath.
		if c.info.principal != nil {
			return c.info.principal
		}
	}
	return c.Context.Value(key)
}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(infoKey).(*requestInfo)
	return info
}

// RequestIDFromContext returns the request's ID ("" outside this package's
// handler chain).
func RequestIDFromContext(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// saneRequestID accepts a client's request ID only when it is 1 to 64
// characters of [A-Za-z0-9._-]: anything else could forge log lines or
// carry a secret into logs, so it is replaced.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// requestIDKey is RequestIDHeader as net/http keys it: Header.Get and Set
// would canonicalize it, allocating, on every request.
var requestIDKey = http.CanonicalHeaderKey(RequestIDHeader)

// requestID gives every request an ID (the client's when sane), echoes it in
// the response and puts it in the context for logs and problem bodies.
func (s *server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		if v := r.Header[requestIDKey]; len(v) > 0 {
			id = v[0]
		}
		if !saneRequestID(id) {
			id = s.ids.next()
		}
		ctx := &requestCtx{Context: r.Context()}
		ctx.info.id = id
		ctx.info.idValue[0] = id
		w.Header()[requestIDKey] = ctx.info.idValue[:]
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusRecorder remembers the status and size of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one structured line per request. It logs the route
// template rather than the path and never the query string or any header,
// so no token, password or cursor reaches the log.
func (s *server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		info := infoFrom(r.Context())
		rec := &info.rec
		rec.ResponseWriter = w
		next.ServeHTTP(rec, r)
		route := info.route
		if route == "" {
			// Refused before routing (by the auth step, say): still log
			// which route was asked for, so denials can be told apart.
			route = s.routeOf(r)
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		end := s.now()
		took := end.Sub(start)
		// Straight to the handler: Logger.LogAttrs would also record the
		// caller's program counter (runtime.Callers, for a source the
		// access log never shows) on every request.
		if h := s.requestLog.Handler(); h.Enabled(r.Context(), level) {
			attrs := [...]slog.Attr{
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(took.Microseconds())/1000),
				slog.Int64("bytes", rec.bytes),
				slog.String("request_id", info.id),
				slog.String("subject", info.subject),
			}
			if jh, ok := h.(*jsonlog.Handler); ok {
				// The same line without a slog.Record, which allocates
				// for more than five attributes.
				_ = jh.HandleAttrs(r.Context(), end, level, "request", attrs[:])
			} else {
				line := slog.NewRecord(end, level, "request", 0)
				line.AddAttrs(attrs[:]...)
				_ = h.Handle(r.Context(), line) // a failed write is the handler's writer's to report
			}
		}
		if s.observer != nil {
			s.observer.ObserveRequest(r.Method, route, status, took)
		}
	})
}

// routeOf returns the template of the route r matches, or "(unmatched)".
func (s *server) routeOf(r *http.Request) string {
	var m mux.RouteMatch
	if s.mux != nil && s.mux.Match(r, &m) && m.MatchErr == nil && m.Route != nil {
		if tpl, err := m.Route.GetPathTemplate(); err == nil {
			return tpl
		}
	}
	return "(unmatched)"
}

// recoverPanics turns a handler's panic into a logged 500 problem, so one
// bad request cannot take the process down or leak a stack trace.
// http.ErrAbortHandler is re-raised: it is net/http's way to abort quietly.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The access log's recorder, when it is the writer, already knows
		// whether the answer has begun.
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", v, "request_id", RequestIDFromContext(r.Context()),
				"stack", string(debug.Stack()))
			if rec.status != 0 {
				// The answer has begun; all we can do is cut it short.
				panic(http.ErrAbortHandler)
			}
			// Drop whatever the handler had set (a Location, say) but the ID
			// and the CORS headers (without them a page cannot read the 500).
			for k := range w.Header() {
				if k != requestIDKey && !corsHeader(k) {
					w.Header().Del(k)
				}
			}
			s.writeProblem(w, r, Problem{Status: http.StatusInternalServerError, Error: origin.EINTERNAL,
				Detail: "internal error; quote the request_id if you report it"}, nil)
		}()
		next.ServeHTTP(rec, r)
	})
}
