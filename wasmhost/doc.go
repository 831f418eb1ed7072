// Package wasmhost runs an edgeauth ABI v1 module (see edgeauth/ABI.md) with
// wazero as the origin's auth step.
//
// A Host compiles the module once, keeps a bounded pool of instances (a
// wazero instance is not safe for concurrent calls) and hands each Authorize
// call one instance at a time. Every instance gets a real wall clock and
// crypto/rand (wazero's defaults are a fake clock fixed in 2022, under which
// an expired token would pass, and a seeded random source), a memory limit and
// a per-call deadline, and nothing else: no files, environment, arguments or
// network; its stdout and stderr are discarded.
//
// # Failing closed
//
// Authorize returns an error, never a Decision, when anything goes wrong: the
// module trapped, ran out of memory, ran past its deadline, or answered
// outside the ABI. The caller must then refuse the request (500 or 503). The
// instance involved is closed and replaced in the background; the Host keeps
// serving on the others.
//
// # Configuration
//
// Configure validates a Config on one instance first: a rejected Config
// returns an error wrapping ErrConfigRejected and changes nothing. An
// accepted Config gets a new generation number; every instance is brought up
// to it when it is next taken from the pool, so no request waits for the whole
// pool and every Authorize call that starts after Configure returns is
// decided under the new Config. Before the first accepted Config the module
// denies every request (401). Each call that applies a Config has its own
// budget (Options.ConfigureTimeout), apart from the per-request deadline.
//
// Update applies an incremental change (revocations, cutoffs) with the same
// guarantee, at the cost of the change rather than of the whole Config, if
// the module exports edgeauth_update; ErrUpdateUnsupported tells the caller
// to fall back to Configure.
//
// # Swapping modules (hot reload)
//
// A Host runs one module for life. To load another, build a new Host (a
// module that fails to compile or does not speak ABI v1 fails in New, so the
// old Host keeps serving), Configure it, swap an atomic pointer, then Close
// the old Host. Close waits for every call that entered the old Host before
// Close began. A call that loaded the old pointer but enters only after Close
// began gets ErrClosed at once (no instance is touched): a caller that swaps
// Hosts retries such a call once on the current Host, which makes the swap
// invisible to clients.
package wasmhost
