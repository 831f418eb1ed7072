//go:build wasip1

// Command wasm is the edgeauth WASI reactor module, ABI v1 (see ../ABI.md).
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o build/edgeauth.wasm ./edgeauth/wasm
//
// It is a thin shell: all rules live in package edgeauth, which the origin
// and the tests also run natively, so every host decides alike.
package main

import (
	"runtime/debug"
	"unsafe"

	"github.com/craftingapis/todos/edgeauth"
)

// abiVersion is the version of the contract in ABI.md.
const abiVersion = 1

var (
	// authorizer reads the clock through time.Now, which is the host's
	// clock_time_get (wasip1). An instance is never called concurrently.
	authorizer = edgeauth.NewAuthorizer(edgeauth.Options{})

	// pinned keeps every buffer handed out by edgeauth_alloc reachable until
	// edgeauth_free, so the garbage collector cannot reclaim memory the host
	// is writing to. (Go's collector does not move objects.) A host holds
	// one or two buffers at a time, so a slice searched from its newest end
	// serves better than a map, whose hashing is slow in wasm: three map
	// operations per check cost more than a tenth of an HS256 check.
	pinned [][]byte

	// spare holds freed input buffers for reuse: a host allocates and frees
	// one per request, and recycling them spares the garbage collector,
	// which in wasm stops the instance to run.
	spare [][]byte

	// out is the one output buffer, reused across calls: a result stays
	// valid until the next call on the instance, as ABI v1 promises.
	out []byte
)

// main is empty: a c-shared (reactor) build runs package initialisation in
// _initialize and then serves export calls.
func main() {}

// A low GC percent keeps the heap of a long-lived instance close to what it
// live-holds (its Config, token cache and buffers): Go's wasm heap grows in
// large arenas and never returns memory, and a host runs one instance per
// concurrent check, so headroom is paid once per instance. Collections are
// more frequent but short, since the live heap is small; the check time did
// not measurably change ("Memory per instance" in tests/bench/BENCHMARKS.md).
func init() { debug.SetGCPercent(25) }

//go:wasmexport edgeauth_abi_version
func exportABIVersion() int32 { return abiVersion }

// exportAlloc returns a guest buffer of size bytes for the host to write
// input into, or 0 if size is negative.
//
//go:wasmexport edgeauth_alloc
func exportAlloc(size int32) int32 {
	if size < 0 {
		return 0
	}
	buf := takeSpare(int(size))
	if buf == nil {
		buf = make([]byte, max(size, 1)) // a zero-size request still gets its own address
	}
	pinned = append(pinned, buf)
	return int32(addr(buf))
}

// exportFree releases a buffer from edgeauth_alloc; unknown pointers are
// ignored.
//
//go:wasmexport edgeauth_free
func exportFree(ptr int32) {
	i := pinnedIndex(ptr)
	if i < 0 {
		return
	}
	buf := pinned[i]
	last := len(pinned) - 1
	pinned[i] = pinned[last]
	pinned[last] = nil // let the buffer go if it is not kept as a spare
	pinned = pinned[:last]
	if len(spare) < maxSpare && cap(buf) <= maxSpareBytes {
		spare = append(spare, buf[:cap(buf)])
	}
}

// Bounds of the spare list: a few request-sized buffers, never a config.
const (
	maxSpare      = 4
	maxSpareBytes = 64 << 10
)

// takeSpare returns a spare buffer of size bytes (at least one), or nil.
func takeSpare(size int) []byte {
	for i, buf := range spare {
		if cap(buf) >= max(size, 1) {
			spare[i] = spare[len(spare)-1]
			spare = spare[:len(spare)-1]
			return buf[:max(size, 1)]
		}
	}
	return nil
}

// exportConfigure installs a Config; see edgeauth.Authorizer.Configure.
//
//go:wasmexport edgeauth_configure
func exportConfigure(ptr, length int32) int64 {
	return change(ptr, length, authorizer.Configure)
}

// exportUpdate merges an Update into the Config in force; see
// edgeauth.Authorizer.Update. Its result is configure's.
//
//go:wasmexport edgeauth_update
func exportUpdate(ptr, length int32) int64 {
	return change(ptr, length, authorizer.Update)
}

// change applies the input with apply and answers the result document of
// edgeauth_configure and edgeauth_update.
func change(ptr, length int32, apply func([]byte) error) int64 {
	in, ok := input(ptr, length)
	var err error
	if ok {
		err = apply(in)
	} else {
		err = errBadBuffer
	}
	out = edgeauth.AppendConfigureResultJSON(out[:0], err)
	return packed(out)
}

// exportAuthorize decides a Request; see edgeauth.Authorizer.AuthorizeJSON.
// A bad buffer is judged like a malformed Request (fail closed).
//
//go:wasmexport edgeauth_authorize
func exportAuthorize(ptr, length int32) int64 {
	in, _ := input(ptr, length)
	out = authorizer.AuthorizeJSON(out[:0], in)
	return packed(out)
}

type bufferError struct{}

func (bufferError) Error() string {
	return edgeauth.ErrInvalidConfig.Error() + ": the input is not inside a buffer from edgeauth_alloc"
}
func (bufferError) Unwrap() error { return edgeauth.ErrInvalidConfig }

var errBadBuffer error = bufferError{}

// input returns the host's input: length bytes at ptr, which must lie in a
// buffer from edgeauth_alloc. Checking this keeps a confused host from making
// the module read memory it does not own.
func input(ptr, length int32) ([]byte, bool) {
	i := pinnedIndex(ptr)
	if i < 0 || length < 0 || int(length) > len(pinned[i]) {
		return nil, false
	}
	return pinned[i][:length], true
}

// pinnedIndex returns the index in pinned of the buffer at ptr, or -1.
func pinnedIndex(ptr int32) int {
	for i := len(pinned) - 1; i >= 0; i-- {
		if addr(pinned[i]) == uint32(ptr) {
			return i
		}
	}
	return -1
}

// addr is the guest address of b's first byte.
func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

// packed returns ptr<<32 | len of b, the ABI's result encoding.
func packed(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	ptr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	return int64(ptr<<32 | uint64(len(b)))
}
