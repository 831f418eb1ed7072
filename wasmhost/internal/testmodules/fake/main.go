//go:build wasip1

// Command fake is a small ABI v1 module for wasmhost's tests. It speaks the
// ABI faithfully (alloc/free, configure, authorize, packed results) but decides
// nothing real: it echoes the request so a test can check that each caller got
// its own answer, and it misbehaves on marker paths so a test can check that
// the host survives traps, endless loops, memory exhaustion and bad output.
//
// Config: {"issuer":"..."}; an empty issuer is rejected, as the real module
// rejects an invalid config, and leaves the previous config in force.
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
	"unsafe"
)

func main() {}

var (
	// pinned keeps every buffer handed to the host alive (and findable by
	// address) until edgeauth_free.
	pinned = map[uint32][]byte{}
	// out is the last result; it must stay valid until the next call.
	out []byte
	// issuer is the config in force; "" before any config is accepted.
	issuer string
	// hog holds memory so the collector cannot reclaim it on /oom.
	hog [][]byte
)

//go:wasmexport edgeauth_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport edgeauth_alloc
func alloc(size int32) int32 {
	if size < 1 {
		size = 1
	}
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	pinned[p] = b
	return int32(p)
}

//go:wasmexport edgeauth_free
func free(ptr int32) { delete(pinned, uint32(ptr)) }

// input returns the host's bytes; a pointer the module never handed out
// panics, which the host sees as a trap.
func input(ptr, n int32) []byte {
	b, ok := pinned[uint32(ptr)]
	if !ok || int(n) > len(b) {
		panic("input outside an allocated buffer")
	}
	return b[:n]
}

func result(v any) int64 {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return pack(b)
}

func pack(b []byte) int64 {
	out = b
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	return int64(uint64(p)<<32 | uint64(uint32(len(out))))
}

//go:wasmexport edgeauth_configure
func configure(ptr, n int32) int64 {
	var c struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(input(ptr, n), &c); err != nil {
		return result(map[string]any{"ok": false, "error": "config is not JSON"})
	}
	if c.Issuer == "" {
		return result(map[string]any{"ok": false, "error": "issuer is required"})
	}
	if c.Issuer == "trap" {
		panic("configure trap requested")
	}
	issuer = c.Issuer
	return result(map[string]any{"ok": true})
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
	if err := json.Unmarshal(input(ptr, n), &r); err != nil {
		return result(decision{Status: 400, Error: "invalid_request", WWWAuthenticate: `Bearer realm="api", error="invalid_request"`})
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
		return pack([]byte("{not json"))
	case "/bad-status":
		return result(decision{Allow: true, Status: 401})
	case "/out-of-bounds":
		bad := uint64(0xFFFFFF00)<<32 | 0x1000
		return int64(bad)
	case "/random":
		var b [16]byte
		_, _ = rand.Read(b[:])
		return result(decision{Allow: true, Status: 200, Subject: hex.EncodeToString(b[:])})
	}
	if issuer == "" {
		return result(decision{Status: 401, WWWAuthenticate: `Bearer realm="api"`})
	}
	return result(decision{
		Allow:     true,
		Status:    200,
		Subject:   r.Method + " " + r.Path,
		Scopes:    r.Headers["authorization"],
		JTI:       issuer,
		ExpiresAt: time.Now().Unix(),
	})
}
