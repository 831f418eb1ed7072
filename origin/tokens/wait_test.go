package tokens

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitUntil(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		ahead   int64 // the cutoff, in seconds after the current second
		wantErr func(error) bool
	}{
		{"cutoff passed", context.Background(), -5, nil},
		{"cutoff is this second", context.Background(), 0, nil},
		{"cutoff next second", context.Background(), 1, nil},
		{"cancelled while waiting", cancelled, 1, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"clocks disagree", context.Background(), 10, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cutoff := time.Now().Unix() + tt.ahead
			err := waitUntil(tt.ctx, time.Now, cutoff)
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("waitUntil = %v, want a matching error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if now := time.Now().Unix(); now < cutoff {
				t.Fatalf("returned at %d, before the cutoff %d", now, cutoff)
			}
		})
	}
}
