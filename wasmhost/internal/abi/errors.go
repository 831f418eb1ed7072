// Package abi drives one instance of an ABI v1 module (see edgeauth/ABI.md):
// it checks a compiled module's exports, instantiates it, moves JSON in and
// out of guest memory and calls the exports under a deadline. It knows
// nothing of pools or configs in force; package wasmhost builds those on top.
//
// An Instance is not safe for concurrent use, and after any error it must be
// closed and never called again: a module that trapped, ran out of memory or
// was stopped mid-call may have left its heap in any state.
package abi

import "errors"

// Sentinel errors. wasmhost re-exports them, so they reach the origin intact
// through errors.Is.
var (
	// ErrNotABIv1 means the module lacks an ABI v1 export, has one with the
	// wrong signature, imports something other than WASI preview 1, or reports
	// an edgeauth_abi_version other than 1.
	ErrNotABIv1 = errors.New("module does not speak edgeauth ABI v1")
	// ErrTimeout means a call ran past its deadline and was stopped.
	ErrTimeout = errors.New("module call exceeded its deadline")
	// ErrTrap means the module trapped or exited during a call (a Go panic,
	// an out-of-memory abort, an out-of-bounds access, unreachable, ...).
	ErrTrap = errors.New("module trapped")
	// ErrBadOutput means the module broke the ABI at run time: an alloc
	// that returned 0, a result outside its memory, or a result that is not
	// the JSON the ABI promises.
	ErrBadOutput = errors.New("module broke ABI v1")
	// ErrInputTooLarge means the host was asked to pass more than
	// MaxInputBytes to the module.
	ErrInputTooLarge = errors.New("input too large for the module")
)
