package genvectors

// The attack corpus: hostile tokens and requests that known JWT
// validators have fallen to, each naming where the attack or the rule comes
// from — an RFC 8725 section, an RFC 7515/7516/7518/7519 rule, a Wycheproof
// test group, or a CVE. It extends framing/header/claims/signatures/outcomes
// (which already hold the plain cases) without repeating them; every file
// here also keeps a few positive controls, so a validator that refuses
// everything fails too.
//
// The expected decisions follow the same oracle as the rest of the corpus:
// the contract in ABI.md (the token profile, outcomes 1–6). Where an
// attack's outcome is a reading of that text, the source says which.

// RFC 8725 (JWT Best Current Practices) sections cited by the attacks.
const (
	bcp21  = "RFC 8725 section 2.1 (weak signatures and insufficient signature validation)"
	bcp22  = "RFC 8725 section 2.2 (weak symmetric keys)"
	bcp26  = "RFC 8725 section 2.6 (multiplicity of JSON encodings)"
	bcp27  = "RFC 8725 section 2.7 (substitution attacks)"
	bcp28  = "RFC 8725 section 2.8 (cross-JWT confusion)"
	bcp29  = "RFC 8725 section 2.9 (indirect attacks on the server: jku/x5u SSRF)"
	bcp31  = "RFC 8725 section 3.1 (perform algorithm verification)"
	bcp33  = "RFC 8725 section 3.3 (validate all cryptographic operations)"
	bcp34  = "RFC 8725 section 3.4 (validate cryptographic inputs)"
	bcp36  = "RFC 8725 section 3.6 (avoid compression)"
	bcp37  = "RFC 8725 section 3.7 (use UTF-8)"
	bcp38  = "RFC 8725 section 3.8 (validate issuer and subject)"
	bcp39  = "RFC 8725 section 3.9 (use and validate audience)"
	bcp310 = "RFC 8725 section 3.10 (do not trust received claims: kid injection, jku/x5u)"
	bcp311 = "RFC 8725 section 3.11 (use explicit typing)"
)

// attackFile starts an attack file with the main config.
func (g *gen) attackFile(name string) *file {
	return newFile(name, map[string]any{"main": g.mainConfig()})
}

// okTok and badTok add a whoami vector under "main" with the standard
// allowed Decision or 401 invalid_token.
func (f *file) okTok(name, source, token string) {
	f.add(name, source, "main", whoami(token), allowed0())
}

func (f *file) badTok(name, source, token string) {
	f.add(name, source, "main", whoami(token), badToken(realm))
}
