//go:build wasip1

// Command wasm is edgeauth as an http-wasm middleware guest, for Traefik,
// Dapr and any other host of the http_handler ABI. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o build/edgeauth-httpwasm.wasm ./edgeauth/httpwasm/wasm
//
// It is a WASI reactor: the host calls _initialize once per instance, which
// reads the guest config, and then handle_request for each request. It
// imports only wasi_snapshot_preview1 and http_handler. All the work is done
// by package httpwasm, over package edgeauth, the rules every other host
// runs; see ../../DEPLOY.md.
package main

import (
	"runtime/debug"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/httpwasm"
)

// guest reads the clock through time.Now, which is the host's
// clock_time_get: token expiry is judged by the host's wall clock.
var guest *httpwasm.Guest

// main is empty: a c-shared (reactor) build runs package initialisation in
// _initialize and then serves export calls.
func main() {}

func init() {
	// As in the ABI v1 module: collect garbage early, since a collection in
	// wasm stops the instance.
	debug.SetGCPercent(25)
	var err error
	guest, err = httpwasm.New(readConfig(), edgeauth.Options{})
	if err != nil {
		// The guest still runs and denies every request (fail closed); the
		// operator learns why from the host's log.
		logError(err.Error() + "; every request is denied until the middleware is given a valid config")
	}
}

// handleRequest is http-wasm's handle_request: 1 passes the request on to
// the next handler, 0 means the guest has answered it.
//
//go:wasmexport handle_request
func handleRequest() uint64 {
	if guest.HandleRequest(host{}) {
		return 1
	}
	return 0
}

// handleResponse is http-wasm's handle_response. The guest asks for no
// request context, so there is nothing to do after the next handler.
//
//go:wasmexport handle_response
func handleResponse(reqCtx, isError uint32) {}
