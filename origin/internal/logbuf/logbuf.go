// Package logbuf batches log lines into fewer writes.
//
// An access log line per request costs a write(2) per request, as much as
// the response itself. A Writer keeps lines in memory and writes them
// together: when the buffer fills, every FlushInterval, before any line
// written through Direct, and on Close. What a crash can lose is therefore
// at most FlushInterval of buffered lines; Close (on shutdown) loses nothing.
// A failed write is reported by the next call and by Close, never dropped
// silently.
package logbuf

import (
	"errors"
	"io"
	"sync"
	"time"
)

// Writer buffers whole lines for an underlying writer. It is safe for
// concurrent use; each Write must be whole lines, as slog handlers write.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	limit  int
	err    error // the first write error, reported until Close
	closed bool

	stop chan struct{}
	done chan struct{}
}

// New returns a Writer that flushes to w every interval and whenever more
// than limit bytes are waiting. Close it to stop its flusher.
func New(w io.Writer, interval time.Duration, limit int) *Writer {
	b := &Writer{w: w, buf: make([]byte, 0, limit), limit: limit, stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(interval)
	return b
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("logbuf: closed")

// Write buffers p.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrClosed
	}
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf)+len(p) > b.limit {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > b.limit {
			return b.writeLocked(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Direct returns a writer whose lines are written at once, after whatever
// is buffered, so that lines stay in order: for the rare lines someone may
// be waiting for (start-up, warnings).
func (b *Writer) Direct() io.Writer { return direct{b} }

type direct struct{ b *Writer }

func (d direct) Write(p []byte) (int, error) {
	b := d.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	if err := b.flushLocked(); err != nil {
		return 0, err
	}
	return b.writeLocked(p)
}

// Flush writes what is buffered.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Close flushes, stops the flusher and reports the first write error.
// Lines written through Direct after Close still reach the underlying
// writer.
func (b *Writer) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return b.err
	}
	b.closed = true
	err := b.flushLocked()
	b.mu.Unlock()
	close(b.stop)
	<-b.done
	return err
}

func (b *Writer) flushEvery(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			_ = b.Flush() // an error sticks in b.err for the next Write
		}
	}
}

func (b *Writer) flushLocked() error {
	if b.err != nil {
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.writeLocked(b.buf)
	b.buf = b.buf[:0]
	return err
}

func (b *Writer) writeLocked(p []byte) (int, error) {
	n, err := b.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil && b.err == nil {
		b.err = err
	}
	return n, err
}
