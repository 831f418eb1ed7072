// Package httpwasm tests build/edgeauth-httpwasm.wasm, edgeauth as an
// http-wasm middleware guest, on the host library Traefik and Dapr embed
// (github.com/http-wasm/http-wasm-host-go, handler/nethttp), configured as
// Traefik configures it: the conformance corpus through HTTP with every
// decision recorded for the host matrix (build/conformance/http-wasm.json),
// the X-Auth-* stripping, a guest trap, a rejected config and concurrent
// requests. The module is $EDGEAUTH_HTTPWASM_MODULE when set (the Makefile
// sets it), else a fresh build of ./edgeauth/httpwasm/wasm.
package httpwasm
