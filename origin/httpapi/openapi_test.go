package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/craftingapis/todos/origin"
)

// oasOperation is the part of an OpenAPI operation the tests read.
type oasOperation struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"` // nil: inherits the document's
	Parameters  []map[string]any           `json:"parameters"`
	RequestBody map[string]any             `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Scopes      []string                   `json:"x-scopes"`
}

type oasDocument struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

var oasMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) (oasDocument, map[string]oasOperation, map[string]any) {
	t.Helper()
	var doc oasDocument
	dec := json.NewDecoder(bytes.NewReader(openAPIDocument))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json has trailing data")
	}
	var raw map[string]any
	if err := json.Unmarshal(openAPIDocument, &raw); err != nil {
		t.Fatal(err)
	}
	ops := map[string]oasOperation{}
	for path, item := range doc.Paths {
		for key, body := range item {
			if !slices.Contains(oasMethods, key) {
				continue // "parameters", "summary", ...
			}
			var op oasOperation
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			ops[routeKey(strings.ToUpper(key), path)] = op
		}
	}
	return doc, ops, raw
}

// TestOpenAPIRequiredFields checks the document is an OpenAPI 3.1 document
// with the fields the specification requires and a bearer scheme.
func TestOpenAPIRequiredFields(t *testing.T) {
	doc, ops, _ := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info.title and info.version are required: %+v", doc.Info)
	}
	bearer := doc.Components.SecuritySchemes["bearerAuth"]
	if bearer.Type != "http" || bearer.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth = %+v, want type http, scheme bearer", bearer)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("the document's default security must be bearerAuth: %v", doc.Security)
	}
	ids := map[string]string{}
	for k, op := range ops {
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", k)
		} else if prev, dup := ids[op.OperationID]; dup {
			t.Errorf("%s and %s share operationId %q", prev, k, op.OperationID)
		}
		ids[op.OperationID] = k
		has2xx := false
		for code := range op.Responses {
			if len(code) == 3 && code[0] == '2' {
				has2xx = true
			}
		}
		if !has2xx {
			t.Errorf("%s documents no 2xx response", k)
		}
	}
}

// routerRoutes lists "METHOD /template" for every route the router serves;
// without head, the HEAD twins of GET routes are left out (the document
// says once that HEAD is served wherever GET is).
func routerRoutes(t *testing.T, head bool) []string {
	t.Helper()
	s := &server{security: true}
	r, err := s.router()
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	err = r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := rt.GetPathTemplate()
		if err != nil {
			return err
		}
		ms, err := rt.GetMethods()
		if err != nil {
			return err
		}
		for _, m := range ms {
			if head || m != http.MethodHead {
				served = append(served, routeKey(m, tpl))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return served
}

// TestOpenAPIMatchesRouter keeps the document honest both ways: every route
// the router serves is documented (same method and path template) and every
// documented operation is served; a public route is documented with
// security [] and an authenticated one with bearerAuth and the route rule's
// scopes.
func TestOpenAPIMatchesRouter(t *testing.T) {
	_, ops, _ := loadOpenAPI(t)
	served := routerRoutes(t, false)
	for _, k := range served {
		if _, ok := ops[k]; !ok {
			t.Errorf("the router serves %s, which openapi.json does not document", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ops)) {
		if !slices.Contains(served, k) {
			t.Errorf("openapi.json documents %s, which the router does not serve", k)
		}
	}

	for _, p := range origin.PublicRoutes {
		op, ok := ops[routeKey(p.Method, p.Path)]
		if !ok {
			continue // reported above
		}
		if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("public route %s %s must be documented with security: []", p.Method, p.Path)
		}
	}
	for _, r := range origin.RouteRules {
		k := routeKey(r.Method, r.Path)
		op, ok := ops[k]
		if !ok {
			continue
		}
		if op.Security != nil && !slices.ContainsFunc(*op.Security, func(m map[string][]string) bool { return m["bearerAuth"] != nil }) {
			t.Errorf("%s needs a token but is documented without bearerAuth", k)
		}
		if !slices.Equal(op.Scopes, r.Scopes) {
			t.Errorf("%s: x-scopes %v, route rule scopes %v", k, op.Scopes, r.Scopes)
		}
		if _, ok := op.Responses["401"]; !ok {
			t.Errorf("%s needs a token but documents no 401", k)
		}
	}
}

var pathVar = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIParametersAndRefs: every {var} of a path is declared as a
// required path parameter, and every $ref points at something that exists.
func TestOpenAPIParametersAndRefs(t *testing.T) {
	_, _, raw := loadOpenAPI(t)
	resolve := func(ref string) (any, bool) {
		if !strings.HasPrefix(ref, "#/") {
			return nil, false
		}
		var cur any = raw
		for _, part := range strings.Split(ref[2:], "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[part]; !ok {
				return nil, false
			}
		}
		return cur, true
	}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := resolve(ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, c := range v {
				walk(at+"/"+k, c)
			}
		case []any:
			for _, c := range v {
				walk(at+"[]", c)
			}
		}
	}
	walk("#", raw)

	paths := raw["paths"].(map[string]any)
	for path, item := range paths {
		item := item.(map[string]any)
		declared := func(params any) map[string]bool {
			out := map[string]bool{}
			list, _ := params.([]any)
			for _, p := range list {
				pm, _ := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					r, _ := resolve(ref)
					pm, _ = r.(map[string]any)
				}
				if pm["in"] == "path" && pm["required"] == true {
					out[pm["name"].(string)] = true
				}
			}
			return out
		}
		shared := declared(item["parameters"])
		for _, m := range oasMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			own := declared(op["parameters"])
			for _, v := range pathVar.FindAllStringSubmatch(path, -1) {
				if !shared[v[1]] && !own[v[1]] {
					t.Errorf("%s %s: path variable {%s} is not declared as a required path parameter", m, path, v[1])
				}
			}
		}
	}
}

// TestOpenAPIServed: GET /openapi.json is public (no token even with
// security on), is the embedded document, and revalidates with its ETag.
func TestOpenAPIServed(t *testing.T) {
	hs := newHarness(t, true)
	rec := hs.do("GET", "/openapi.json", "")
	mustJSON(t, rec, 200, nil)
	if !bytes.Equal(rec.Body.Bytes(), openAPIDocument) {
		t.Fatal("served document differs from the embedded one")
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public") {
		t.Fatalf("headers %v", rec.Header())
	}
	if rec := hs.do("GET", "/openapi.json", "", "If-None-Match", etag); rec.Code != 304 {
		t.Fatalf("revalidation = %d, want 304", rec.Code)
	}
	if got := OpenAPIDocument(); !bytes.Equal(got, openAPIDocument) || &got[0] == &openAPIDocument[0] {
		t.Fatal("OpenAPIDocument must return a copy of the document")
	}
}

// recordingObserver is a RequestObserver for the hook's test.
type recordingObserver struct{ seen []string }

func (o *recordingObserver) ObserveRequest(method, route string, status int, d time.Duration) {
	o.seen = append(o.seen, method+" "+route+" "+strconv.Itoa(status))
}

// TestObserverSeesTemplates: the observer gets route templates, never ids,
// also for a request the auth step refused before routing.
func TestObserverSeesTemplates(t *testing.T) {
	hs := newHarness(t, true)
	obs := &recordingObserver{}
	hs.h = mustNew(t, Options{
		Users: hs.users, Todos: hs.todos, Sessions: hs.sess, Auth: hs.auth, Control: hs.control,
		Authorizer: hs.authz, EnableSecurity: true, Observer: obs,
	})
	hs.seed()
	hs.do("GET", "/users/1", "", "Authorization", "Bearer alice")
	hs.do("GET", "/users/1/todos/77", "")
	hs.do("GET", "/nope/123", "", "Authorization", "Bearer alice")
	want := []string{"GET /users/{id} 200", "GET /users/{id}/todos/{todoId} 401", "GET (unmatched) 404"}
	if !slices.Equal(obs.seen, want) {
		t.Fatalf("observed %q, want %q", obs.seen, want)
	}
}
