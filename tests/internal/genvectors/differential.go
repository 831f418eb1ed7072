package genvectors

import "fmt"

// Why the independent verifier of tests/conformance TestDifferential (go-jose
// v4.1.9 for the JWS, encoding/json for the claims, plain checks for the
// rest) decides some vectors differently from the corpus. Each reason was
// measured, not assumed: the test fails on a disagreement without a reason
// here and on a reason without a disagreement. In every case but one the
// corpus is the stricter side, as ABI.md demands; the exception is an
// algorithm name go-jose does not know yet.
const (
	diffDuplicates = "go-jose and encoding/json keep the last of duplicate JSON members (RFC 7159 allowed it); ABI.md rejects any duplicate, since two parsers may read two different tokens (RFC 8725 section 2.6)"
	diffUTF8       = "encoding/json replaces invalid UTF-8 (bad bytes, overlong forms, encoded surrogates, lone \\u surrogates) with U+FFFD and accepts; ABI.md requires valid UTF-8 (RFC 8725 section 3.7)"
	diffNesting    = "encoding/json accepts nesting up to 10000 levels; edgeauth refuses documents deeper than 32 (ABI.md), so a nesting bomb costs it nothing"
	diffWhitespace = "go-jose strips every Unicode space (unicode.IsSpace: space, tab, CR, LF, no-break space) from anywhere in a compact token before parsing; ABI.md allows only [A-Za-z0-9_-] and two dots, so a token has one spelling"
	diffCanonical  = "Go's base64 decoder (used by go-jose) ignores non-zero unused trailing bits; ABI.md requires canonical base64url, so a token has one spelling (RFC 4648 section 3.5)"
	diffEd25519    = "go-jose v4.1.9 does not know the RFC 9864 alg name Ed25519; ABI.md accepts it as EdDSA on an Ed25519 key (go-jose refuses: the safe direction)"
	diffPSSSalt    = "go-jose verifies PS256 with an automatic salt length (rsa.PSSSaltLengthAuto); ABI.md and RFC 7518 section 3.5 require a salt as long as the hash (32 bytes)"
)

// differential maps "file/vector" to the reason go-jose decides it otherwise.
var differential = map[string]string{
	"attacks-claims/duplicate-iss-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-aud-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-jti-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-iat-forged-last":             diffDuplicates,
	"attacks-claims/duplicate-iat-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-nbf-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-scope-forged-last":           diffDuplicates,
	"attacks-claims/duplicate-scope-forged-first":          diffDuplicates,
	"attacks-claims/duplicate-sub-forged-last":             diffDuplicates,
	"attacks-claims/duplicate-sub-forged-first":            diffDuplicates,
	"attacks-claims/duplicate-scope-via-escape":            diffDuplicates,
	"attacks-claims/session-duplicate-sid-innocent-last":   diffDuplicates,
	"claims/duplicate-sub-stranger-last":                   diffDuplicates,
	"claims/duplicate-sub-stranger-first":                  diffDuplicates,
	"claims/duplicate-exp":                                 diffDuplicates,
	"claims/duplicate-iss-same-value":                      diffDuplicates,
	"claims/duplicate-unknown-claim":                       diffDuplicates,
	"claims/duplicate-sub-via-escape":                      diffDuplicates,
	"attacks-claims/claims-nesting-bomb":                   diffNesting,
	"attacks-header/nesting-bomb-arrays-1000":              diffNesting,
	"attacks-claims/claims-lone-surrogate":                 diffUTF8,
	"attacks-header/invalid-utf8-in-member-name":           diffUTF8,
	"attacks-header/lone-surrogate-escape":                 diffUTF8,
	"attacks-header/cesu8-encoded-astral":                  diffUTF8,
	"claims/invalid-utf8-in-unknown-claim":                 diffUTF8,
	"header/invalid-utf8-byte":                             diffUTF8,
	"header/invalid-utf8-overlong":                         diffUTF8,
	"header/invalid-utf8-encoded-surrogate":                diffUTF8,
	"header/invalid-utf8-truncated":                        diffUTF8,
	"attacks-framing/crlf-between-header-and-dot":          diffWhitespace,
	"attacks-framing/lf-inside-signature":                  diffWhitespace,
	"attacks-framing/cr-inside-header":                     diffWhitespace,
	"attacks-framing/space-after-first-dot":                diffWhitespace,
	"attacks-framing/pem-style-line-wrapped-payload":       diffWhitespace,
	"attacks-framing/non-ascii-no-break-space-after-token": diffWhitespace,
	"framing/charset-space-in-payload":                     diffWhitespace,
	"framing/charset-tab-in-payload":                       diffWhitespace,
	"framing/charset-crlf-in-payload":                      diffWhitespace,
	"framing/charset-trailing-space":                       diffWhitespace,
	"framing/charset-trailing-tab":                         diffWhitespace,
	"framing/charset-trailing-newline":                     diffWhitespace,
	"framing/noncanonical-signature-trailing-bits":         diffCanonical,
	"framing/noncanonical-payload-trailing-bits":           diffCanonical,
	"config/default-algorithms-ed25519-name":               diffEd25519,
	"header/alg-ed25519-name":                              diffEd25519,
	"signatures/eddsa-alg-ed25519-valid":                   diffEd25519,
	"signatures/ps256-salt-length-zero":                    diffPSSSalt,
	"signatures/ps256-salt-length-64":                      diffPSSSalt,
}

// explainDifferences sets the differential field of the vectors of files
// named in differential, and fails on a name that matches no vector.
func explainDifferences(files []*file) error {
	used := map[string]bool{}
	for _, f := range files {
		for i := range f.Vectors {
			key := f.name + "/" + f.Vectors[i].Name
			if why, ok := differential[key]; ok {
				f.Vectors[i].Differential = why
				used[key] = true
			}
		}
	}
	for key := range differential {
		if !used[key] {
			return fmt.Errorf("differential explanation for %s matches no vector", key)
		}
	}
	return nil
}
