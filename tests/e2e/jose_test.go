package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJoseVerifiesOriginTokens: a token the origin issues verifies with
// Node's jose against the live /.well-known/jwks.json, and a tampered or
// misdirected token does not. It needs `npm ci --prefix tests/js` first.
func TestJoseVerifiesOriginTokens(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"EdDSA", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			joseCheck(t, alg)
		})
	}
}

// joseRunner returns a function that runs a script of tests/js with args
// and a token on stdin, and gives its stdout, or an error carrying its
// stderr. It fails t when node or jose is missing.
func joseRunner(t *testing.T) func(token, script string, args ...string) (string, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required for the jose check: ", err)
	}
	jsDir := filepath.Join(repoRoot, "tests", "js")
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "jose", "package.json")); err != nil {
		t.Fatal("jose is not installed: run `npm ci --prefix tests/js` first")
	}
	return func(token, script string, args ...string) (string, error) {
		cmd := exec.Command(node, append([]string{filepath.Join(jsDir, script)}, args...)...)
		cmd.Dir = jsDir
		cmd.Stdin = strings.NewReader(token)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%w: %s", err, stderr.String())
		}
		return stdout.String(), nil
	}
}

func joseCheck(t *testing.T, alg string) {
	run := joseRunner(t)
	o := startOrigin(t, func(env map[string]string) { env["AUTH_SIGNING_ALG"] = alg })
	u := o.register(t, "jose")
	tok := o.login(t, u, "todos:read")
	var cfg struct {
		Issuer    string   `json:"issuer"`
		Audiences []string `json:"audiences"`
	}
	o.do(t, "GET", "/.well-known/edgeauth.json", req{}).json(t, 200, &cfg)
	if cfg.Issuer == "" || len(cfg.Audiences) == 0 {
		t.Fatalf("edge config has no issuer or audience: %+v", cfg)
	}
	jwksURL := o.base + "/.well-known/jwks.json"

	verify := func(token, issuer, audience string) (string, error) {
		return run(token, "verify-jose.mjs", jwksURL, issuer, audience)
	}

	out, err := verify(tok, cfg.Issuer, cfg.Audiences[0])
	if err != nil {
		t.Fatalf("jose refused the origin's token: %v", err)
	}
	var got struct {
		Header  map[string]any `json:"header"`
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("verify-jose output %q: %v", out, err)
	}
	if got.Payload["sub"] != fmt.Sprintf("users/%d", u.id) || got.Payload["scope"] != "todos:read" ||
		got.Header["kid"] != jwtPart(t, tok, 0)["kid"] || got.Header["alg"] != alg {
		t.Errorf("jose read header %v payload %v", got.Header, got.Payload)
	}

	parts := strings.Split(tok, ".")
	// Flip one bit of the decoded signature: the result is still canonical
	// base64url (flipping a bit of the text could leave the alphabet), so
	// only the signature check can refuse it.
	rawSig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature segment: %v", err)
	}
	rawSig[len(rawSig)/2] ^= 0x01
	sig := base64.RawURLEncoding.EncodeToString(rawSig)
	// Each must fail for its own reason (jose's error code), not for an
	// unreachable JWKS or a broken script.
	const badSig, badClaim = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "ERR_JWT_CLAIM_VALIDATION_FAILED"
	bad := []struct {
		name, token, issuer, audience, want string
	}{
		{"tampered signature", parts[0] + "." + parts[1] + "." + sig, cfg.Issuer, cfg.Audiences[0], badSig},
		{"forged claims", parts[0] + "." + forgeClaims(t, tok, "scope", "admin") + "." + parts[2], cfg.Issuer, cfg.Audiences[0], badSig},
		{"other issuer", tok, cfg.Issuer + "x", cfg.Audiences[0], badClaim},
		{"other audience", tok, cfg.Issuer, "https://elsewhere.example", badClaim},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, err := verify(tc.token, tc.issuer, tc.audience)
			if err == nil {
				t.Fatalf("jose accepted it: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("jose refused it for another reason than %s: %v", tc.want, err)
			}
		})
	}
}

// TestJoseVerifiesFromIssuerURL: given only the issuer URL (and its own
// audience), jose finds the keys through the RFC 8414 metadata and verifies
// an origin token; a tampered token, an issuer the origin is not, and an
// issuer URL that is not the origin's exact one are refused, each for its
// own reason.
func TestJoseVerifiesFromIssuerURL(t *testing.T) {
	t.Parallel()
	run := joseRunner(t)
	o := startOrigin(t) // no AUTH_ISSUER: the issuer is the listener's URL
	u := o.register(t, "discovery")
	tok := o.login(t, u, "")
	if iss := jwtPart(t, tok, 1)["iss"]; iss != o.base {
		t.Fatalf("iss = %v, want the origin's URL %s", iss, o.base)
	}
	verify := func(token, issuer string) (string, error) {
		return run(token, "verify-from-issuer.mjs", issuer, "todos")
	}

	out, err := verify(tok, o.base)
	if err != nil {
		t.Fatalf("jose refused the origin's token from its issuer URL: %v", err)
	}
	var got struct {
		JWKSURI string         `json:"jwks_uri"`
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if got.JWKSURI != o.base+"/.well-known/jwks.json" || got.Payload["sub"] != fmt.Sprintf("users/%d", u.id) {
		t.Errorf("jose found jwks_uri %q and read %v", got.JWKSURI, got.Payload)
	}

	parts := strings.Split(tok, ".")
	bad := []struct {
		name, token, issuer, want string
	}{
		{"forged claims", parts[0] + "." + forgeClaims(t, tok, "scope", "admin") + "." + parts[2], o.base, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
		{"issuer with a trailing slash", tok, o.base + "/", "METADATA_ISSUER"},
		{"an issuer with a path, which serves no metadata", tok, o.base + "/v1", "METADATA_STATUS"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, err := verify(tc.token, tc.issuer)
			if err == nil {
				t.Fatalf("jose accepted it: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("refused for another reason than %s: %v", tc.want, err)
			}
		})
	}
}
