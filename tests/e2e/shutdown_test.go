package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdown: on SIGTERM the origin stops accepting connections
// but finishes a request in flight, then exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	o := startOrigin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The request sends "Expect: 100-continue", so the server answers
	// "100 Continue" when the handler first reads the body: the client
	// learns that the request is in the handler, and the body is sent only
	// once the shutdown has begun.
	body := `{"email":"inflight@example.com","password":"long enough","name":"In Flight"}`
	pr, pw := io.Pipe()
	inHandler := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(inHandler) }}
	hr, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "POST", o.base+"/users", pr)
	if err != nil {
		t.Fatal(err)
	}
	hr.ContentLength = int64(len(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Expect", "100-continue")
	c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.Do(hr)
		if err != nil {
			done <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	select {
	case <-inHandler:
	case r := <-done:
		t.Fatalf("the request ended before its body was sent: %+v", r)
	case <-ctx.Done():
		t.Fatal("the request never reached the handler")
	}

	if err := o.proc.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := o.logs.WaitFor(ctx, `"msg":"shutting down"`); err != nil {
		t.Fatalf("no shutdown logged after SIGTERM: %v", err)
	}
	waitRefused(ctx, t, o.base)
	select {
	case <-o.proc.Done():
		t.Fatalf("the origin exited with a request in flight: %v", o.proc.Err())
	default:
	}

	if _, err := pw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusCreated {
			t.Fatalf("in-flight request: status %d, err %v; want 201", r.status, r.err)
		}
	case <-ctx.Done():
		t.Fatal("the in-flight request never finished")
	}
	select {
	case <-o.proc.Done():
		if err := o.proc.Err(); err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-ctx.Done():
		t.Fatal("the origin did not exit after its last request")
	}
}

// waitRefused returns once a new connection to base is refused: the
// listener has closed. A connection the kernel accepted before that is
// closed and the dial retried.
func waitRefused(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		// A connect answered with a reset met the listening socket as it
		// closed: as final as a refusal.
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
			return
		}
		if err != nil {
			t.Fatalf("waiting for the listener to close: %v", err)
		}
		conn.Close()
	}
}
