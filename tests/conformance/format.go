package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// File is one vector file: named ABI v1 Configs and the vectors that use them.
type File struct {
	// Name is the file's base name without ".json"; it is not stored in the
	// file itself but set by LoadDir.
	Name string `json:"-"`
	// Configs holds ABI v1 Config objects by name, kept as raw JSON so that an
	// engine is configured with exactly the bytes the generator wrote.
	Configs map[string]json.RawMessage `json:"configs"`
	Vectors []Vector                   `json:"vectors"`
}

// Vector is one request judged under one Config.
type Vector struct {
	Name string `json:"name"`
	// Source names the rule the vector checks: a rule of ABI.md or an RFC
	// section.
	Source string `json:"source"`
	// Differential, when set, explains why the independent verifier of
	// TestDifferential (go-jose v4, strictly configured) decides this token
	// differently from the corpus; the test fails on any disagreement
	// without one and on any explanation without a disagreement.
	Differential string `json:"differential,omitempty"`
	// Config is either a string naming an entry of File.Configs or an inline
	// Config object. Ignored when ConfigJSON is set.
	Config json.RawMessage `json:"config,omitempty"`
	// ConfigJSON, when set, is passed to Configure byte for byte; it expresses
	// configs that are not a JSON object at all.
	ConfigJSON *string `json:"config_json,omitempty"`
	// ConfigError means Configure must reject the config. The request is then
	// judged by an engine on which that Configure failed: PreviousConfig, when
	// set, was accepted just before (and must still be in force); otherwise the
	// engine was never configured (and must deny every request with 401).
	ConfigError    bool   `json:"config_error,omitempty"`
	PreviousConfig string `json:"previous_config,omitempty"`
	// Request is an ABI v1 Request, always with a fixed "now".
	Request json.RawMessage `json:"request"`
	// Expect holds the expected Decision fields; see Check for how each one is
	// compared and what a JSON null means.
	Expect map[string]json.RawMessage `json:"expect"`
}

// ErrCorpus reports a malformed vector file or vector.
var ErrCorpus = errors.New("conformance: malformed corpus")

// ConfigBytes returns the exact bytes to pass to Configure for v: ConfigJSON,
// the inline object, or the named entry of f.Configs.
func (f *File) ConfigBytes(v *Vector) ([]byte, error) {
	if v.ConfigJSON != nil {
		return []byte(*v.ConfigJSON), nil
	}
	return f.resolve(v.Config)
}

// PreviousConfigBytes returns the config named by v.PreviousConfig, or nil
// when the vector has none.
func (f *File) PreviousConfigBytes(v *Vector) ([]byte, error) {
	if v.PreviousConfig == "" {
		return nil, nil
	}
	raw, err := json.Marshal(v.PreviousConfig)
	if err != nil {
		return nil, err
	}
	return f.resolve(raw)
}

// ConfigKey identifies the config of v so that a runner can skip
// re-configuring an engine that already holds it: the config's name, or ""
// for an inline or raw config (which is always configured afresh).
func (v *Vector) ConfigKey() string {
	var name string
	if v.ConfigJSON == nil && json.Unmarshal(v.Config, &name) == nil {
		return name
	}
	return ""
}

func (f *File) resolve(ref json.RawMessage) ([]byte, error) {
	ref = bytes.TrimSpace(ref)
	switch {
	case len(ref) == 0:
		return nil, fmt.Errorf("%w: vector has no config", ErrCorpus)
	case ref[0] == '{':
		return ref, nil
	case ref[0] == '"':
		var name string
		if err := json.Unmarshal(ref, &name); err != nil {
			return nil, fmt.Errorf("%w: config name: %v", ErrCorpus, err)
		}
		cfg, ok := f.Configs[name]
		if !ok {
			return nil, fmt.Errorf("%w: unknown config %q", ErrCorpus, name)
		}
		return cfg, nil
	default:
		return nil, fmt.Errorf("%w: config is neither a name nor an object", ErrCorpus)
	}
}

// Credentials returns every credential the vector's Authorization values
// carry (the part after the first space, or the whole value when it has
// none), for the check that no decision echoes a token.
func (v *Vector) Credentials() []string {
	var req struct {
		Headers map[string][]string `json:"headers"`
	}
	if json.Unmarshal(v.Request, &req) != nil {
		return nil
	}
	var creds []string
	for _, val := range req.Headers["authorization"] {
		if i := strings.IndexByte(val, ' '); i >= 0 {
			val = val[i+1:]
		}
		creds = append(creds, val)
	}
	return creds
}
