package abi

import (
	"context"
	"sync/atomic"
	"time"
)

// deadline is the context an Instance passes to wazero to bound one call.
//
// Why not context.WithTimeout per call: that allocates a context and a timer
// on every call. An instance runs one call at a time, and a fired deadline
// condemns the instance (wazero closes the module), so one context per
// instance can be re-armed for each call and its Done channel never needs to
// reopen: arming and disarming is a timer Reset and Stop, no allocation.
//
// The caller's own context is deliberately not joined: a client that hangs up
// mid-check would otherwise kill a healthy instance (whose replacement needs a
// new instantiation and _initialize), a cheap way to make the host churn. A
// check is bounded by the deadline anyway.
type deadline struct {
	done  chan struct{}
	fired atomic.Bool
	timer *time.Timer
}

var _ context.Context = (*deadline)(nil)

func newDeadline() *deadline {
	d := &deadline{done: make(chan struct{})}
	d.timer = time.AfterFunc(time.Hour, d.fire)
	d.timer.Stop()
	return d
}

// fire runs on the timer's goroutine. Err must report the cause before Done
// closes: wazero reads Err after Done to pick the exit code.
func (d *deadline) fire() {
	if d.fired.CompareAndSwap(false, true) {
		close(d.done)
	}
}

// arm starts the clock for one call.
func (d *deadline) arm(timeout time.Duration) { d.timer.Reset(timeout) }

// disarm stops the clock after a call. It reports false when the deadline
// fired (or is firing): the instance must then be treated as timed out even
// if the call happened to return, since wazero may be closing the module.
func (d *deadline) disarm() bool { return d.timer.Stop() && !d.fired.Load() }

// stop releases the timer when the instance closes.
func (d *deadline) stop() { d.timer.Stop() }

func (d *deadline) Deadline() (time.Time, bool) { return time.Time{}, false }
func (d *deadline) Done() <-chan struct{}       { return d.done }
func (d *deadline) Value(any) any               { return nil }

func (d *deadline) Err() error {
	if d.fired.Load() {
		return context.DeadlineExceeded
	}
	return nil
}
