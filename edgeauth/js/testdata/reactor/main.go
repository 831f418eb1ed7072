//go:build wasip1

// Command reactor is a tiny stand-in that speaks ABI v1's calling convention
// (not its token rules) so the JS host and its WASI shim can be tested without
// the real module, and so a trap, a clock read, a random read, a sleep and a
// large output can each be provoked on demand. Build it with:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o reactor.wasm ./edgeauth/js/testdata/reactor
//
// Authorize answers by path:
//
//	/trap      panics (the host must discard the instance and fail closed)
//	/clock     allows, with expires_at = the WASI wall clock in seconds
//	/random    allows, with subject = 32 random bytes in hex
//	/sleep     sleeps 20 ms first (poll_oneoff must not block forever)
//	/big       allows, with a 200 KiB subject (output larger than any input)
//	/config    allows, with subject = the last accepted config, then "+" and
//	           each update accepted since
//	/echo      allows, with subject = the request it decoded
//	otherwise  401 when the authorization header is not ["Bearer good"]
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unsafe"
)

func main() {}

var (
	buffers = map[uintptr][]byte{}
	out     []byte
	config  string
)

//go:wasmexport edgeauth_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport edgeauth_alloc
func alloc(size int32) uintptr {
	b := make([]byte, size)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	buffers[p] = b
	return p
}

//go:wasmexport edgeauth_free
func free(p uintptr) { delete(buffers, p) }

// input returns the first n bytes of the buffer alloc handed out at p; an
// unknown pointer or an over-long n panics, as a trap the host must survive.
func input(p uintptr, n int32) []byte {
	return buffers[p][:n]
}

func result(v any) int64 {
	out, _ = json.Marshal(v)
	return int64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))<<32 | int64(len(out))
}

//go:wasmexport edgeauth_configure
func configure(p uintptr, n int32) int64 {
	var c struct {
		Issuer string `json:"issuer"`
	}
	in := input(p, n)
	if err := json.Unmarshal(in, &c); err != nil || c.Issuer == "" {
		return result(map[string]any{"ok": false, "error": "issuer is required"})
	}
	config = string(in)
	return result(map[string]any{"ok": true})
}

// update appends an Update to the config in force, so /config shows what
// an instance holds; {"reject":...} is refused, as is any before a config.
//
//go:wasmexport edgeauth_update
func update(p uintptr, n int32) int64 {
	var u map[string]any
	in := input(p, n)
	if err := json.Unmarshal(in, &u); err != nil || u["reject"] != nil || config == "" {
		return result(map[string]any{"ok": false, "error": "update refused"})
	}
	config += "+" + string(in)
	return result(map[string]any{"ok": true})
}

type request struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers"`
}

//go:wasmexport edgeauth_authorize
func authorize(p uintptr, n int32) int64 {
	var r request
	if err := json.Unmarshal(input(p, n), &r); err != nil {
		return result(deny(400, "invalid_request"))
	}
	if r.Path == "/trap" {
		panic("trap requested")
	}
	if config == "" {
		return result(deny(401, ""))
	}
	allow := map[string]any{"allow": true, "status": 200}
	switch r.Path {
	case "/clock":
		allow["expires_at"] = time.Now().Unix()
	case "/random":
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		allow["subject"] = hex.EncodeToString(b)
	case "/loop":
		for {
			spins++
		}
	case "/sleep":
		time.Sleep(20 * time.Millisecond)
	case "/big":
		allow["subject"] = strings.Repeat("x", 200<<10)
	case "/config":
		allow["subject"] = config
	case "/echo":
		b, _ := json.Marshal(r)
		allow["subject"] = string(b)
	default:
		if a := r.Headers["authorization"]; len(a) != 1 || a[0] != "Bearer good" {
			return result(deny(401, "invalid_token"))
		}
		allow["subject"] = "users/1"
		allow["scopes"] = []string{"todos:read"}
	}
	return result(allow)
}

// spins is written by /loop so the compiler keeps the loop.
var spins uint64

func deny(status int, code string) map[string]any {
	d := map[string]any{"allow": false, "status": status, "www_authenticate": `Bearer realm="api"`}
	if code != "" {
		d["error"] = code
	}
	return d
}
