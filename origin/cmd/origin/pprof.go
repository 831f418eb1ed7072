package main

import (
	"net/http"
	"net/http/pprof"
)

// handlePprof serves Go's runtime profiles on the admin listener's mux, for
// `go tool pprof http://ADDR/debug/pprof/profile?seconds=10` against a
// server under load.
func handlePprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
