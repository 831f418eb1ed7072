package genvectors

const (
	src1  = "ABI.md outcome 1: a route listed in public is allowed whatever the Authorization header holds"
	src1d = "ABI.md outcome 1: an unlisted route under default deny -> 404 not_found, token or not"
	src2  = "ABI.md outcome 2: no Authorization value (absent, or an empty array) -> 401 with Bearer realm and no error code"
	src3  = "ABI.md outcome 3: more than one Authorization value, a scheme other than Bearer (case-insensitive), or no single space followed by a non-empty credential -> 400 invalid_request"
	src3c = "ABI.md outcome 3: the credential is everything after the first space; whatever it holds is judged as a token"
	src4  = "ABI.md outcome 4: a credential that is not a valid token -> 401 invalid_token"
	src5  = "ABI.md outcome 5: owner mismatch -> 404 not_found, checked before scopes"
	src6  = "ABI.md outcome 6: route scopes not all in the token's scope -> 403 insufficient_scope naming the route's scopes as scope=\"a b\""
)

// outcomesFile: outcomes 1–6 and their order.
func (g *gen) outcomesFile() *file {
	k := g.k
	main := g.mainConfig()
	f := newFile("outcomes", map[string]any{"main": main, "deny": with(main, "default", "deny")})
	t := g.token0(k.ed1)
	expired := g.withClaims(k.ed1, func(c object) object { return c.set("iat", now-7200).set("exp", now-3600) })
	two := []string{"Bearer " + t, "Bearer " + t}

	// Outcome 1: public routes and default deny.
	f.add("public-no-authorization", src1, "main", req("GET", "/healthz", nil), public())
	f.add("public-empty-authorization-array", src1, "main", req("GET", "/healthz", []string{}), public())
	f.add("public-garbage-token", src1, "main", req("GET", "/healthz", bearer("garbage")), public())
	f.add("public-expired-token", src1, "main", req("GET", "/.well-known/jwks.json", bearer(expired)), public())
	f.add("public-two-values", src1, "main", req("POST", "/users", two), public())
	f.add("public-basic-scheme", src1, "main", req("POST", "/authenticate", []string{"Basic dXNlcjpwYXNzd29yZA=="}), public())
	f.add("public-empty-credential", src1, "main", req("POST", "/authenticate", []string{"Bearer "}), public())
	f.add("public-valid-token", src1+" (whether a subject is reported is not fixed)", "main", req("GET", "/healthz", bearer(t)), obj("allow", true, "status", 200))
	f.add("public-under-default-deny", src1, "deny", req("GET", "/healthz", bearer("garbage")), public())
	f.add("deny-unlisted-valid-token", src1d, "deny", whoami(t), notFound())
	f.add("deny-unlisted-no-authorization", src1d+" (before outcome 2)", "deny", req("GET", "/whoami", nil), notFound())
	f.add("deny-unlisted-two-values", src1d+" (before outcome 3)", "deny", req("GET", "/whoami", two), notFound())
	f.add("deny-unlisted-basic-scheme", src1d+" (before outcome 3)", "deny", req("GET", "/whoami", []string{"Basic dXNlcjpwYXNzd29yZA=="}), notFound())
	f.add("deny-unlisted-invalid-token", src1d+" (before outcome 4)", "deny", req("GET", "/whoami", bearer(expired)), notFound())
	f.add("deny-listed-route-valid-token", src1d+" (a listed route is not refused)", "deny", req("GET", "/users/42", bearer(t)), allowed0())
	f.add("deny-listed-route-no-authorization", src2+" (a listed route under default deny)", "deny", req("GET", "/users/42", nil), noToken(realm))
	f.add("authenticated-default-unlisted-valid-token", "ABI.md: default is authenticated when omitted (an unlisted route needs any valid token)", "main", whoami(t), allowed0())
	f.add("authenticated-default-unlisted-no-authorization", "ABI.md: default authenticated; "+src2, "main", req("GET", "/whoami", nil), noToken(realm))

	// Outcome 2.
	f.add("no-headers", src2, "main", req("GET", "/whoami", nil), noToken(realm))
	f.add("empty-authorization-array", src2, "main", req("GET", "/whoami", []string{}), noToken(realm))
	other := req("GET", "/whoami", nil)
	other.Headers = map[string][]string{"cookie": {"session=" + t}, "x-authorization": {"Bearer " + t}}
	f.add("only-other-headers", src2+"; ABI v1 Request: authorization is the one header read", "main", other, noToken(realm))
	capital := req("GET", "/whoami", nil)
	capital.Headers = map[string][]string{"Authorization": {"Bearer " + t}}
	f.add("header-name-not-lower-case", src2+"; ABI v1 Request: headers maps lower-case names (the host lower-cases them)", "main", capital, noToken(realm))
	f.add("no-authorization-on-owned-route-of-stranger", src2+" (before outcome 5)", "main", req("GET", "/users/43", nil), noToken(realm))
	f.add("no-authorization-on-scoped-route", src2+" (before outcome 6)", "main", req("POST", "/users/42/todos", nil), noToken(realm))

	// Outcome 3.
	bad := func(name, source string, auth []string) {
		f.add(name, source, "main", req("GET", "/whoami", auth), badRequest(realm))
	}
	bad("two-values-both-valid", src3, two)
	bad("two-values-second-empty", src3, []string{"Bearer " + t, ""})
	bad("empty-value", src3, []string{""})
	bad("scheme-basic", src3, []string{"Basic dXNlcjpwYXNzd29yZA=="})
	bad("scheme-basic-with-valid-token", src3+" (the scheme is judged before the token)", []string{"Basic " + t})
	bad("scheme-token", src3, []string{"Token " + t})
	bad("scheme-dpop", src3, []string{"DPoP " + t})
	bad("scheme-with-colon", src3, []string{"Bearer: " + t})
	bad("scheme-bearerx", src3, []string{"BearerX " + t})
	bad("scheme-only", src3, []string{"Bearer"})
	bad("scheme-and-space-only", src3, []string{"Bearer "})
	bad("no-space-after-scheme", src3, []string{"Bearer" + t})
	// Two spaces: the credential is everything after the first space, so it
	// starts with a space and is judged (and refused) as a token: 401.
	f.add("double-space-after-scheme", src3c, "main", req("GET", "/whoami", []string{"Bearer  " + t}), badToken(realm))
	f.add("scheme-and-two-spaces-only", src3c, "main", req("GET", "/whoami", []string{"Bearer  "}), badToken(realm))
	bad("tab-after-scheme", src3, []string{"Bearer\t" + t})
	bad("leading-space", src3, []string{" Bearer " + t})
	bad("bare-token-without-scheme", src3, []string{t})
	for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
		f.add("scheme-case-"+caseTag(scheme)+"-"+scheme, src3+" (positive: the scheme is case-insensitive)", "main",
			req("GET", "/whoami", []string{scheme + " " + t}), allowed0())
	}
	f.add("two-values-on-scoped-route", src3+" (before outcome 6)", "main", req("POST", "/users/42/todos", two), badRequest(realm))
	f.add("credential-with-inner-space", src3c, "main", req("GET", "/whoami", []string{"Bearer " + t + " extra"}), badToken(realm))
	f.add("credential-starting-with-scheme", src3c, "main", req("GET", "/whoami", []string{"Bearer Bearer " + t}), badToken(realm))

	// Outcome 4 before 5 and 6.
	f.add("invalid-token-on-owned-route-of-stranger", src4+" (before outcome 5)", "main", req("GET", "/users/43", bearer(expired)), badToken(realm))
	f.add("invalid-token-on-scoped-route", src4+" (before outcome 6)", "main", req("GET", "/admin/stats", bearer(expired)), badToken(realm))
	f.add("garbage-token", src4, "main", req("GET", "/whoami", bearer("garbage")), badToken(realm))

	// Outcomes 5 and 6.
	readOnly := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "todos:read") })
	noScope := g.withClaims(k.ed1, func(c object) object { return c.del("scope") })
	f.add("owner-mismatch-before-scope", src5, "main", req("PATCH", "/users/43", bearer(t)), notFound())
	f.add("owner-mismatch-with-all-scopes", src5, "main", req("GET", "/users/43/todos", bearer(t)), notFound())
	f.add("owner-match-missing-scope", src6, "main", req("PATCH", "/users/42", bearer(t)), forbidden(realm, "profile:write"))
	f.add("owner-match-one-of-two-scopes", src6+" (all route scopes, in route order)", "main",
		req("POST", "/users/42/todos", bearer(readOnly)), forbidden(realm, "todos:read", "todos:write"))
	f.add("owner-match-all-scopes", src6+" (positive)", "main", req("POST", "/users/42/todos", bearer(t)), allowed0())
	f.add("no-scope-claim-on-scoped-route", src6, "main", req("GET", "/users/42/todos", bearer(noScope)), forbidden(realm, "todos:read"))
	f.add("no-scope-claim-on-unscoped-route", src6+" (positive: a route without scopes); "+srcScope, "main",
		req("GET", "/users/42", bearer(noScope)), allowed(sub0, []string{}, jti0, exp0))
	caseScope := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "TODOS:READ") })
	f.add("scope-case-variant", src6+" (scopes compare exactly)", "main", req("GET", "/users/42/todos", bearer(caseScope)), forbidden(realm, "todos:read"))
	joined := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "todos:readtodos:write") })
	f.add("scope-joined-without-space", src6+" (space-separated)", "main", req("GET", "/users/42/todos", bearer(joined)), forbidden(realm, "todos:read"))
	f.add("scope-admin-missing", src6, "main", req("GET", "/admin/stats", bearer(t)), forbidden(realm, "admin"))
	admin := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "admin") })
	f.add("scope-admin-present", src6+" (positive)", "main", req("GET", "/admin/stats", bearer(admin)), allowed(sub0, []string{"admin"}, jti0, exp0))
	extra := g.withClaims(k.ed1, func(c object) object { return c.set("scope", "x todos:write y todos:read") })
	f.add("scope-superset-in-token-order", src6+" (positive; Decision scopes in token order)", "main",
		req("POST", "/users/42/todos", bearer(extra)), allowed(sub0, []string{"x", "todos:write", "y", "todos:read"}, jti0, exp0))
	f.add("route-without-scopes-or-owner", "ABI.md Config routes (positive: only a valid token needed)", "main", req("DELETE", "/authenticate", bearer(t)), allowed0())
	f.add("route-empty-scopes-owner-match", "ABI.md Config routes (positive: empty scopes)", "main", req("DELETE", "/users/42", bearer(t)), allowed0())
	f.add("route-empty-scopes-owner-mismatch", src5, "main", req("DELETE", "/users/43", bearer(t)), notFound())
	bareSub := g.withClaims(k.ed1, func(c object) object { return c.set("sub", "42") })
	f.add("owner-needs-users-prefix", "ABI.md Config routes: owner id means the token's sub must be users/<value of {id}>", "main",
		req("GET", "/users/42", bearer(bareSub)), notFound())
	longSub := g.withClaims(k.ed1, func(c object) object { return c.set("sub", "users/42/x") })
	f.add("owner-sub-longer-than-value", "ABI.md Config routes: owner compares users/<value> exactly", "main",
		req("GET", "/users/42", bearer(longSub)), notFound())
	f.add("owner-other-variable-name", "ABI.md Config routes: owner names the path variable to compare", "main",
		req("GET", "/orgs/acme/members/42", bearer(t)), allowed0())
	f.add("owner-other-variable-name-mismatch", src5, "main", req("GET", "/orgs/42/members/acme", bearer(t)), notFound())
	return f
}
