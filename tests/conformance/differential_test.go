package conformance_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/tests/conformance"
)

// tokenVector is a corpus vector whose decision depends on the token alone:
// GET /whoami (no route rule, so under default "authenticated" any valid
// token passes), one Authorization value "Bearer <token>", a config that
// is accepted.
type tokenVector struct {
	file   *conformance.File
	v      *conformance.Vector
	config []byte
	token  string
	now    int64
}

func tokenVectors(t *testing.T, files []*conformance.File) []tokenVector {
	t.Helper()
	var out []tokenVector
	for _, f := range files {
		for i := range f.Vectors {
			v := &f.Vectors[i]
			if v.ConfigError || v.ConfigJSON != nil {
				continue
			}
			var req struct {
				Method  string              `json:"method"`
				Path    string              `json:"path"`
				Headers map[string][]string `json:"headers"`
				Now     int64               `json:"now"`
			}
			if err := json.Unmarshal(v.Request, &req); err != nil {
				t.Fatalf("%s/%s: %v", f.Name, v.Name, err)
			}
			auth := req.Headers["authorization"]
			if req.Method != "GET" || req.Path != "/whoami" || len(auth) != 1 || !strings.HasPrefix(auth[0], "Bearer ") || len(auth[0]) == len("Bearer ") {
				continue
			}
			cfg, err := f.ConfigBytes(v)
			if err != nil {
				t.Fatal(err)
			}
			var def struct {
				Default string `json:"default"`
			}
			if json.Unmarshal(cfg, &def); def.Default == "deny" {
				continue
			}
			out = append(out, tokenVector{file: f, v: v, config: cfg, token: strings.TrimPrefix(auth[0], "Bearer "), now: req.Now})
		}
	}
	return out
}

// TestDifferential runs every token-level vector through edgeauth and
// through the independent verifier (go-jose v4 plus plain claim checks,
// independent_test.go). A disagreement must be explained by the vector's
// "differential" field, and an explanation must match a disagreement, so
// the list of known differences can neither grow silently nor go stale.
func TestDifferential(t *testing.T) {
	files := loadCorpus(t)
	vecs := tokenVectors(t, files)
	if len(vecs) < 500 {
		t.Fatalf("only %d token-level vectors; the selection is broken", len(vecs))
	}
	engines := map[string]*edgeauth.Authorizer{}
	configs := map[string]*indepConfig{}
	var agree, explained int
	for _, tv := range vecs {
		t.Run(tv.file.Name+"/"+tv.v.Name, func(t *testing.T) {
			key := string(tv.config)
			a, ok := engines[key]
			if !ok {
				a = edgeauth.NewAuthorizer(edgeauth.Options{})
				if err := a.Configure(tv.config); err != nil {
					t.Fatalf("edgeauth rejects the vector's config: %v", err)
				}
				engines[key] = a
				c, err := parseIndepConfig(tv.config)
				if err != nil {
					t.Fatalf("independent config: %v", err)
				}
				configs[key] = c
			}
			d := a.Authorize(&edgeauth.Request{Method: "GET", Path: "/whoami",
				Headers: map[string][]string{"authorization": {"Bearer " + tv.token}}, Now: &tv.now})
			var native bool
			switch {
			case d.Allow:
				native = true
			case d.Status == 401 && d.Error == edgeauth.CodeInvalidToken:
			default:
				t.Fatalf("not a token-level decision: %+v", d)
			}
			err := independentVerify(configs[key], tv.token, tv.now)
			indep := err == nil
			switch {
			case native == indep && tv.v.Differential == "":
				agree++
			case native == indep:
				t.Errorf("the vector explains a disagreement that does not happen (both %s): %q; remove it from tests/internal/genvectors/differential.go",
					verdict(native), tv.v.Differential)
			case tv.v.Differential == "":
				t.Errorf("unexplained disagreement on %s/%s: edgeauth %s, independent %s (%v)\nsource: %s\nexplain it in tests/internal/genvectors/differential.go, or fix the validator",
					tv.file.Name, tv.v.Name, verdict(native), verdict(indep), err, tv.v.Source)
			default:
				explained++
				if !native && indep {
					// The dangerous direction is the other one; log which
					// tokens only the stricter side refuses.
					t.Logf("edgeauth refuses, go-jose accepts: %s", tv.v.Differential)
				}
			}
		})
	}
	summarize("differential: %d token-level vectors, %d agree with go-jose, %d explained disagreements", len(vecs), agree, explained)
}

func verdict(accept bool) string {
	if accept {
		return "accepts"
	}
	return "refuses"
}
