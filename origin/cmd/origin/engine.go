package main

import (
	"log/slog"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/nativeauth"
)

// Values of auth.engine.
const (
	// engineWasm runs the auth step in the ABI v1 module under wazero: the
	// same file every edge host runs, sandboxed (memory limit, call
	// deadline, instance replacement after a fault). The default.
	engineWasm = "wasm"
	// engineNative runs package edgeauth in-process: identical decisions,
	// no sandbox and no module file; the baseline of tests/bench.
	engineNative = "native"
)

// nativeAuthStep returns the in-process auth step and the sink the control
// plane configures it through.
func nativeAuthStep(log *slog.Logger) (controlplane.Sink, origin.Authorizer) {
	log.Info("auth step runs natively (auth.engine=native): no wasm sandbox")
	n := nativeauth.New()
	return n, n
}
