package reload

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"time"
)

// FileWatcher notices when files change, by polling: no inotify, no new
// dependency, and it works the same on every OS and for files replaced by
// rename (how deploy tools and editors write them).
//
// A poll costs one stat per file. Only when size or modification time moved
// is the file read and hashed, and only once the stat has stayed the same
// for two polls in a row, so that a file still being written is not reported
// half-way (a half-written module would fail to load: a needless failed
// reload). A file is reported when its SHA-256 differs from the last one
// reported, so touching a file or rewriting the same bytes reports nothing.
// A file that disappears is not reported (the running one keeps serving);
// reappearing with new content, it is.
//
// It is not safe for concurrent use; one goroutine polls.
type FileWatcher struct {
	files []*watched
}

type watched struct {
	path    string
	stat    fileStat // at the last poll
	settled fileStat // the stat whose content was last hashed
	sum     [sha256.Size]byte
	hashed  bool // sum is valid
}

// fileStat is what a cheap poll compares; ok is false when the file could
// not be stat'ed.
type fileStat struct {
	ok    bool
	size  int64
	mtime time.Time
}

func statOf(path string) fileStat {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return fileStat{}
	}
	return fileStat{ok: true, size: fi.Size(), mtime: fi.ModTime()}
}

// NewFileWatcher takes the files' current content as the baseline: only
// later changes are reported. Empty paths are ignored.
func NewFileWatcher(paths ...string) *FileWatcher {
	w := &FileWatcher{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		f := &watched{path: p, stat: statOf(p)}
		f.settled = f.stat
		if f.stat.ok {
			f.sum, f.hashed = hashFile(p)
		}
		w.files = append(w.files, f)
	}
	return w
}

// hashFile returns the SHA-256 of the file at path. Files are read whole but
// streamed, so a large module costs no large allocation.
func hashFile(path string) ([sha256.Size]byte, bool) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, false
	}
	copy(sum[:], h.Sum(nil))
	return sum, true
}

// Poll checks every file once and returns those whose content changed
// since it was last reported (or since NewFileWatcher), in the order they
// were given.
func (w *FileWatcher) Poll() []string {
	var changed []string
	for _, f := range w.files {
		st := statOf(f.path)
		prev := f.stat
		f.stat = st
		if !st.ok || st != prev || st == f.settled {
			// Missing, still moving, or unchanged since the last hash.
			continue
		}
		// Stable for two polls and different from what was hashed.
		f.settled = st
		sum, ok := hashFile(f.path)
		if !ok {
			f.settled = fileStat{} // unreadable now: try again next time
			continue
		}
		if f.hashed && sum == f.sum {
			continue // touched, same bytes
		}
		f.sum, f.hashed = sum, true
		changed = append(changed, f.path)
	}
	return changed
}

// Run polls every interval until ctx is done and calls onChange (on Run's
// goroutine) with each non-empty result of Poll. A file is reported at the
// earliest two intervals after its last write.
func (w *FileWatcher) Run(ctx context.Context, interval time.Duration, onChange func(changed []string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if changed := w.Poll(); len(changed) > 0 {
			onChange(changed)
		}
	}
}
