package wasmhost

import (
	"errors"

	"github.com/craftingapis/todos/wasmhost/internal/abi"
)

// Errors returned by the Host, for errors.Is. Every error from Authorize
// means "refuse the request": none of them carries a Decision.
var (
	// ErrNotABIv1: New was given a module that lacks an ABI v1 export, has
	// one with a wrong signature, imports anything but WASI preview 1, or
	// reports an edgeauth_abi_version other than 1.
	ErrNotABIv1 = abi.ErrNotABIv1
	// ErrConfigRejected: the module refused a Config; the error text carries
	// the module's reason. The previous Config stays in force.
	ErrConfigRejected = errors.New("config rejected by the module")
	// ErrUpdateUnsupported: Update cannot apply this change incrementally —
	// the module does not export edgeauth_update, or the Updates since the
	// last Configure have reached the replay bound — and nothing changed.
	// Apply the change with Configure and the whole Config instead.
	ErrUpdateUnsupported = errors.New("wasmhost: update unsupported")
	// ErrClosed: the Host is closed or closing.
	ErrClosed = errors.New("wasmhost: host closed")
	// ErrTimeout: a call ran past Options.CallTimeout and was stopped.
	ErrTimeout = abi.ErrTimeout
	// ErrTrap: the module trapped or exited during a call (a panic, memory
	// exhaustion, an out-of-bounds access, ...).
	ErrTrap = abi.ErrTrap
	// ErrBadOutput: the module answered outside the ABI (a result outside its
	// memory, malformed JSON, or a Decision whose allow and status disagree).
	ErrBadOutput = abi.ErrBadOutput
	// ErrInputTooLarge: the Request document exceeds 1 MiB, or the Config
	// document 8 MiB. The instance is not harmed.
	ErrInputTooLarge = abi.ErrInputTooLarge
	// ErrInvalidOptions: New was given Options it cannot honour.
	ErrInvalidOptions = errors.New("wasmhost: invalid options")
	// ErrNilRequest: Authorize was called with a nil *edgeauth.Request.
	ErrNilRequest = errors.New("wasmhost: nil request")
)
