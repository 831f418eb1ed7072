package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestPprofOnlyOnTheAdminListener(t *testing.T) {
	tests := []struct {
		name  string
		pprof string
		want  int
	}{
		{"on", "true", http.StatusOK},
		{"off by default", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv(t)
			env["METRICS_ADDR"] = "127.0.0.1:0"
			if tt.pprof != "" {
				env["METRICS_PPROF"] = tt.pprof
			}
			s := startServe(t, env, "-enable-security=false")
			admin := strings.TrimSuffix(s.metricsURL(t), "/metrics")
			resp, err := http.Get(admin + "/debug/pprof/cmdline")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("admin /debug/pprof/cmdline = %d, want %d", resp.StatusCode, tt.want)
			}
			if code, _ := s.do(t, "GET", "/debug/pprof/cmdline", "", ""); code != http.StatusNotFound {
				t.Fatalf("API /debug/pprof/cmdline = %d, want 404: profiles are only on the admin listener", code)
			}
		})
	}
}
