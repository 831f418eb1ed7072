package genvectors

const (
	srcScheme = "RFC 6750 section 2.1 (Authorization: Bearer 1*SP b64token); RFC 9110 section 11.1 (the scheme is case-insensitive); ABI.md outcome 3"
	srcTwo    = "RFC 9110 section 5.3 (a field line repeated is a list; Authorization is a singleton); ABI.md outcome 3: more than one value -> 400"
)

// attacksTransportFile: how the token travels — schemes, separators, and
// several values — on the routes that matter most.
func (g *gen) attacksTransportFile() *file {
	k := g.k
	f := g.attackFile("attacks-transport")
	t := g.token0(k.ed1)
	expired := g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-7200).set("exp", now-3600) })
	at := func(auth ...string) request { return req("GET", "/users/42/todos", auth) }
	okReq := func(name, source string, r request) { f.add(name, source, "main", r, allowed0()) }
	badReq := func(name, source string, r request) { f.add(name, source, "main", r, badRequest(realm)) }
	badTok := func(name, source string, r request) { f.add(name, source, "main", r, badToken(realm)) }

	okReq("control-bearer", srcScheme+" (positive control)", at("Bearer "+t))
	okReq("lower-case-scheme-accepted", srcScheme+" (positive: bearer)", at("bearer "+t))
	okReq("upper-case-scheme-accepted", srcScheme+" (positive: BEARER)", at("BEARER "+t))

	// Other schemes, whatever the credential.
	for _, c := range []struct{ name, val string }{
		{"basic-with-password", "Basic dG9kb3M6aHVudGVyMg=="},
		{"basic-lower-case", "basic " + t},
		{"digest", `Digest username="a", realm="todos", nonce="n", uri="/", response="r"`},
		{"negotiate", "Negotiate YIIB"},
		{"mac", `MAC id="h480djs93hd8", nonce="264095:dj83hs9s", mac="SLDJd4mg43cjQfElUs3Qub4L6xE="`},
		{"hoba", "HOBA result=x"},
		{"jwt-scheme", "JWT " + t},
		{"bearer-cyrillic-e", "B\u0435arer " + t},
		{"bearer-with-nul", "Bearer\x00 " + t},
		{"bearer-equals", "Bearer=" + t},
		{"bearer-comma", "Bearer," + t},
		{"bearer-no-break-space", "Bearer\u00a0" + t},
		{"bearer-cr-lf-folded", "Bearer\r\n " + t},
		{"bearer-vertical-tab", "Bearer\v" + t},
		{"empty-scheme", " " + t},
	} {
		badReq("scheme-"+c.name, srcScheme+"; ABI.md outcome 3: a scheme other than Bearer, or no single space -> 400", at(c.val))
	}

	// Separators after the scheme: only the first space separates.
	badTok("three-spaces", srcScheme+"; "+src3c, at("Bearer   "+t))
	badTok("space-then-tab", srcScheme+"; "+src3c, at("Bearer \t"+t))
	badTok("trailing-crlf", srcScheme+"; "+src3c, at("Bearer "+t+"\r\n"))
	badTok("two-tokens-comma-joined", srcTwo+"; "+src3c+" (one value carrying two credentials)", at("Bearer "+t+", Bearer "+t))
	badTok("token-then-basic", srcScheme+"; "+src3c, at("Bearer "+t+" Basic dG9kb3M6aHVudGVyMg=="))
	badTok("token-with-quotes", src3c+"; RFC 6750 section 2.1 (b64token, not a quoted string)", at(`Bearer "`+t+`"`))
	badTok("token-as-auth-param", src3c+"; RFC 6750 section 2.1 (not token=...)", at("Bearer token="+t))

	// Several values: never pick one.
	badReq("two-values-valid-then-basic", srcTwo, at("Bearer "+t, "Basic dG9kb3M6aHVudGVyMg=="))
	badReq("two-values-basic-then-valid", srcTwo, at("Basic dG9kb3M6aHVudGVyMg==", "Bearer "+t))
	badReq("two-values-expired-then-valid", srcTwo+" (no trying each value until one passes)", at("Bearer "+expired, "Bearer "+t))
	badReq("two-values-valid-then-expired", srcTwo, at("Bearer "+t, "Bearer "+expired))
	badReq("two-values-empty-then-valid", srcTwo, at("", "Bearer "+t))
	badReq("three-values", srcTwo, at("Bearer "+t, "Bearer "+t, "Bearer "+t))

	// Where the token is not looked for: only the Authorization header counts.
	noAuth := req("GET", "/users/42/todos", nil)
	noAuth.Headers = map[string][]string{
		"cookie":                    {"access_token=" + t},
		"x-access-token":            {t},
		"proxy-authorization":       {"Bearer " + t},
		"x-forwarded-authorization": {"Bearer " + t},
	}
	f.add("token-in-other-headers-only", "RFC 6750 section 2 (this API takes the header method only); ABI.md outcome 2", "main", noAuth, noToken(realm))
	mixed := req("GET", "/users/42/todos", nil)
	mixed.Headers = map[string][]string{"AUTHORIZATION": {"Bearer " + t}, "authorization": {"Bearer " + expired}}
	badTok("upper-case-name-ignored-lower-case-judged", "RFC 9110 section 5.1 (field names are case-insensitive: the host lower-cases them); ABI.md Request: only authorization is read", mixed)

	// The order of outcomes under attack: a stranger learns nothing.
	f.add("stranger-route-two-values", srcTwo+" (outcome 3 before 5)", "main", req("GET", "/users/43/todos", []string{"Bearer " + t, "Bearer " + t}), badRequest(realm))
	f.add("path-traversal-to-other-user", "RFC 3986 section 5.2.4 (dot-segment removal is the client's job, not the checker's); ABI.md matching: nothing is normalised, so users/42/../43/todos is no rule's path", "main",
		req("GET", "/users/42/../43/todos", bearer(t)), allowed0())
	f.add("encoded-slash-in-owner-segment", "RFC 3986 section 2.2 (%2F is data, not a separator); ABI.md matching: nothing is decoded, so 42%2F..%2F43 is not 42", "main",
		req("GET", "/users/42%2F..%2F43/todos", bearer(t)), notFound())
	return f
}
