package conformance_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/craftingapis/todos/tests/conformance"
)

// FuzzParse: the corpus parser never panics, and whatever it accepts can be
// run: every vector's config resolves and its request carries a now.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	for _, p := range paths[:min(1, len(paths))] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"configs":{"c":{}},"vectors":[{"name":"a","source":"s","config":"c","request":{"now":1},"expect":{"allow":true,"status":200}}]}`))
	f.Add([]byte(`{"configs":{},"vectors":[{"name":"a","source":"s","config_json":"[]","config_error":true,"request":{"now":1},"expect":{"allow":false,"status":401}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := conformance.Parse(b)
		if err != nil {
			return
		}
		for i := range file.Vectors {
			v := &file.Vectors[i]
			if _, err := file.ConfigBytes(v); err != nil {
				t.Fatalf("accepted vector %q whose config does not resolve: %v", v.Name, err)
			}
			_ = v.Credentials()
		}
	})
}

// FuzzCheck: judging never panics on any Decision bytes, and a Decision
// that is not a JSON object is never a pass.
func FuzzCheck(f *testing.F) {
	files, err := conformance.LoadDir(corpusDir)
	if err != nil {
		f.Fatal(err)
	}
	v := &files[0].Vectors[0]
	f.Add([]byte(`{"allow":true,"status":200,"subject":"users/42","scopes":[],"jti":"j","expires_at":1}`))
	f.Add([]byte(`{"allow":false,"status":401,"error":"invalid_token","error_description":"x","www_authenticate":"Bearer realm=\"x\", error_description=\"a\\\"b\""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, decision []byte) {
		problems := conformance.Check(v, decision)
		if len(decision) == 0 && len(problems) == 0 {
			t.Fatal("an empty decision passed")
		}
		_ = conformance.SameDecision(decision, decision)
	})
}
