// Package jsonlog is a slog.Handler that writes exactly what
// slog.NewJSONHandler writes, faster for the records a server makes by the
// thousand: flat records of strings, numbers, booleans, durations and times.
//
// slog's JSON handler formats every float through encoding/json and walks
// each attribute through its general machinery (groups, ReplaceAttr,
// LogValuer, pooled state); for the access log's line that was most of the
// line's cost. A record this package does not encode itself (an attribute
// of another kind, a group, an empty key, a float or time that slog writes
// in a special way) is handed to a slog.JSONHandler on the same writer, so
// the output is slog's in every case; handlers made by WithAttrs and
// WithGroup are slog's own.
package jsonlog

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Handler writes records as JSON lines, one Write per record.
type Handler struct {
	w     io.Writer
	level slog.Leveler
	slow  slog.Handler // slog's own, for what Handle does not encode
	mu    *sync.Mutex  // serializes writes, as slog's handler does
	bufs  *sync.Pool
}

// New returns a handler that writes to w what slog.NewJSONHandler(w,
// &slog.HandlerOptions{Level: level}) would; a nil level means
// slog.LevelInfo.
func New(w io.Writer, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	mu := new(sync.Mutex)
	return &Handler{
		w: w, level: level, mu: mu,
		slow: slog.NewJSONHandler(lockedWriter{w, mu}, &slog.HandlerOptions{Level: level}),
		bufs: &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }},
	}
}

// lockedWriter shares the handler's lock, so that the lines the fast and
// the slow path write never interleave.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Enabled reports whether level is at least the handler's level.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// WithAttrs returns slog's JSON handler with attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }

// WithGroup returns slog's JSON handler with the group name.
func (h *Handler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

// Handle writes r as one JSON line.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	bp := h.bufs.Get().(*[]byte)
	defer h.putBuf(bp)
	b, ok := appendHead((*bp)[:0], r.Time, r.Level, r.Message)
	if ok {
		r.Attrs(func(a slog.Attr) bool {
			b, ok = appendAttr(b, a)
			return ok
		})
	}
	if !ok {
		*bp = b
		return h.slow.Handle(ctx, r)
	}
	b = append(b, '}', '\n')
	*bp = b
	return h.write(b)
}

// HandleAttrs writes the line Handle writes for a Record of t, level, msg
// and attrs, without making the Record: a Record keeps five attributes
// inline and allocates for more, on every line. attrs is not kept.
func (h *Handler) HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, attrs []slog.Attr) error {
	bp := h.bufs.Get().(*[]byte)
	defer h.putBuf(bp)
	b, ok := appendHead((*bp)[:0], t, level, msg)
	for i := 0; ok && i < len(attrs); i++ {
		b, ok = appendAttr(b, attrs[i])
	}
	if !ok {
		*bp = b
		r := slog.NewRecord(t, level, msg, 0)
		r.AddAttrs(attrs...)
		return h.slow.Handle(ctx, r)
	}
	b = append(b, '}', '\n')
	*bp = b
	return h.write(b)
}

// maxBuf is the largest buffer kept for reuse: one huge record must not
// pin its buffer for ever.
const maxBuf = 16 << 10

func (h *Handler) putBuf(bp *[]byte) {
	if cap(*bp) <= maxBuf {
		h.bufs.Put(bp)
	}
}

// write writes one whole line.
func (h *Handler) write(line []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(line)
	return err
}

// appendHead appends the opening brace and the built-in attributes as
// slog's JSON handler writes them, or reports false when only slog's
// handler writes them right.
func appendHead(b []byte, t time.Time, level slog.Level, msg string) ([]byte, bool) {
	b = append(b, '{')
	if !t.IsZero() {
		var ok bool
		b = append(b, `"time":`...)
		if b, ok = appendTime(b, t); !ok {
			return b, false
		}
		b = append(b, ',')
	}
	b = append(b, `"level":`...)
	b = appendString(b, level.String())
	b = append(b, `,"msg":`...)
	return appendString(b, msg), true
}

// appendAttr appends ,"key":value, or reports false when a is something
// only slog's handler writes right.
func appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if a.Key == "" {
		return b, false // empty attributes are skipped, others written: slog's rules
	}
	b = append(b, ',')
	b = appendString(b, a.Key)
	b = append(b, ':')
	return appendValue(b, a.Value)
}

// appendValue appends v as slog's JSON handler does, for the kinds it
// encodes itself.
func appendValue(b []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String()), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10), true
	case slog.KindTime:
		return appendTime(b, v.Time())
	case slog.KindFloat64:
		// encoding/json's format (which slog uses for floats) in the
		// range where it is plain 'f'; NaN, infinities and exponents are
		// left to slog.
		f := v.Float64()
		if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
			return b, false
		}
		if b, ok := appendThousandths(b, f); ok {
			return b, true
		}
		return strconv.AppendFloat(b, f, 'f', -1, 64), true
	}
	return b, false
}

// appendThousandths appends f as strconv.AppendFloat(b, f, 'f', -1, 64)
// does, when f is the double nearest n/1000 for an integer n below 1e15
// (a duration in milliseconds from whole microseconds, on every access
// line), and reports false for any other f. For such an f that decimal,
// trailing zeros cut, is its shortest spelling: two decimals of at most 15
// significant digits never round to the same double. Spelling it from n
// skips the shortest-digits search.
func appendThousandths(b []byte, f float64) ([]byte, bool) {
	a := math.Abs(f)
	if !(a < 1e12) {
		return b, false
	}
	n := int64(math.Round(a * 1000))
	if float64(n)/1000 != a { // n is exact below 2^53, the division rounded once
		return b, false
	}
	if math.Signbit(f) {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, n/1000, 10)
	if frac := n % 1000; frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b, true
}

// appendTime appends t as slog's JSON handler does, or reports false for a
// year it reports as an error.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendString appends s quoted and escaped as slog's JSON handler does
// (encoding/json's escaping without HTML escapes).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hex = "0123456789abcdef"
