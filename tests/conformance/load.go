package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// LoadDir reads every *.json file of dir (sorted by name) strictly: unknown
// fields, trailing data, duplicate vector names, unresolvable configs and
// vectors without a name, source, request or allow/status expectation are
// all errors wrapping ErrCorpus, so a typo cannot silently skip a check.
func LoadDir(dir string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no *.json files in %s", ErrCorpus, dir)
	}
	files := make([]*File, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		f.Name = strings.TrimSuffix(filepath.Base(p), ".json")
		files = append(files, f)
	}
	return files, nil
}

// Parse decodes and validates one vector file. The file must be valid
// UTF-8, so that runners in every language hand engines the same bytes.
func Parse(b []byte) (*File, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrCorpus)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorpus, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrCorpus)
	}
	if len(f.Vectors) == 0 {
		return nil, fmt.Errorf("%w: no vectors", ErrCorpus)
	}
	seen := map[string]bool{}
	for i := range f.Vectors {
		v := &f.Vectors[i]
		if err := f.validate(v); err != nil {
			return nil, fmt.Errorf("vector %d (%q): %w", i, v.Name, err)
		}
		if seen[v.Name] {
			return nil, fmt.Errorf("%w: duplicate vector name %q", ErrCorpus, v.Name)
		}
		seen[v.Name] = true
	}
	return &f, nil
}

func (f *File) validate(v *Vector) error {
	switch {
	case v.Name == "" || strings.ContainsAny(v.Name, "/ "):
		return fmt.Errorf("%w: a name must be non-empty, without spaces or slashes", ErrCorpus)
	case v.Source == "":
		return fmt.Errorf("%w: no source", ErrCorpus)
	case len(v.Request) == 0 || v.Request[0] != '{':
		return fmt.Errorf("%w: request is not an object", ErrCorpus)
	case v.Expect["allow"] == nil || v.Expect["status"] == nil:
		return fmt.Errorf("%w: expect needs allow and status", ErrCorpus)
	case v.PreviousConfig != "" && !v.ConfigError:
		return fmt.Errorf("%w: previous_config without config_error", ErrCorpus)
	}
	if _, err := f.ConfigBytes(v); err != nil {
		return err
	}
	if _, err := f.PreviousConfigBytes(v); err != nil {
		return err
	}
	var req struct {
		Now *int64 `json:"now"`
	}
	if err := json.Unmarshal(v.Request, &req); err != nil || req.Now == nil {
		return fmt.Errorf("%w: request needs a fixed integer now", ErrCorpus)
	}
	return nil
}

// Count returns the number of vectors in files.
func Count(files []*File) int {
	n := 0
	for _, f := range files {
		n += len(f.Vectors)
	}
	return n
}
