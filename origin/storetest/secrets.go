package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// testSecretsShared: every process on one database gets the same secret,
// even when they create it at once; different names are different secrets.
func testSecretsShared(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := context.Background()
	handles := []Store{s, s.Reopen(t, nil), s.Reopen(t, nil), s.Reopen(t, nil)}
	got := make([][]byte, len(handles))
	errs := make([]error, len(handles))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = h.Edge.Secret(ctx, "device-cookie")
		}()
	}
	close(start)
	wg.Wait()
	for i := range handles {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("handle %d got secret %x, handle 0 %x", i, got[i], got[0])
		}
	}
	again, err := s.Reopen(t, nil).Edge.Secret(ctx, "device-cookie")
	if err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("the secret changed on a later open: %v", err)
	}
	other, err := s.Edge.Secret(ctx, "another")
	if err != nil || bytes.Equal(other, got[0]) {
		t.Fatalf("two names share a secret: %v", err)
	}
}
