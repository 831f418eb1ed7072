package conformance_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
)

// TestRunnables holds what the JS runners receive (through tests/cmd/judge)
// to what the Go harnesses use: the same bytes to configure and request
// with, and the same judgement of a decision.
func TestRunnables(t *testing.T) {
	decisions := [][]byte{
		[]byte(`{"allow":true,"status":200,"subject":"users/42","scopes":[],"jti":"x","expires_at":1}`),
		[]byte(`{"allow":false,"status":401,"error":"invalid_token","error_description":"x","www_authenticate":"Bearer realm=\"todos\", error=\"invalid_token\""}`),
	}
	for _, f := range loadCorpus(t) {
		b, err := os.ReadFile(filepath.Join(corpusDir, f.Name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := conformance.Runnables(b)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if len(rs) != len(f.Vectors) {
			t.Fatalf("%s: %d runnables for %d vectors", f.Name, len(rs), len(f.Vectors))
		}
		for i, r := range rs {
			v := &f.Vectors[i]
			cfg, _ := f.ConfigBytes(v)
			prev, _ := f.PreviousConfigBytes(v)
			if r.Name != v.Name || r.Source != v.Source || r.Config != string(cfg) || r.ConfigKey != v.ConfigKey() ||
				r.ConfigError != v.ConfigError || r.PreviousKey != v.PreviousConfig || r.Request != string(v.Request) ||
				(r.PreviousConfig == nil) != (prev == nil) || (prev != nil && *r.PreviousConfig != string(prev)) {
				t.Fatalf("%s/%s: runnable %+v differs from the vector", f.Name, v.Name, r)
			}
			for _, d := range decisions {
				if got, want := conformance.CheckVectorJSON([]byte(r.Vector), d), conformance.Check(v, d); !slices.Equal(got, want) {
					t.Fatalf("%s/%s: CheckVectorJSON = %q, Check = %q", f.Name, v.Name, got, want)
				}
			}
		}
	}
}

func TestRunnablesRejectMalformedFiles(t *testing.T) {
	for _, c := range []struct{ name, file string }{
		{"not JSON", `{`},
		{"not UTF-8", "{\"configs\":{},\"vectors\":[\"\xff\"]}"},
		{"no vectors", `{"configs":{},"vectors":[]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := conformance.Runnables([]byte(c.file)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestRecordFormat writes a Record and reads it back as the matrix does.
func TestRecordFormat(t *testing.T) {
	dir := t.TempDir()
	d := `{"allow":false,"status":401}`
	rec := &conformance.Record{Host: "h", Total: 2, Passed: 1, Vectors: map[string]*conformance.RecordEntry{
		"f/a": {Pass: true, Problems: []string{}, Decision: &d},
		"f/b": {Problems: []string{"engine failed"}},
	}}
	if err := rec.WriteFile(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "h.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"host": "h", "total": 2.0, "passed": 1.0, "vectors": map[string]any{
		"f/a": map[string]any{"pass": true, "problems": []any{}, "decision": d},
		"f/b": map[string]any{"pass": false, "problems": []any{"engine failed"}, "decision": nil},
	}}
	if gb, _ := json.Marshal(got); string(gb) != string(must(json.Marshal(want))) {
		t.Fatalf("record file:\n%s\nwant the shape of\n%s", b, must(json.Marshal(want)))
	}
	if err := conformance.RemoveRecord(dir, "h"); err != nil {
		t.Fatal(err)
	}
	if err := conformance.RemoveRecord(dir, "h"); err != nil {
		t.Fatalf("removing a missing record: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "h.json")); !os.IsNotExist(err) {
		t.Fatalf("the record is still there: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
