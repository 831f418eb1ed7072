package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/craftingapis/todos/origin/internal/jsonlog"
	"github.com/craftingapis/todos/origin/internal/logbuf"
)

// The access log is buffered (origin/internal/logbuf): a line per request
// written on its own costs a write(2) per request, as much as the answer.
// Its lines reach the log at most accessLogFlush after they are made, or
// sooner when accessLogBuffer bytes wait; every other line is written at
// once, after the access lines before it. A crash can therefore lose the
// last accessLogFlush of access lines; a shutdown loses none.
const (
	accessLogFlush  = 100 * time.Millisecond
	accessLogBuffer = 64 << 10
)

// serveLoggers are serve's loggers: log for everything but the access log,
// written at once, and access, buffered. Both log at level, which a config
// reload can change. Close flushes the access log; it reports a write that
// failed since the start, so that a lost line is never lost silently.
type serveLoggers struct {
	log, access *slog.Logger
	level       *slog.LevelVar
	buf         *logbuf.Writer
}

func newServeLoggers(c Config, w io.Writer) serveLoggers {
	level, _ := c.logLevel() // validated by loadConfig
	v := new(slog.LevelVar)
	v.Set(level)
	buf := logbuf.New(w, accessLogFlush, accessLogBuffer)
	opts := &slog.HandlerOptions{Level: v}
	return serveLoggers{
		log: slog.New(slog.NewJSONHandler(buf.Direct(), opts)),
		// The access log's lines are many and all alike: jsonlog writes
		// them as slog's JSON handler does, at a fraction of its cost.
		access: slog.New(jsonlog.New(buf, v)),
		level:  v,
		buf:    buf,
	}
}

// Close writes the buffered access lines and stops the flusher.
func (l serveLoggers) Close() error {
	if err := l.buf.Close(); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return nil
}
