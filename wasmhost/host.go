package wasmhost

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/craftingapis/todos/wasmhost/internal/abi"
	"github.com/craftingapis/todos/wasmhost/meter"
)

// Host runs one ABI v1 module on a pool of instances. It is safe for
// concurrent use.
type Host struct {
	rt    wazero.Runtime
	cache wazero.CompilationCache // nil without Options.CacheDir
	cm    wazero.CompiledModule
	mc    wazero.ModuleConfig
	opts  Options
	bound abi.Bound // how a call that runs away is stopped

	// pool holds PoolSize slots. A slot is an idle instance, or nil when a
	// replacement failed to start (the next taker starts one). A slot is
	// always in the channel, held by exactly one call, or owned by one
	// refill goroutine, so sends never block.
	pool chan *instance

	config atomic.Pointer[config] // nil until a Config is accepted
	// decisions caches allowed Decisions of the Config in force; nil when
	// disabled or before the first Config. See decisioncache.go.
	decisions atomic.Pointer[decisionCache]
	configure chan struct{} // 1-slot semaphore serializing Configure

	// state counts calls inside Authorize or Configure, with closingBit set
	// once Close begins. One atomic word makes "enter unless closing" and
	// "last one out signals Close" race-free without a lock per call.
	state     atomic.Int64
	drained   chan struct{} // closed when closing and no call is inside
	drainOnce sync.Once
	dead      chan struct{} // closed when the runtime is being torn down
	refills   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	busy     atomic.Int64
	calls    atomic.Uint64
	hits     atomic.Uint64
	replaced atomic.Uint64
}

// instance is a pooled abi.Instance with the host's bookkeeping.
type instance struct {
	*abi.Instance
	gen uint64 // generation of the Config in force on it; 0 = none
	req []byte // reused buffer for the Request document
}

// config is one accepted Config document and its generation (from 1).
type config struct {
	gen uint64
	doc []byte
}

// staleGen marks an instance whose Config is unknown (it just refused one):
// it matches no generation, so the Config in force is re-applied on its next
// take.
const staleGen = ^uint64(0)

const closingBit = 1 << 62

// New compiles module, checks that it speaks ABI v1 and starts the pool.
// It fails, wrapping ErrNotABIv1, for a module that lacks an ABI v1 export or
// reports another version; ctx bounds compilation and start-up. The Host
// starts with no Config: until Configure succeeds every request is denied.
// Compiling takes ~2 s, ~80 ms from a warm CacheDir; each instance ~10 ms.
func New(ctx context.Context, module []byte, opts Options) (*Host, error) {
	opts, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	metered, err := meter.Metered(module, abi.FuelGlobal)
	if err != nil {
		return nil, fmt.Errorf("wasmhost: compile module: %w", err)
	}
	bound := abi.Bound{Timeout: opts.CallTimeout}
	if metered {
		// The module stops itself; wazero's own interruption, a check at
		// every loop header that exits to Go, would cost more than the work.
		bound = abi.Bound{Fuel: opts.CallFuel}
	}
	rc := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(opts.MemoryLimitMB * 16). // 64 KiB pages
		WithCloseOnContextDone(bound.Timeout > 0)
	var cache wazero.CompilationCache
	if opts.CacheDir != "" {
		if cache, err = wazero.NewCompilationCacheWithDir(opts.CacheDir); err != nil {
			return nil, fmt.Errorf("wasmhost: compilation cache: %w", err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	h := &Host{
		rt:    wazero.NewRuntimeWithConfig(ctx, rc),
		cache: cache,
		// An empty name lets one runtime hold many instances. Stdin, stdout,
		// stderr, files, env and args stay wazero's empty defaults.
		mc: wazero.NewModuleConfig().
			WithName("").
			WithStartFunctions(). // abi.Instantiate runs _initialize under the bound

			WithSysWalltime().
			WithSysNanotime().
			WithRandSource(rand.Reader),
		opts:      opts,
		bound:     bound,
		pool:      make(chan *instance, opts.PoolSize),
		configure: make(chan struct{}, 1),
		drained:   make(chan struct{}),
		dead:      make(chan struct{}),
	}
	if err := h.load(ctx, module); err != nil {
		h.teardown()
		return nil, err
	}
	return h, nil
}

// load compiles and checks the module and fills the pool.
func (h *Host) load(ctx context.Context, module []byte) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.rt); err != nil {
		return fmt.Errorf("wasmhost: WASI: %w", err)
	}
	cm, err := h.rt.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("wasmhost: compile module: %w", err)
	}
	h.cm = cm
	if err := abi.Check(cm); err != nil {
		return fmt.Errorf("wasmhost: %w", err)
	}
	for range h.opts.PoolSize {
		inst, err := h.start(ctx)
		if err != nil {
			return fmt.Errorf("wasmhost: %w", err)
		}
		h.pool <- inst
	}
	return nil
}

