package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/httpapi"
)

// errDenied: check-token's request would be refused (exit status 1, after
// the decision is printed).
var errDenied = errors.New("the auth step denies this request")

// checkTokenResult is what check-token prints on stdout.
type checkTokenResult struct {
	Request struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	} `json:"request"`
	Decision edgeauth.Decision `json:"decision"`
	// Reason is edgeauth.Reason of the decision: the label the metrics use.
	Reason string `json:"reason"`
	// Status is what the server would answer before any handler runs: 200
	// when the request reaches its handler, else the auth step's denial or
	// the router's 404 or 405 (204 for OPTIONS), as the server orders them.
	Status int `json:"status"`
	// Route is the template of the route that serves the request, "" when
	// none does.
	Route string `json:"route,omitempty"`
	// Explanation says it in words.
	Explanation string `json:"explanation"`
}

// runCheckToken runs `origin check-token [-method M] [-path P] TOKEN|-`: the
// decision the running server's auth step would make for the token, built
// exactly as serve builds it (the same config, database, control-plane
// config and engine; the module through wasmhost), without serving. The
// token is read from stdin when given as "-", which keeps it out of the
// process list and shell history. It is never logged or printed.
//
// Opening the database runs its migrations and retires keys past their
// retire time, as serve would at start; nothing else is written.
func runCheckToken(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	var method, path string
	c, rest, err := parseFlags("check-token", args, lookupEnv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&method, "method", "GET", "method of the request to decide")
		fs.StringVar(&path, "path", "", "path of the request to decide (default /users/<id> of the token's sub)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] == "" {
		return fmt.Errorf("%w: check-token needs exactly one TOKEN (or - to read it from stdin)", errUsage)
	}
	token := rest[0]
	if token == "-" {
		if token, err = readToken(stdin); err != nil {
			return err
		}
	}
	if path == "" {
		if path, err = defaultPath(token); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%w: -path must start with /", errUsage)
	}
	rm, err := httpapi.MatchRoute(method, path)
	if err != nil {
		return fmt.Errorf("%w: -path: %v", errUsage, err)
	}
	if !c.Server.EnableSecurity {
		fmt.Fprintln(stderr, "security is off (server.enableSecurity=false): the server checks no token and allows every request")
		return nil
	}
	if c.Auth.Issuer == "" && c.Server.Port == 0 {
		return fmt.Errorf("%w: auth.issuer is unset and server.port is 0, so the server's issuer is the port it chose at start; set auth.issuer (AUTH_ISSUER) to that URL", errUsage)
	}

	// Only warnings: the command's output is its decision.
	log := newLogger(c, stderr)
	if level, _ := c.logLevel(); level < slog.LevelWarn {
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var sink controlplane.Sink
	var authorizer origin.Authorizer
	if c.Auth.Engine == engineNative {
		sink, authorizer = nativeAuthStep(log)
	} else {
		host, _, err := loadModule(ctx, c, log)
		if err != nil {
			return err
		}
		defer host.Close(context.WithoutCancel(ctx))
		sink, authorizer = host, host
	}
	db, err := openStore(ctx, c, lookupEnv, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := controlplane.New(ctx, controlplane.Options{
		Store: db.Store, Sink: sink,
		Issuer: c.issuerFor(c.Server.Port), Audiences: c.Auth.Audiences, Realm: c.Auth.Realm,
		Leeway:        time.Duration(c.Auth.LeewaySeconds) * time.Second,
		TokenLifetime: time.Duration(c.Auth.TokenLifetime),
		Logger:        log,
	}); err != nil {
		return err
	}

	d, err := authorizer.Authorize(ctx, &edgeauth.Request{
		Method: method, Path: path,
		Headers: map[string][]string{"authorization": {"Bearer " + token}},
	})
	if err != nil {
		return fmt.Errorf("the auth step failed (the server would answer 503): %w", err)
	}
	var out checkTokenResult
	out.Request.Method, out.Request.Path = method, path
	out.Decision, out.Reason, out.Route = d, edgeauth.Reason(d), rm.Template
	out.Status, out.Explanation = serverAnswer(method, path, d, rm)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if out.Status >= 400 {
		return fmt.Errorf("%w: %s", errDenied, out.Explanation)
	}
	return nil
}

// serverAnswer is what the server answers method path with decision d from
// the auth step and rm from the router, in the server's order: a served
// path with a wrong method first (405, or 204 for OPTIONS), then the auth
// step's denial, then the router's 404 for a path the module let through
// but nothing serves (an unlisted path only needs a valid token).
func serverAnswer(method, path string, d edgeauth.Decision, rm httpapi.RouteMatch) (int, string) {
	allow := strings.Join(rm.Allow, ", ")
	switch {
	case rm.Status == http.StatusMethodNotAllowed && method == http.MethodOptions:
		return http.StatusNoContent, "answered (204) with Allow: " + allow + ", no token needed"
	case rm.Status == http.StatusMethodNotAllowed:
		return rm.Status, fmt.Sprintf("denied (405): %s is not served at %s (Allow: %s), whatever the token", method, path, allow)
	case !d.Allow:
		return d.Status, explain(d)
	case rm.Status == http.StatusNotFound:
		return rm.Status, fmt.Sprintf("denied (404): the auth step lets it through, but no route serves %s %s", method, path)
	}
	return http.StatusOK, explain(d)
}

// readToken reads one token from r: the first line, trimmed, at most 64 KiB.
func readToken(r io.Reader) (string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("reading the token from stdin: %w", err)
		}
		return "", fmt.Errorf("%w: no token on stdin", errUsage)
	}
	tok := strings.TrimSpace(sc.Text())
	if tok == "" {
		return "", fmt.Errorf("%w: no token on stdin", errUsage)
	}
	return tok, nil
}

// defaultPath is GET /users/<id> of the token's sub, read from the payload
// without verifying it: only to choose a route, the decision is the auth
// step's.
func defaultPath(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: the token is not a JWS compact token; give -path to decide it anyway", errUsage)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Sub string `json:"sub"`
	}
	if err == nil {
		err = json.Unmarshal(payload, &claims)
	}
	id, ok := origin.UserIDOf(claims.Sub)
	if err != nil || !ok {
		return "", fmt.Errorf("%w: cannot read a users/<id> sub from the token; give -path", errUsage)
	}
	return "/users/" + fmt.Sprint(id), nil
}

// explain says in words why d was decided.
func explain(d edgeauth.Decision) string {
	switch r := edgeauth.Reason(d); {
	case d.Allow && r == edgeauth.ReasonPublic:
		return "allowed: a public route, no token needed"
	case d.Allow:
		return fmt.Sprintf("allowed: a valid token of %s with scope %q", d.Subject, strings.Join(d.Scopes, " "))
	case r == edgeauth.ReasonNotFound:
		return "denied (404): the token's subject does not own this resource, or the route is not listed"
	case r == edgeauth.ReasonMissing:
		return "denied (401): no token"
	case d.ErrorDescription != "":
		return fmt.Sprintf("denied (%d %s): %s", d.Status, d.Error, d.ErrorDescription)
	default:
		return fmt.Sprintf("denied (%d)", d.Status)
	}
}
