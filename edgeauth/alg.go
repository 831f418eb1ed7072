package edgeauth

// alg is a signature algorithm of the token profile. The allow-list is a
// bit set of them.
type alg uint8

const (
	algEdDSA alg = 1 << iota // "EdDSA", and "Ed25519" (RFC 9864) on an Ed25519 key
	algES256
	algRS256
	algPS256
	algHS256
)

// defaultAlgs is the allow-list when a Config names none: asymmetric
// algorithms whose keys are small and whose verification is affordable.
const defaultAlgs = algEdDSA | algES256

// parseAlg maps a JOSE "alg" name to an alg; 0 for anything else, including
// "none". Names are case-sensitive (RFC 7515 section 4.1.1).
func parseAlg[S ~string | ~[]byte](name S) alg {
	switch string(name) { // no allocation: the conversion is only compared
	case "EdDSA", "Ed25519":
		return algEdDSA
	case "ES256":
		return algES256
	case "RS256":
		return algRS256
	case "PS256":
		return algPS256
	case "HS256":
		return algHS256
	}
	return 0
}
