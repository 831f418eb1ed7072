package main

import (
	"encoding/json"
	"fmt"
)

// EdgeConfig is what the origin shares with edge gates.
type EdgeConfig struct {
	// ConfigToken is the credential edges present (Authorization: Bearer)
	// to read the full /.well-known/edgeauth.json, revocations and subject
	// cutoffs included; without it they get the public subset (keys and
	// routes). Empty: nobody gets the full document, and a warning is
	// logged at start. A secret: prefer EDGE_CONFIG_TOKEN to the file or
	// the flag, and it is redacted wherever the config is shown.
	ConfigToken string `json:"configToken"`
}

// envEdgeConfigToken is edge.configToken's environment variable, named in
// the start-up warning.
const envEdgeConfigToken = "EDGE_CONFIG_TOKEN"

// minEdgeConfigTokenLen: a token must not be guessable; 32 characters of
// `openssl rand -base64 32` carry 192 bits or more.
const minEdgeConfigTokenLen = 32

// MarshalJSON writes the edge settings with the token replaced by whether
// it is set, so `origin config print` never shows it.
func (e EdgeConfig) MarshalJSON() ([]byte, error) {
	type plain EdgeConfig // no MarshalJSON: no recursion
	p := plain(e)
	if p.ConfigToken != "" {
		p.ConfigToken = redactedPassword
	}
	return json.Marshal(p)
}

// edgeSettings are the config keys of EdgeConfig, appended to settings().
func edgeSettings() []setting {
	return []setting{
		{key: "edge.configToken", env: envEdgeConfigToken, flag: "edge-config-token",
			help: "credential edges present to read the full edge config (a secret: prefer the environment)",
			set:  setString(func(c *Config) *string { return &c.Edge.ConfigToken })},
	}
}

func (e EdgeConfig) validate() error {
	if e.ConfigToken != "" && len(e.ConfigToken) < minEdgeConfigTokenLen {
		return fmt.Errorf("%w: edge.configToken must be at least %d characters (e.g. openssl rand -base64 32)", errConfig, minEdgeConfigTokenLen)
	}
	return nil
}
