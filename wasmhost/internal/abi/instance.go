package abi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/craftingapis/todos/edgeauth"
)

const (
	// MaxInputBytes bounds one JSON document passed to the module. It is far
	// above any real Request or Config, and it stops an oversized input from
	// reaching the guest allocator (whose failure would trap and cost an
	// instance) as a cheap way to churn the pool.
	MaxInputBytes = 8 << 20
	// minInputCap is the first guest input buffer: a typical Request fits,
	// so the steady state needs no guest allocation at all.
	minInputCap = 4 << 10
	// exactInputAbove is the input size from which the guest buffer is
	// sized to the input (in 64 KiB steps) rather than doubled.
	exactInputAbove = 1 << 20
	// StartTimeout and startFuel bound _initialize.
	StartTimeout = 10 * time.Second
	startFuel    = 1 << 32
)

// Instance is one instantiated ABI v1 module. It is not safe for concurrent
// use, and after any error from a method it must be closed, not reused.
type Instance struct {
	mod                         api.Module
	mem                         api.Memory
	alloc, free, config, decide api.Function
	update                      api.Function // nil when the module lacks edgeauth_update
	stack                       []uint64     // reused by every call: no allocation per call
	in, inCap                   uint32       // guest buffer the host writes input into
	dl                          *deadline
	timeout                     time.Duration
	fuel                        api.MutableGlobal // nil unless metered
	budget                      uint64            // fuel set before each call
	configure                   Bound             // of edgeauth_configure and edgeauth_update
	lastFuel                    uint64            // fuel set before the last call
}

// Bound is how an instance stops a call that runs away. A metered module
// (one that exports FuelGlobal, see package meter) is bounded by Fuel, loop
// iterations per call, at the cost of a few instructions per iteration;
// any other module by Timeout, which needs a runtime built
// WithCloseOnContextDone(true) and costs far more. Zero values mean no bound.
type Bound struct {
	Timeout time.Duration
	Fuel    uint64
}

// Instantiate starts one instance of cm, which Check has accepted, and runs
// its _initialize under the bound; mc must name no start function. Calls
// that apply a Config or an Update are bounded by configure instead, since
// they may parse megabytes. Errors wrap ErrNotABIv1 when the instance
// reports another ABI version.
func Instantiate(ctx context.Context, r wazero.Runtime, cm wazero.CompiledModule, mc wazero.ModuleConfig, bound, configure Bound) (*Instance, error) {
	mod, err := r.InstantiateModule(ctx, cm, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiate module: %w", err)
	}
	in := &Instance{
		mod:     mod,
		mem:     mod.Memory(),
		alloc:   mod.ExportedFunction(FnAlloc),
		free:    mod.ExportedFunction(FnFree),
		config:  mod.ExportedFunction(FnConfigure),
		decide:  mod.ExportedFunction(FnAuthorize),
		update:  mod.ExportedFunction(FnUpdate),
		stack:   make([]uint64, 2),
		timeout: bound.Timeout,
		budget:  bound.Fuel,
	}
	in.configure = configure
	if bound.Fuel > 0 {
		if in.fuel, _ = mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal); in.fuel == nil {
			in.Close(ctx)
			return nil, fmt.Errorf("%w: %s is not an exported mutable global", ErrNotABIv1, FuelGlobal)
		}
	}
	if bound.Timeout > 0 || configure.Timeout > 0 {
		in.dl = newDeadline()
	}
	if in.mem == nil || in.alloc == nil || in.free == nil || in.config == nil || in.decide == nil {
		in.Close(ctx)
		return nil, fmt.Errorf("%w: an export is missing from the instance", ErrNotABIv1)
	}
	// Go's runtime start-up takes milliseconds; the bound only stops a
	// module that hangs in it.
	_, err = in.callWith(mod.ExportedFunction(FnInitialize), 0, 0, StartTimeout, startFuel)
	var v uint64
	if err == nil {
		v, err = in.call(mod.ExportedFunction(FnVersion), 0, 0)
	}
	if err == nil && v != Version {
		err = fmt.Errorf("%w: edgeauth_abi_version returned %d", ErrNotABIv1, int32(v))
	}
	if err == nil {
		err = in.grow(minInputCap, in.callBound())
	}
	if err != nil {
		in.Close(ctx)
		return nil, err
	}
	return in, nil
}

// Configure passes a Config document to edgeauth_configure. It reports
// whether the module accepted it and, if not, the module's reason; a
// rejection is not an error (the module keeps its previous config).
func (in *Instance) Configure(config []byte) (ok bool, reason string, err error) {
	return in.change(in.config, config)
}

// CanUpdate reports whether the module exports edgeauth_update.
func (in *Instance) CanUpdate() bool { return in.update != nil }

// Update passes an Update document to edgeauth_update, with Configure's
// result and rules. The caller checks CanUpdate first.
func (in *Instance) Update(update []byte) (ok bool, reason string, err error) {
	return in.change(in.update, update)
}

