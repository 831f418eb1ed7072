package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConfigPrintRedactsEdgeConfigToken(t *testing.T) {
	const token = "an-edge-config-token-of-enough-length-0123"
	for _, set := range []bool{false, true} {
		env := baseEnv(t)
		if set {
			env["EDGE_CONFIG_TOKEN"] = token
		}
		out, err := runCmd(t, env, "config", "print", "-enable-security=false")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, token) {
			t.Fatalf("config print shows the edge config token:\n%s", out)
		}
		var got struct {
			Edge struct {
				ConfigToken string `json:"configToken"`
			} `json:"edge"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if want := map[bool]string{false: "", true: redactedPassword}[set]; got.Edge.ConfigToken != want {
			t.Fatalf("set=%v: edge.configToken printed as %q, want %q", set, got.Edge.ConfigToken, want)
		}
	}
}
