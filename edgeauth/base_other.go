//go:build !wasm

package edgeauth

// baseByTable: see tableCache.edwardsBase.
const baseByTable = false
