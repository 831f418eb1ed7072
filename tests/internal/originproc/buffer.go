package originproc

import (
	"bytes"
	"context"
	"sync"
)

// Buffer collects a process's output for later assertions. Unlike
// bytes.Buffer it is safe to write from the process's copying goroutine
// while a test reads it, and a test can wait for a line to appear.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next Write; nil when nobody waits
}

// Write appends p; it never fails.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor returns once the output holds substr, or with ctx's error.
func (s *Buffer) WaitFor(ctx context.Context, substr string) error {
	for {
		s.mu.Lock()
		if bytes.Contains(s.b.Bytes(), []byte(substr)) {
			s.mu.Unlock()
			return nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
