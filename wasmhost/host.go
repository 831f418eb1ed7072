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
	// configureBound is bound for the calls that apply a Config or an
	// Update, which may parse megabytes.
	configureBound abi.Bound

	// pool holds PoolSize slots. A slot is an idle instance, or nil when a
	// replacement failed to start (the next taker starts one). A slot is
	// always in the channel, held by exactly one call, or owned by one
	// refill goroutine, so sends never block.
	pool chan *instance

	config atomic.Pointer[config] // nil until a Config is accepted
	// canUpdate: the module exports edgeauth_update.
	canUpdate bool
	// maxReplayUpdates and maxReplayBytes bound the Updates kept since the
	// last Configure (fields, not constants, so tests can reach them).
	maxReplayUpdates, maxReplayBytes int
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

// config is what is in force: an accepted Config document and the Updates
// accepted since, in order. Each change has a generation (from 1): doc has
// base, the i-th Update base+i+1, and gen is the latest.
type config struct {
	gen, base uint64
	doc       []byte
	// updates shares its backing array with the configs before it that
	// have the same doc: Update appends, so keeping the list costs O(1)
	// per Update, and an older config only ever reads its own prefix.
	updates     [][]byte
	updateBytes int
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
// Compiling is New's slowest step (Options.CacheDir spares it on a restart);
// starting each instance of the pool comes next.
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
	configure := abi.Bound{Timeout: opts.ConfigureTimeout}
	if bound.Timeout <= 0 {
		configure.Timeout = 0 // no deadlines at all: the runtime could not honour it
	}
	if metered {
		// The module stops itself; wazero's own interruption, a check at
		// every loop header that exits to Go, would cost more than the work.
		bound = abi.Bound{Fuel: opts.CallFuel}
		configure = abi.Bound{Fuel: opts.ConfigureFuel}
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
	h.configureBound = configure
	h.maxReplayUpdates, h.maxReplayBytes = maxReplayUpdates, maxReplayBytes
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
	_, h.canUpdate = cm.ExportedFunctions()[abi.FnUpdate]
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
	ai, err := abi.Instantiate(ctx, h.rt, h.cm, h.mc, h.bound, h.configureBound)
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

// apply brings inst up to cur, whose Config and Updates the module accepted
// before: only the Updates it lacks when it already has cur's Config (so
// catching up on an Update costs the Update, not the Config), else the
// Config and every Update since.
func (inst *instance) apply(cur *config) error {
	if inst.gen < cur.base || inst.gen > cur.gen { // staleGen included
		if err := reapplied(inst.Configure(cur.doc)); err != nil {
			return err
		}
		inst.gen = cur.base
	}
	for _, u := range cur.updates[inst.gen-cur.base:] {
		if err := reapplied(inst.Update(u)); err != nil {
			return err
		}
		inst.gen++
	}
	return nil
}

// reapplied turns the result of re-applying a document that the module
// accepted before into an error.
func reapplied(ok bool, reason string, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		// The same document was accepted on another instance: this module
		// is not deterministic, and this instance must not serve.
		return fmt.Errorf("%w on re-apply: %s", ErrConfigRejected, reason)
	}
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
