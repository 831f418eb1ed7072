package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Runnable is one vector as a runner in another language needs it, so that
// it neither parses the corpus nor judges decisions by rules of its own:
// the exact bytes to configure and to request with, and the vector's own
// JSON to hand back to CheckVectorJSON with the decision. The JS runners
// reach Runnables and CheckVectorJSON through tests/cmd/judge, this
// package compiled to a WASI module.
type Runnable struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Config is what to pass to Configure (see File.ConfigBytes).
	Config string `json:"config"`
	// ConfigKey is Vector.ConfigKey: a runner may skip configuring an
	// engine that already holds the config of that name.
	ConfigKey   string `json:"config_key"`
	ConfigError bool   `json:"config_error"`
	// PreviousConfig and PreviousKey are the config accepted before a
	// config error, or null and "".
	PreviousConfig *string `json:"previous_config"`
	PreviousKey    string  `json:"previous_key"`
	Request        string  `json:"request"`
	// Vector is the vector's JSON text in the file.
	Vector string `json:"vector"`
}

// Runnables parses one vector file as Parse does (with its errors) and
// returns its vectors in order.
func Runnables(file []byte) ([]Runnable, error) {
	f, err := Parse(file)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Vectors []json.RawMessage `json:"vectors"`
	}
	if err := json.Unmarshal(file, &raw); err != nil || len(raw.Vectors) != len(f.Vectors) {
		return nil, fmt.Errorf("%w: vectors: %v", ErrCorpus, err)
	}
	out := make([]Runnable, len(f.Vectors))
	for i := range f.Vectors {
		v := &f.Vectors[i]
		cfg, err := f.ConfigBytes(v)
		if err != nil {
			return nil, err
		}
		r := Runnable{
			Name:        v.Name,
			Source:      v.Source,
			Config:      string(cfg),
			ConfigKey:   v.ConfigKey(),
			ConfigError: v.ConfigError,
			PreviousKey: v.PreviousConfig,
			Request:     string(v.Request),
			Vector:      string(raw.Vectors[i]),
		}
		if v.PreviousConfig != "" {
			prev, err := f.PreviousConfigBytes(v)
			if err != nil {
				return nil, err
			}
			s := string(prev)
			r.PreviousConfig = &s
		}
		out[i] = r
	}
	return out, nil
}

// CheckVectorJSON is Check for a vector given as its JSON text (a
// Runnable's Vector): the problems of decision, none when it passes.
func CheckVectorJSON(vector, decision []byte) []string {
	var v Vector
	dec := json.NewDecoder(bytes.NewReader(vector))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%v: vector: %v", ErrCorpus, err)}
	}
	return Check(&v, decision)
}
