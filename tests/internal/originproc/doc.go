// Package originproc builds the origin binary (./origin/cmd/origin) and runs
// it as a child process for end-to-end tests and the benchmark program: one
// build per run, a start that waits (bounded) for the server's structured
// {"msg":"listening","addr":...} log line, a goroutine-safe log buffer, and a
// stop that sends SIGTERM and reports how the process exited.
//
// Start and Proc return plain errors so that a program without a
// testing.T can use them; StartT and RunT are the thin test helpers.
package originproc
