//go:build wasip1

package main

import (
	"unsafe"

	"github.com/craftingapis/todos/edgeauth/httpwasm"
)

// The http_handler imports the guest uses (https://http-wasm.io, as served
// by github.com/http-wasm/http-wasm-host-go). Pointers are guest memory
// offsets; an i64 result packs a count in its high 32 bits and a byte length
// in its low 32 bits. The TinyGo guest SDK does not build with standard Go,
// so they are declared here.

//go:wasmimport http_handler get_config
func hostGetConfig(buf unsafe.Pointer, limit uint32) uint32

//go:wasmimport http_handler log_enabled
func hostLogEnabled(level int32) uint32

//go:wasmimport http_handler log
func hostLog(level int32, msg unsafe.Pointer, msgLen uint32)

//go:wasmimport http_handler get_method
func hostGetMethod(buf unsafe.Pointer, limit uint32) uint32

//go:wasmimport http_handler get_uri
func hostGetURI(buf unsafe.Pointer, limit uint32) uint32

//go:wasmimport http_handler get_header_names
func hostGetHeaderNames(kind uint32, buf unsafe.Pointer, limit uint32) uint64

//go:wasmimport http_handler get_header_values
func hostGetHeaderValues(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, limit uint32) uint64

//go:wasmimport http_handler set_header_value
func hostSetHeaderValue(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32)

//go:wasmimport http_handler remove_header
func hostRemoveHeader(kind uint32, name unsafe.Pointer, nameLen uint32)

//go:wasmimport http_handler set_status_code
func hostSetStatusCode(code uint32)

//go:wasmimport http_handler write_body
func hostWriteBody(kind uint32, buf unsafe.Pointer, bufLen uint32)

// Header and body kinds, and the error log level, of the ABI.
const (
	kindRequest  = 0
	kindResponse = 1
	levelError   = 2
)

// buf is the one read buffer of this instance, reused by every getter
// (an instance handles one call at a time). It starts at the size of a
// typical header and grows, up to httpwasm.MaxRead, when the host reports a
// longer value.
var buf = make([]byte, 2048)

// read calls get until the value fits in buf and returns its length, or
// false when it is longer than httpwasm.MaxRead (then it is not read).
func read(get func(p unsafe.Pointer, limit uint32) uint32) (int, bool) {
	n := get(unsafe.Pointer(&buf[0]), uint32(len(buf)))
	if int(n) <= len(buf) {
		return int(n), true
	}
	if n > httpwasm.MaxRead {
		return 0, false
	}
	buf = make([]byte, n)
	return int(get(unsafe.Pointer(&buf[0]), n)), true
}

// readList is read for the NUL-terminated lists of get_header_names and
// get_header_values: it returns the list's count and bytes.
func readList(get func(p unsafe.Pointer, limit uint32) uint64) (count int, list []byte, ok bool) {
	var length uint32
	n, ok := read(func(p unsafe.Pointer, limit uint32) uint32 {
		countLen := get(p, limit)
		count, length = int(countLen>>32), uint32(countLen)
		return length
	})
	if !ok {
		return 0, nil, false
	}
	return count, buf[:n], true
}

// split returns count values from a NUL-terminated list. Only the last
// value may hold a NUL of its own (a value edgeauth then refuses): a host
// that wrote one inside an earlier value cannot be told apart, and only the
// count and the first value ever decide.
func split(count int, list []byte) []string {
	if count == 0 || len(list) == 0 {
		return nil
	}
	list = list[:len(list)-1] // the last terminator
	vals := make([]string, 0, count)
	for len(vals) < count-1 {
		i := indexNUL(list)
		if i < 0 {
			break
		}
		vals = append(vals, string(list[:i]))
		list = list[i+1:]
	}
	return append(vals, string(list))
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// readConfig returns the guest config (empty when the host has none).
func readConfig() []byte {
	n := hostGetConfig(unsafe.Pointer(&buf[0]), uint32(len(buf)))
	if int(n) <= len(buf) {
		return append([]byte(nil), buf[:n]...)
	}
	cfg := make([]byte, n)
	hostGetConfig(unsafe.Pointer(&cfg[0]), n)
	return cfg
}

// logError writes msg to the host's log at error level.
func logError(msg string) {
	if hostLogEnabled(levelError) == 0 || msg == "" {
		return
	}
	hostLog(levelError, unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
}

// host binds httpwasm.Host to the http_handler imports, for the request the
// host is handling.
type host struct{}

func (host) Method() (string, bool) {
	n, ok := read(hostGetMethod)
	return string(buf[:n]), ok
}

func (host) URI() (string, bool) {
	n, ok := read(hostGetURI)
	return string(buf[:n]), ok
}

func (host) RequestHeaderValues(name string) ([]string, bool) {
	count, list, ok := readList(func(p unsafe.Pointer, limit uint32) uint64 {
		return hostGetHeaderValues(kindRequest, unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)), p, limit)
	})
	return split(count, list), ok
}

func (host) RequestHeaderNames() ([]string, bool) {
	count, list, ok := readList(func(p unsafe.Pointer, limit uint32) uint64 {
		return hostGetHeaderNames(kindRequest, p, limit)
	})
	return split(count, list), ok
}

func (host) RemoveRequestHeader(name string) {
	hostRemoveHeader(kindRequest, unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)))
}

func (host) SetRequestHeader(name, value string) {
	setHeader(kindRequest, name, value)
}

func (host) SetResponseHeader(name, value string) {
	setHeader(kindResponse, name, value)
}

func setHeader(kind uint32, name, value string) {
	hostSetHeaderValue(kind, unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)),
		unsafe.Pointer(unsafe.StringData(value)), uint32(len(value)))
}

func (host) SetStatusCode(code uint32) { hostSetStatusCode(code) }

func (host) WriteResponseBody(b []byte) {
	hostWriteBody(kindResponse, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
}
