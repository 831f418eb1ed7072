package main

import (
	"errors"
	"testing"
)

func TestConfigEngine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
		err  bool
	}{
		{"default is wasm", nil, nil, engineWasm, false},
		{"env native", nil, map[string]string{"AUTH_ENGINE": "native"}, engineNative, false},
		{"flag wins over env", []string{"-auth-engine", "wasm"}, map[string]string{"AUTH_ENGINE": "native"}, engineWasm, false},
		{"unknown engine", nil, map[string]string{"AUTH_ENGINE": "fast"}, "", true},
		{"case matters", nil, map[string]string{"AUTH_ENGINE": "Native"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, tt.env)
			if tt.err {
				if !errors.Is(err, errConfig) {
					t.Fatalf("err = %v, want errConfig", err)
				}
				return
			}
			if err != nil || c.Auth.Engine != tt.want {
				t.Fatalf("engine %q, err %v; want %q", c.Auth.Engine, err, tt.want)
			}
		})
	}
}
