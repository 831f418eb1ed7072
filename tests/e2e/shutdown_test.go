package e2e

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// TestGracefulShutdown: on SIGTERM the origin stops accepting connections
// but finishes a request in flight, then exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)
	body := `{"email":"inflight@example.com","password":"long enough","name":"In Flight"}`
	pr, pw := io.Pipe()
	hr, err := http.NewRequest("POST", o.base+"/users", pr)
	if err != nil {
		t.Fatal(err)
	}
	hr.ContentLength = int64(len(body))
	hr.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(hr)
		if err != nil {
			done <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	// Half the body: the request is now in the handler, reading.
	if _, err := pw.Write([]byte(body[:20])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	if err := o.proc.Terminate(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case <-o.proc.Done():
		t.Fatalf("the origin exited with a request in flight: %v", o.proc.Err())
	default:
	}
	fresh := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(o.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new connection was served during shutdown: %d", resp.StatusCode)
	}

	if _, err := pw.Write([]byte(body[20:])); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusCreated {
			t.Fatalf("in-flight request: status %d, err %v; want 201", r.status, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never finished")
	}
	select {
	case <-o.proc.Done():
		if err := o.proc.Err(); err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the origin did not exit after its last request")
	}
}
