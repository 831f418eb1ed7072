//go:build wasm

package edgeauth

// Sizes of the scratch blocks that verified tokens' tokenInfos and claim
// strings are cut from (scratch.newInfo, scratch.keepText). In wasm an
// allocation is dear, and nothing outlives the check but the cache entry:
// AuthorizeJSON encodes the Decision before it returns. A few KiB each, so
// that what a cache entry keeps alive beside itself stays small.
const (
	infoBlock = 16
	textBlock = 2 << 10
)
