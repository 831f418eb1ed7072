package reload

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestFileWatcherPoll walks one file through the cases a deploy meets; each
// step is one Poll after the action. A write that must be seen changes the
// size too: Linux stamps mtimes from a clock that ticks every few
// milliseconds, so two quick writes can share one.
func TestFileWatcherPoll(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "module.wasm")
	other := filepath.Join(dir, "config.json")
	write := func(p, s string) func() {
		return func() {
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(mod, "v1")()
	write(other, "{}")()
	w := NewFileWatcher(mod, "", other)
	var mtime time.Time
	steps := []struct {
		name   string
		action func()
		want   []string
	}{
		{"nothing changed", nil, nil},
		{"a write is seen moving first", write(mod, "v22"), nil},
		{"then reported once stable", nil, []string{mod}},
		{"and not again", nil, nil},
		{"touched, same bytes", func() {
			mtime = time.Now().Add(time.Minute)
			if err := os.Chtimes(mod, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"touch settles without a report", nil, nil},
		{"replaced by rename", func() {
			tmp := filepath.Join(dir, "tmp")
			write(tmp, "v3 longer")()
			if err := os.Rename(tmp, mod); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"rename reported", nil, []string{mod}},
		{"removed", func() { os.Remove(mod) }, nil},
		{"missing stays quiet", nil, nil},
		{"back with the same bytes", write(mod, "v3 longer"), nil},
		{"same content is no change", nil, nil},
		{"both change", func() { write(mod, "v4")(); write(other, `{"a":1}`)() }, nil},
		{"both reported in order", nil, []string{mod, other}},
	}
	for _, s := range steps {
		if s.action != nil {
			s.action()
		}
		if got := w.Poll(); !slices.Equal(got, s.want) {
			t.Fatalf("%s: Poll = %q, want %q", s.name, got, s.want)
		}
	}
}

func TestFileWatcherRun(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("a"), 0o644)
	w := NewFileWatcher(p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan []string, 1)
	go w.Run(ctx, 5*time.Millisecond, func(c []string) { got <- c })
	os.WriteFile(p, []byte("bb"), 0o644)
	select {
	case c := <-got:
		if !slices.Equal(c, []string{p}) {
			t.Fatalf("reported %q", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("change not reported")
	}
}

// BenchmarkPollUnchanged is the steady-state cost of watching a 6 MB
// module: one stat, no read.
func BenchmarkPollUnchanged(b *testing.B) {
	p := filepath.Join(b.TempDir(), "m.wasm")
	os.WriteFile(p, make([]byte, 6<<20), 0o644)
	w := NewFileWatcher(p)
	for b.Loop() {
		if w.Poll() != nil {
			b.Fatal("change reported")
		}
	}
}
