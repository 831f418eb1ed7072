package genvectors

const srcRoute = "ABI.md: routes match on the upper-case method and the raw path exactly, segment by segment, case-sensitively; {name} matches one non-empty segment; a trailing slash is a different path"

// routesFile: route matching, under default authenticated and deny.
func (g *gen) routesFile() *file {
	k := g.k
	main := g.mainConfig()
	f := newFile("routes", map[string]any{"main": main, "deny": with(main, "default", "deny")})
	t := g.token0(k.ed1)
	stranger := g.withClaims(k.ed1, func(c object) object { return c.set("sub", "users/43") })
	strangerOK := allowed("users/43", scope0, jti0, exp0)

	for _, c := range []struct {
		name, method, path string
		token              string
		main               object // under default authenticated
		deny               object // under default deny
	}{
		{"param-matches-own-id", "GET", "/users/42", t, allowed0(), allowed0()},
		{"param-owner-mismatch", "GET", "/users/42", stranger, notFound(), notFound()},
		{"two-params", "GET", "/users/42/todos/7", t, allowed0(), allowed0()},
		{"two-params-owner-mismatch", "GET", "/users/42/todos/7", stranger, notFound(), notFound()},
		{"param-any-segment-value", "GET", "/users/users/todos/7", g.withClaims(k.ed1, func(c object) object { return c.set("sub", "users/users") }),
			allowed("users/users", scope0, jti0, exp0), allowed("users/users", scope0, jti0, exp0)},
		{"trailing-slash-is-another-path", "GET", "/users/42/", stranger, strangerOK, notFound()},
		{"trailing-slash-on-static-route", "GET", "/admin/stats/", t, allowed0(), notFound()},
		{"empty-segment-does-not-match-param", "GET", "/users//todos", stranger, strangerOK, notFound()},
		{"double-slash-prefix", "GET", "//users/42", stranger, strangerOK, notFound()},
		{"path-case-sensitive", "GET", "/Users/42", stranger, strangerOK, notFound()},
		{"static-case-sensitive", "GET", "/ADMIN/stats", t, allowed0(), notFound()},
		{"extra-segment", "GET", "/users/42/todos/7/extra", stranger, strangerOK, notFound()},
		{"missing-segment", "GET", "/users", t, allowed0(), notFound()},
		{"method-not-listed", "PUT", "/users/42", stranger, strangerOK, notFound()},
		{"method-head-not-get", "HEAD", "/users/42", stranger, strangerOK, notFound()},
		{"raw-path-percent-encoded-param", "GET", "/users/4%32", t, notFound(), notFound()},
		{"raw-path-percent-encoded-static", "GET", "/admin%2Fstats", t, allowed0(), notFound()},
		{"dot-segment-not-normalised", "GET", "/users/42/../43", t, allowed0(), notFound()},
		{"public-path-other-method", "GET", "/users", t, allowed0(), notFound()},
		{"public-path-trailing-slash", "GET", "/healthz/", t, allowed0(), notFound()},
	} {
		src := srcRoute
		f.add(c.name, src, "main", req(c.method, c.path, bearer(c.token)), c.main)
		f.add(c.name+"-deny", src+"; ABI.md outcome 1 (default deny)", "deny", req(c.method, c.path, bearer(c.token)), c.deny)
	}
	f.add("public-trailing-slash-needs-token", srcRoute+"; "+src2, "main", req("GET", "/healthz/", nil), noToken(realm))
	f.add("public-other-method-needs-token", srcRoute+"; "+src2, "main", req("HEAD", "/healthz", nil), noToken(realm))
	f.add("public-case-variant-needs-token", srcRoute+"; "+src2, "main", req("GET", "/HEALTHZ", nil), noToken(realm))
	f.add("public-exact", src1, "main", req("GET", "/.well-known/jwks.json", nil), public())
	return f
}
