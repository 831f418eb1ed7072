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

// recycleInfos: the token cache hands the tokenInfo of an entry it evicts
// to the next miss (tokenCache.recycled) instead of leaving it to the
// collector. In wasm no two checks run at once and no check keeps a
// tokenInfo after it returns (a Decision holds the claim strings, which
// live in the text blocks, and its scopes only until it is encoded, or
// cloned by Authorize), so an evicted entry's tokenInfo is no longer read.
const recycleInfos = true
