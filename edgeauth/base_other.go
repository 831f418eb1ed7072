//go:build !wasm

package edgeauth

// ref10Tables: see tableCache.ref10.
const ref10Tables = false
