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
	// 0 means runtime.GOMAXPROCS(0): a call is CPU-bound, so instances
	// beyond the CPUs cannot run more calls at once. They only cost memory
	// (each instance keeps its own heap) and lengthen the tail, because a
	// caller descheduled mid-call keeps its instance and the calls queued
	// behind it can overrun their deadline; fewer instances than CPUs leave
	// CPUs idle. The "Pool sizing" rows of tests/bench/BENCHMARKS.md
	// (BenchmarkPoolSize here, and the origin end to end) measure this.
	// Repeated tokens never reach the pool (the decision cache).
	PoolSize int
	// MemoryLimitMB caps each instance's linear memory; a module that needs
	// more traps (and is replaced) instead of taking the machine's memory.
	// The cap reserves nothing: an instance uses what its heap needs.
	// 0 means DefaultMemoryLimitMB; at most 4096.
	MemoryLimitMB uint32
	// CallTimeout bounds every call into a module that is not metered (a
	// metered one is bounded by CallFuel instead); a call past it is
	// stopped and its instance replaced. 0 means DefaultCallTimeout.
	//
	// Negative disables the deadline. That makes every call faster, much
	// faster for cheap ones, because wazero stops a call on a deadline by a
	// check at every loop back-edge that exits to Go
	// (WithCloseOnContextDone), so the deadline's cost grows with the work
	// done in wasm (tests/bench/BENCHMARKS.md, "call deadline on / off").
	// But without it a module that loops forever holds its instance, its
	// caller's goroutine and a CPU for ever, so disable it only for a module
	// you trust not to loop.
	CallTimeout time.Duration
	// CallFuel bounds every call into a metered module (one built through
	// wasmhost/meter, as `make wasm` builds edgeauth.wasm): the loop
	// iterations a call may run before the module traps and its instance is
	// replaced. It replaces CallTimeout for such a module, because the check
	// is a few instructions per iteration where wazero's deadline is an exit
	// to Go. 0 means DefaultCallFuel.
	CallFuel uint64
	// ConfigureTimeout bounds each call that applies a Config or an Update
	// (edgeauth_configure, edgeauth_update), apart from CallTimeout: a
	// Config with 100,000 revocation entries takes a second or more to
	// apply, a check milliseconds, and a per-request deadline long enough
	// for the first would not protect the second. A call past it is
	// stopped, its instance replaced, and the Config in force stays.
	// 0 means DefaultConfigureTimeout; negative means none. Like
	// CallTimeout it needs the per-call deadline, so it has no effect when
	// CallTimeout is negative, nor for a metered module (ConfigureFuel).
	ConfigureTimeout time.Duration
	// ConfigureFuel is ConfigureTimeout for a metered module: the loop
	// iterations one call that applies a Config or an Update may run.
	// 0 means DefaultConfigureFuel.
	ConfigureFuel uint64
	// CacheDir holds wazero's compilation cache, so that a restart or a
	// reload of the same module skips compiling it, which is by far the
	// slowest step of New. "" means no cache.
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
	// Options.MemoryLimitMB is 0. The real module's memory stays a small
	// fraction of it even with its token cache full (the module lowers its
	// GC percent to keep its heap small; "Memory per instance" in
	// tests/bench/BENCHMARKS.md), so this leaves room for a large Config
	// while still stopping a runaway module long before it hurts the
	// machine.
	DefaultMemoryLimitMB = 32
	// DefaultCallTimeout is the call deadline when Options.CallTimeout is 0.
	// It is orders of magnitude above what a real check takes: the deadline
	// is wall-clock time, so the margin absorbs CPU starvation under
	// overload, and a timeout costs more than the one call, since its
	// instance is closed and replaced.
	DefaultCallTimeout = time.Second
	// DefaultCallFuel is the fuel per call when Options.CallFuel is 0. It is
	// set far above what the largest real call uses (a Config with many
	// revocations), measured by wasmhost's fuel benchmark, and low enough
	// that a loop that never ends is stopped within about a second.
	DefaultCallFuel = 1 << 28
	// DefaultConfigureTimeout is the budget of one Configure or Update call
	// into an instance when Options.ConfigureTimeout is 0: generous, since
	// it only has to stop a module that never finishes.
	DefaultConfigureTimeout = 30 * time.Second
	// DefaultConfigureFuel is the fuel of one Configure or Update call when
	// Options.ConfigureFuel is 0: 32 times DefaultCallFuel, far above what
	// a Config with 100,000 revocation entries uses (wasmhost's fuel
	// benchmark), and a loop that never ends is still stopped within
	// seconds.
	DefaultConfigureFuel = 1 << 33
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
	if o.ConfigureFuel == 0 {
		o.ConfigureFuel = DefaultConfigureFuel
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.ConfigureTimeout == 0 {
		o.ConfigureTimeout = DefaultConfigureTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
