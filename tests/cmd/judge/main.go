//go:build wasip1

// Command judge is the conformance package's corpus loader and judge
// (tests/conformance: Runnables, CheckVectorJSON) as a WASI reactor, so that
// the JS runners (tests/node/judge.mjs) load vectors and judge decisions
// with the Go code itself instead of a copy of its rules. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o build/judge.wasm ./tests/cmd/judge
//
// The exports, for one trusted host calling one at a time:
//
//	judge_buffer(size i32) -> ptr i32        the input buffer, at least size bytes
//	judge_runnables(len i32) -> i64          input: a vector file
//	judge_check(vlen, dlen i32) -> i64       input: a vector's JSON, then a decision
//
// Results are JSON, packed as ptr<<32 | len and valid until the next call:
// {"vectors": [Runnable...]} or {"error": "..."} for judge_runnables, and
// the array of problems for judge_check.
package main

import (
	"encoding/json"
	"unsafe"

	"github.com/craftingapis/todos/tests/conformance"
)

// in and out stay reachable between calls, so the host may write into in
// and read out; Go's collector does not move objects.
var in, out []byte

func main() {}

//go:wasmexport judge_buffer
func exportBuffer(size int32) int32 {
	if int(size) > cap(in) {
		in = make([]byte, size)
	}
	in = in[:cap(in)]
	if len(in) == 0 {
		in = make([]byte, 1)
	}
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(in))))
}

//go:wasmexport judge_runnables
func exportRunnables(length int32) int64 {
	rs, err := conformance.Runnables(in[:length])
	if err != nil {
		return result(struct {
			Error string `json:"error"`
		}{err.Error()})
	}
	return result(struct {
		Vectors []conformance.Runnable `json:"vectors"`
	}{rs})
}

//go:wasmexport judge_check
func exportCheck(vectorLen, decisionLen int32) int64 {
	problems := conformance.CheckVectorJSON(in[:vectorLen], in[vectorLen:vectorLen+decisionLen])
	if problems == nil {
		problems = []string{}
	}
	return result(problems)
}

func result(v any) int64 {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	out = b
	ptr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	return int64(ptr<<32 | uint64(len(out)))
}
