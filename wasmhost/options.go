package wasmhost

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// Options tune a Host. The zero value is a sound production setting.
type Options struct {
	// PoolSize is the number of instances, hence of concurrent calls.
	// 0 means runtime.GOMAXPROCS(0), which measurement supports: on 2 CPUs
	// under 32 concurrent callers, 1 instance gave half the throughput of 2,
	// and 4 no more than 2; 8 stretched the longest call from 4.6 ms to
	// 0.76 s, since a caller descheduled mid-call keeps its instance, and
	// pushed some calls past the 1 s deadline.
	PoolSize int
	// MemoryLimitMB caps each instance's linear memory; a module that needs
	// more traps (and is replaced) instead of taking the machine's memory.
	// The cap reserves nothing: an instance uses what its heap needs.
	// 0 means DefaultMemoryLimitMB; at most 4096.
	MemoryLimitMB uint32
	// CallTimeout bounds every call into the module; a call past it is
	// stopped and its instance replaced. 0 means DefaultCallTimeout.
	//
	// Negative disables the deadline. That is much faster, because the only
	// way wazero can stop running wasm is a check at every loop back-edge
	// that exits to Go (WithCloseOnContextDone). Measured on the real
	// module, serial: 16 µs vs 4.4 µs for a request without a token, 80 vs
	// 13 µs for a cached EdDSA token, 219 vs 51 µs for a full HS256 check,
	// 2.6 vs 1.3 ms for ES256. But without it a module that loops forever
	// holds its instance, its caller's goroutine and a CPU for ever, so
	// disable it only for a module you trust not to loop.
	CallTimeout time.Duration
	// CacheDir holds wazero's compilation cache, so that a restart or a
	// reload of the same module skips the ~2 s compile. "" means no cache.
	CacheDir string
	// Logger receives instance replacements and config changes. nil means
	// discard.
	Logger *slog.Logger
}

const (
	// DefaultMemoryLimitMB is the memory cap per instance when
	// Options.MemoryLimitMB is 0. The real module starts at 3.75 MiB and,
	// measured over thousands of checks with its token cache full, grew to
	// 10.75 MiB (Go's heap grows in 4 MiB arenas on wasm, with GC headroom).
	// 32 MiB leaves room for a large Config while still stopping a runaway
	// module long before it hurts the machine.
	DefaultMemoryLimitMB = 32
	// DefaultCallTimeout is the call deadline when Options.CallTimeout is 0.
	// A real check takes under 3 ms; the margin absorbs CPU starvation under
	// overload, since the deadline is wall-clock time and a timeout costs an
	// instance (~6 ms to replace).
	DefaultCallTimeout = time.Second
	// maxMemoryLimitMB is wasm32's whole address space.
	maxMemoryLimitMB = 4096
)

// resolved returns o with every default filled in, or an error wrapping
// ErrInvalidOptions.
func (o Options) resolved() (Options, error) {
	switch {
	case o.PoolSize < 0:
		return o, fmt.Errorf("%w: PoolSize %d is negative", ErrInvalidOptions, o.PoolSize)
	case o.PoolSize == 0:
		o.PoolSize = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.MemoryLimitMB > maxMemoryLimitMB:
		return o, fmt.Errorf("%w: MemoryLimitMB %d exceeds %d", ErrInvalidOptions, o.MemoryLimitMB, maxMemoryLimitMB)
	case o.MemoryLimitMB == 0:
		o.MemoryLimitMB = DefaultMemoryLimitMB
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