// start instantiates one instance and gives it the Config in force.
func (h *Host) start(ctx context.Context) (*instance, error) {
	ai, err := abi.Instantiate(ctx, h.rt, h.cm, h.mc, h.bound)
	if err != nil {
		return nil, err
	}
	inst := &instance{Instance: ai}
	if cur := h.config.Load(); cur != nil {
		if err := inst.apply(cur); err != nil {
			_ = inst.Close(context.Background())
			return nil, err
		}
	}
	return inst, nil
}

// apply brings inst up to the Config cur, which the module accepted before.
func (inst *instance) apply(cur *config) error {
	ok, reason, err := inst.Configure(cur.doc)
	if err != nil {
		return err
	}
	if !ok {
		// The same document was accepted on another instance: this module
		// is not deterministic, and this instance must not serve.
		return fmt.Errorf("%w on re-apply: %s", ErrConfigRejected, reason)
	}
	inst.gen = cur.gen
	return nil
}

// take returns an instance up to date with the Config in force, waiting for
// one while ctx allows.
func (h *Host) take(ctx context.Context) (*instance, error) {
	var inst *instance
	select {
	case inst = <-h.pool: // fast path: no timer or ctx involved
	default:
		select {
		case inst = <-h.pool:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-h.dead:
			return nil, ErrClosed
		}
	}
	if inst == nil {
		var err error
		if inst, err = h.start(context.WithoutCancel(ctx)); err != nil {
			h.pool <- nil
			return nil, err
		}
	}
	if cur := h.config.Load(); cur != nil && inst.gen != cur.gen {
		if err := inst.apply(cur); err != nil {
			h.discard(inst, err)
			return nil, err
		}
	}
	return inst, nil
}

// discard closes an instance after an error and starts its replacement in
// the background, so that the failing call returns at once.
func (h *Host) discard(inst *instance, cause error) {
	h.replaced.Add(1)
	h.opts.Logger.Warn("wasmhost: replacing instance", "cause", cause)
	_ = inst.Close(context.Background())
	h.refills.Add(1)
	go func() {
		defer h.refills.Done()
		next, err := h.start(context.Background())
		if err != nil {
			h.opts.Logger.Error("wasmhost: replacement instance failed to start; retrying on next use", "err", err)
			h.pool <- nil
			return
		}
		h.pool <- next
	}()
}

// enter admits a call unless Close has begun; every true must be paired
// with leave.
func (h *Host) enter() bool {
	if h.state.Add(1)&closingBit != 0 {
		h.leave()
		return false
	}
	return true
}

func (h *Host) leave() {
	if h.state.Add(-1) == closingBit {
		h.drainOnce.Do(func() { close(h.drained) })
	}
}

// Close stops admitting calls (they get ErrClosed), waits until every call
// already inside Authorize or Configure has returned, then releases every
// instance and the runtime. If ctx ends first, Close tears down anyway, which
// makes the calls still running fail, and returns ctx's error. Calling Close
// again returns the first result.
func (h *Host) Close(ctx context.Context) error {
	h.closeOnce.Do(func() {
		if h.state.Or(closingBit) == 0 {
			h.drainOnce.Do(func() { close(h.drained) })
		}
		select {
		case <-h.drained:
			refilled := make(chan struct{})
			go func() { h.refills.Wait(); close(refilled) }()
			select {
			case <-refilled:
			case <-ctx.Done():
				h.closeErr = fmt.Errorf("wasmhost: close: %w", ctx.Err())
			}
		case <-ctx.Done():
			h.closeErr = fmt.Errorf("wasmhost: close: %w", ctx.Err())
		}
		h.teardown()
	})
	return h.closeErr
}

// teardown closes the runtime, which closes every instance, then the cache.
func (h *Host) teardown() {
	close(h.dead)
	_ = h.rt.Close(context.Background())
	if h.cache != nil {
		_ = h.cache.Close(context.Background())
	}
}
