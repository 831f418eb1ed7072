//go:build !wasm

package edgeauth

// Natively every tokenInfo and claim string is its own allocation, which is
// cheap there: a Decision from Authorize holds the claim strings, and a
// caller that keeps Decisions must not keep a whole block alive with each.
const (
	infoBlock = 1
	textBlock = 0
)

// recycleInfos is off natively: a check running concurrently may still
// read the tokenInfo of an entry the cache has just evicted.
const recycleInfos = false