// change calls edgeauth_configure or edgeauth_update under the configure
// bound and reads their common result document.
func (in *Instance) change(fn api.Function, doc []byte) (ok bool, reason string, err error) {
	out, err := in.invoke(fn, doc, in.configure)
	if err != nil {
		return false, "", err
	}
	switch err := edgeauth.ParseConfigureResultJSON(out); {
	case err == nil:
		return true, "", nil
	case errors.Is(err, edgeauth.ErrInvalidConfig):
		return false, err.Error(), nil
	default:
		return false, "", fmt.Errorf("%w: %w", ErrBadOutput, err)
	}
}

// Authorize passes a Request document to edgeauth_authorize and returns the
// Decision document. The result aliases guest memory: it is valid only until
// the next call on this instance, so parse (copy) it before anything else.
func (in *Instance) Authorize(request []byte) ([]byte, error) {
	return in.invoke(in.decide, request, in.callBound())
}

// callBound is the bound of a check and of every small call.
func (in *Instance) callBound() Bound { return Bound{Timeout: in.timeout, Fuel: in.budget} }

// Close releases the instance; it is safe to call more than once.
func (in *Instance) Close(ctx context.Context) error {
	if in.dl != nil {
		in.dl.stop()
	}
	return in.mod.Close(ctx)
}

// invoke writes input into the guest buffer, calls fn(ptr, len) under b and
// returns the view of the packed (ptr<<32 | len) result.
func (in *Instance) invoke(fn api.Function, input []byte, b Bound) ([]byte, error) {
	if len(input) > MaxInputBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInputTooLarge, len(input), MaxInputBytes)
	}
	n := uint32(len(input))
	if n > in.inCap {
		if err := in.grow(n, b); err != nil {
			return nil, err
		}
	}
	if !in.mem.Write(in.in, input) {
		return nil, fmt.Errorf("%w: input buffer %#x+%d is outside memory", ErrBadOutput, in.in, n)
	}
	packed, err := in.callWith(fn, uint64(in.in), uint64(n), b.Timeout, b.Fuel)
	if err != nil {
		return nil, err
	}
	ptr, size := uint32(packed>>32), uint32(packed)
	out, ok := in.mem.Read(ptr, size)
	if !ok {
		return nil, fmt.Errorf("%w: result %#x+%d is outside memory", ErrBadOutput, ptr, size)
	}
	return out, nil
}

// grow replaces the guest input buffer with one of at least n bytes, doubling
// so a slowly growing input costs few allocations; its calls run under b.
func (in *Instance) grow(n uint32, b Bound) error {
	size := max(in.inCap, minInputCap)
	for size < n {
		size *= 2
	}
	if n > exactInputAbove {
		// A large Config: doubling would waste up to half of it in guest
		// memory, which the module needs for the Config's tables.
		size = (n + 0xFFFF) &^ 0xFFFF
	}
	size = min(size, MaxInputBytes)
	if in.in != 0 {
		if _, err := in.callWith(in.free, uint64(in.in), 0, b.Timeout, b.Fuel); err != nil {
			return err
		}
		in.in, in.inCap = 0, 0
	}
	p, err := in.callWith(in.alloc, uint64(size), 0, b.Timeout, b.Fuel)
	if err != nil {
		return err
	}
	if p == 0 || uint32(p) > math.MaxUint32-size {
		return fmt.Errorf("%w: edgeauth_alloc(%d) returned %#x", ErrBadOutput, size, uint32(p))
	}
	in.in, in.inCap = uint32(p), size
	return nil
}

// call runs fn with up to two arguments under the instance's bound and
// returns its first result (0 when it has none).
func (in *Instance) call(fn api.Function, a, b uint64) (uint64, error) {
	return in.callWith(fn, a, b, in.timeout, in.budget)
}

// callWith is call under its own bound; a timeout <= 0 arms no deadline.
func (in *Instance) callWith(fn api.Function, a, b uint64, timeout time.Duration, fuel uint64) (uint64, error) {
	s := in.stack
	s[0], s[1] = a, b
	var ctx context.Context = context.Background()
	armed := in.dl != nil && timeout > 0
	if armed {
		ctx = in.dl
		in.dl.arm(timeout)
	}
	if in.fuel != nil {
		in.fuel.Set(fuel)
		in.lastFuel = fuel
	}
	err := fn.CallWithStack(ctx, s)
	if armed && !in.dl.disarm() {
		return 0, fmt.Errorf("%w (%v)", ErrTimeout, timeout)
	}
	if err != nil {
		var exit *sys.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == sys.ExitCodeDeadlineExceeded {
			return 0, fmt.Errorf("%w (%v)", ErrTimeout, timeout)
		}
		if in.fuel != nil && in.fuel.Get() == 0 {
			return 0, fmt.Errorf("%w (%d loop iterations)", ErrTimeout, fuel)
		}
		return 0, fmt.Errorf("%w: %w", ErrTrap, err)
	}
	return s[0], nil
}

// FuelUsed reports the fuel the last call spent; 0 for an unmetered
// instance. Benchmarks use it to size the budget.
func (in *Instance) FuelUsed() uint64 {
	if in.fuel == nil {
		return 0
	}
	return in.lastFuel - in.fuel.Get()
}

// MemoryBytes is the size of the instance's linear memory now. It never
// shrinks; benchmarks report it as memory per instance.
func (in *Instance) MemoryBytes() uint32 { return in.mem.Size() }
