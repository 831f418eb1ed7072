package abi

import (
	"context"
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		work    time.Duration
		fired   bool
	}{
		{"call ends in time", time.Hour, 0, false},
		{"call overruns", time.Millisecond, 50 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDeadline()
			defer d.stop()
			// Re-arming after calls that ended in time must keep working.
			for range 3 {
				d.arm(time.Hour)
				if !d.disarm() {
					t.Fatal("disarm reported a fired deadline")
				}
			}
			d.arm(tt.timeout)
			time.Sleep(tt.work)
			if got := !d.disarm(); got != tt.fired {
				t.Fatalf("fired = %t, want %t", got, tt.fired)
			}
			select {
			case <-d.Done():
				if !tt.fired {
					t.Error("Done closed for a call that ended in time")
				}
			default:
				if tt.fired {
					t.Error("Done still open after the deadline fired")
				}
			}
			want := error(nil)
			if tt.fired {
				want = context.DeadlineExceeded
			}
			if err := d.Err(); err != want {
				t.Errorf("Err = %v, want %v", err, want)
			}
			if d.Value("any") != nil {
				t.Error("Value is not nil")
			}
		})
	}
}
