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
	// pushed some calls past the 1 s deadline. The origin end to end
	// agrees (tests/bench/BENCHMARKS.md: EdDSA cache misses at concurrency
	// 32 on 2 CPUs, every request a full check): 1,100 req/s with 1
	// instance, 2,002 with 2, 1,983 with 4 and 1,932 with 8, at the same
	// CPU per request (~0.88 ms) from 2 on. More instances shorten p99 a
	// little (36 ms with 2, 24 ms with 8) but each adds up to ~7.5 MiB and
	// queues more calls behind descheduled ones (in one noisy run with 8, a
	// call overran its deadline and answered a 503).
	// Repeated tokens never reach the pool (the decision cache).
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
	// CallFuel bounds every call into a metered module (one built through
	// wasmhost/meter, as `make wasm` builds edgeauth.wasm): the loop
	// iterations a call may run before the module traps and its instance is
	// replaced. It replaces CallTimeout for such a module, because the check
	// is a few instructions per iteration where wazero's deadline is an exit
	// to Go. 0 means DefaultCallFuel.
	CallFuel uint64
	// CacheDir holds wazero's compilation cache, so that a restart or a
	// reload of the same module skips the ~2 s compile. "" means no cache.
	CacheDir string
	// Logger receives instance replacements and config changes. nil means
	// discard.
	Logger *slog.Logger
	// DecisionCacheEntries bounds the host-side cache of allowed Decisions
	// (see decisioncache.go for why it exists and why it is safe): a
	// repeated token on a route skips the module altogether. 0 means
	// DefaultDecisionCacheEntries; negative disables the cache.
	DecisionCacheEntries int
	// DecisionCacheBytes bounds the same cache's memory. 0 means
	// DefaultDecisionCacheBytes; negative disables the cache.
	DecisionCacheBytes int
}

const (
	// DefaultMemoryLimitMB is the memory cap per instance when
	// Options.MemoryLimitMB is 0. The real module starts at 3.75 MiB and,
	// measured over thousands of checks with its token cache full, grew to
	// 6.5–7.5 MiB (10.75 MiB before the module lowered its GC percent to
	// 50; Go's heap grows in 4 MiB arenas on wasm, with GC headroom).
	// 32 MiB leaves room for a large Config while still stopping a runaway
	// module long before it hurts the machine.
	DefaultMemoryLimitMB = 32
	// DefaultCallTimeout is the call deadline when Options.CallTimeout is 0.
	// A real check takes under 3 ms; the margin absorbs CPU starvation under
	// overload, since the deadline is wall-clock time and a timeout costs an
	// instance (~6 ms to replace).
	DefaultCallTimeout = time.Second
	// DefaultCallFuel is the fuel per call when Options.CallFuel is 0. It is
	// set far above what the largest real call uses (a Config with many
	// revocations), measured by wasmhost's fuel benchmark, and low enough
	// that a loop that never ends is stopped within about a second.
	DefaultCallFuel = 1 << 28
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
	if o.DecisionCacheEntries == 0 {
		o.DecisionCacheEntries = DefaultDecisionCacheEntries
	}
	if o.DecisionCacheBytes == 0 {
		o.DecisionCacheBytes = DefaultDecisionCacheBytes
	}
	if o.CallFuel == 0 {
		o.CallFuel = DefaultCallFuel
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
