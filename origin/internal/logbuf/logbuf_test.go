package logbuf

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// sink records each write and signals it.
type sink struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
	err    error
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 100)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	s.writes = append(s.writes, string(p))
	select {
	case s.wrote <- struct{}{}:
	default: // nobody is waiting for this one
	}
	return len(p), nil
}

func (s *sink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

// hour keeps the periodic flusher out of tests that do not want it.
const hour = time.Hour

func TestLinesWaitForAFlush(t *testing.T) {
	s := newSink()
	b := New(s, hour, 1024)
	defer b.Close()
	b.Write([]byte("a\n"))
	b.Write([]byte("b\n"))
	if got := s.all(); len(got) != 0 {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.all(); len(got) != 1 || got[0] != "a\nb\n" {
		t.Fatalf("writes = %q, want one write of both lines", got)
	}
}

func TestTheFlusherRunsOnItsOwn(t *testing.T) {
	s := newSink()
	b := New(s, time.Millisecond, 1024)
	defer b.Close()
	b.Write([]byte("a\n"))
	<-s.wrote // would hang (and the test time out) if nothing flushed
	if got := s.all(); got[0] != "a\n" {
		t.Fatalf("writes = %q", got)
	}
}

func TestAFullBufferIsWrittenFirst(t *testing.T) {
	s := newSink()
	b := New(s, hour, 8)
	defer b.Close()
	b.Write([]byte("12345\n"))
	b.Write([]byte("6789\n")) // does not fit beside the first
	b.Write([]byte("a line longer than the buffer\n"))
	want := []string{"12345\n", "6789\n", "a line longer than the buffer\n"}
	if got := s.all(); !slices.Equal(got, want) {
		t.Fatalf("writes = %q, want %q", got, want)
	}
}

func TestDirectKeepsOrder(t *testing.T) {
	s := newSink()
	b := New(s, hour, 1024)
	defer b.Close()
	b.Write([]byte("access 1\n"))
	b.Direct().Write([]byte("listening\n"))
	want := []string{"access 1\n", "listening\n"}
	if got := s.all(); !slices.Equal(got, want) {
		t.Fatalf("writes = %q, want %q", got, want)
	}
}

func TestCloseLosesNothing(t *testing.T) {
	s := newSink()
	b := New(s, hour, 1024)
	b.Write([]byte("last\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.all(); !slices.Equal(got, []string{"last\n"}) {
		t.Fatalf("writes = %q", got)
	}
	if _, err := b.Write([]byte("late\n")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: err = %v, want ErrClosed", err)
	}
	b.Direct().Write([]byte("shutdown complete\n"))
	if got := s.all(); got[len(got)-1] != "shutdown complete\n" {
		t.Fatalf("a direct line after Close was lost: %q", got)
	}
}

func TestWriteErrorsAreReported(t *testing.T) {
	s := newSink()
	b := New(s, hour, 1024)
	b.Write([]byte("a\n"))
	broken := errors.New("broken pipe")
	s.err = broken
	if err := b.Flush(); !errors.Is(err, broken) {
		t.Fatalf("Flush: err = %v", err)
	}
	if _, err := b.Write([]byte("b\n")); !errors.Is(err, broken) {
		t.Fatalf("Write after a failed flush: err = %v", err)
	}
	if err := b.Close(); !errors.Is(err, broken) {
		t.Fatalf("Close: err = %v", err)
	}
}

func TestConcurrentWritesKeepLinesWhole(t *testing.T) {
	s := newSink()
	b := New(s, time.Millisecond, 64)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte{'a' + byte(i), '\n'})
			}
		})
	}
	wg.Wait()
	b.Close()
	all := []byte{}
	for _, w := range s.all() {
		all = append(all, w...)
	}
	lines := bytes.Split(bytes.TrimSuffix(all, []byte("\n")), []byte("\n"))
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if len(l) != 1 {
			t.Fatalf("a line was torn: %q", l)
		}
	}
}
