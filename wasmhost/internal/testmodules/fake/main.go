//go:build wasip1

// Command fake is a small ABI v1 module for wasmhost's tests. It speaks the
// ABI faithfully (alloc/free, configure, authorize, packed results) but decides
// nothing real: it echoes the request so a test can check that each caller got
// its own answer, and it misbehaves on marker paths so a test can check that
// the host survives traps, endless loops, memory exhaustion and bad output.
//
// Config: {"issuer":"..."}; an empty issuer is rejected, as the real module
// rejects an invalid config, and leaves the previous config in force. The
// issuers "trap", "loop" and "oom" make configure misbehave; "slow" keeps
// it busy for slowConfigure before accepting.
//
// An allowed Decision carries Subject = method+" "+path, JTI = the issuer of
// the config in force, ExpiresAt = the module's wall clock (so a test sees a
// fake clock), and Scopes = the authorization header values.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/craftingapis/todos/wasmhost/internal/testmodules/guestabi"
)

func main() {}

// slowConfigure is how long configuring the issuer "slow" takes.
const slowConfigure = time.Second

var (
	// issuer is the config in force; "" before any config is accepted.
	issuer string
	// hog holds memory so the collector cannot reclaim it on /oom.
	hog [][]byte
)

//go:wasmexport edgeauth_configure
func configure(ptr, n int32) int64 {
	var c struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(guestabi.Input(ptr, n), &c); err != nil {
		return guestabi.Result(map[string]any{"ok": false, "error": "config is not JSON"})
	}
	if c.Issuer == "" {
		return guestabi.Result(map[string]any{"ok": false, "error": "issuer is required"})
	}
	switch c.Issuer {
	case "trap":
		panic("configure trap requested")
	case "loop":
		for {
		}
	case "oom":
		for {
			hog = append(hog, make([]byte, 1<<20))
		}
	case "slow": // busy for a while, then accepted: a large Config's cost
		for start := time.Now(); time.Since(start) < slowConfigure; {
		}
	}
	issuer = c.Issuer
	return guestabi.Result(map[string]any{"ok": true})
}

type request struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers"`
}

type decision struct {
	Allow           bool     `json:"allow"`
	Status          int      `json:"status"`
	Subject         string   `json:"subject,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
	JTI             string   `json:"jti,omitempty"`
	ExpiresAt       int64    `json:"expires_at,omitempty"`
	Error           string   `json:"error,omitempty"`
	WWWAuthenticate string   `json:"www_authenticate,omitempty"`
}

//go:wasmexport edgeauth_authorize
func authorize(ptr, n int32) int64 {
	var r request
	if err := json.Unmarshal(guestabi.Input(ptr, n), &r); err != nil {
		return guestabi.Result(decision{Status: 400, Error: "invalid_request", WWWAuthenticate: `Bearer realm="api", error="invalid_request"`})
	}
	switch r.Path {
	case "/trap":
		panic("trap requested")
	case "/loop":
		for {
		}
	case "/oom":
		for {
			hog = append(hog, make([]byte, 1<<20))
		}
	case "/bad-json":
		return guestabi.Raw([]byte("{not json"))
	case "/bad-status":
		return guestabi.Result(decision{Allow: true, Status: 401})
	case "/out-of-bounds":
		bad := uint64(0xFFFFFF00)<<32 | 0x1000
		return int64(bad)
	case "/random":
		var b [16]byte
		_, _ = rand.Read(b[:])
		return guestabi.Result(decision{Allow: true, Status: 200, Subject: hex.EncodeToString(b[:])})
	}
	if issuer == "" {
		return guestabi.Result(decision{Status: 401, WWWAuthenticate: `Bearer realm="api"`})
	}
	return guestabi.Result(decision{
		Allow:     true,
		Status:    200,
		Subject:   r.Method + " " + r.Path,
		Scopes:    r.Headers["authorization"],
		JTI:       issuer,
		ExpiresAt: time.Now().Unix(),
	})
}
