//go:build wasip1

// Package guestabi is the guest side of ABI v1's memory handling, shared by
// the test modules: the version, alloc and free exports, and the helpers a
// module's configure and authorize exports read their input and write their
// JSON result with. Importing it is enough to export those three functions.
package guestabi

import (
	"encoding/json"
	"unsafe"
)

var (
	// pinned keeps every buffer handed to the host reachable until it is
	// freed, so the collector can neither move nor reclaim it.
	pinned = map[uint32][]byte{}
	// out is the last result; it must stay valid until the next call.
	out []byte
)

//go:wasmexport edgeauth_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport edgeauth_alloc
func alloc(size int32) int32 {
	if size < 1 {
		size = 1
	}
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	pinned[p] = b
	return int32(p)
}

//go:wasmexport edgeauth_free
func free(ptr int32) { delete(pinned, uint32(ptr)) }

// Input returns the host's bytes; a pointer the module never handed out
// panics, which the host sees as a trap.
func Input(ptr, n int32) []byte {
	b, ok := pinned[uint32(ptr)]
	if !ok || int(n) > len(b) {
		panic("input outside an allocated buffer")
	}
	return b[:n]
}

// Result encodes v as JSON, keeps it until the next call and returns it
// packed as ptr<<32 | len.
func Result(v any) int64 {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Raw(b)
}

// Raw keeps b as the result and returns it packed as ptr<<32 | len.
func Raw(b []byte) int64 {
	out = b
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	return int64(uint64(p)<<32 | uint64(uint32(len(out))))
}
