package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/craftingapis/todos/origin/httpapi"
)

// buildInfo is what `origin version` reports; a function of its inputs so
// that tests can give it any build.
type buildInfo struct {
	Module   string // the main module's path and version, e.g. "github.com/... v1.2.0" or "(devel)"
	Revision string // the VCS revision, its time and "+modified", or "unknown"
	Go       string // the toolchain that built the binary
	Auth     string // the embedded auth module: its size and SHA-256, or why there is none
	Docs     string // the Swagger UI serving /docs, or that there is none
}

// currentBuild reads the running binary's build information
// (runtime/debug.ReadBuildInfo: the module version `go install` or `go
// build` stamped, and the VCS settings `go build` records in a checkout)
// and hashes the embedded module.
func currentBuild() buildInfo {
	b := buildInfo{Module: "unknown", Revision: "unknown", Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.Module = bi.Main.Path + " " + bi.Main.Version
		b.Go = bi.GoVersion
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			b.Revision = rev
			if at != "" {
				b.Revision += " (" + at + ")"
			}
			if modified == "true" {
				b.Revision += " +modified"
			}
		}
	}
	if m := embeddedModule(); m != nil {
		b.Auth = fmt.Sprintf("edgeauth.wasm, %d bytes, sha256 %s", len(m), sha256Hex(m))
	} else {
		b.Auth = "none embedded (set auth.module)"
	}
	b.Docs = "no Swagger UI embedded (/docs says so; /openapi.json is served)"
	if v := httpapi.SwaggerUIVersion(); v != "" {
		b.Docs = "Swagger UI " + v + " (swagger-ui-dist) at /docs"
	}
	return b
}

// runVersion prints the build: `origin version`.
func runVersion(args []string, stdout io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	b := currentBuild()
	_, err := fmt.Fprintf(stdout, "origin:      %s\nrevision:    %s\ngo:          %s\nauth module: %s\napi docs:    %s\n",
		b.Module, b.Revision, b.Go, b.Auth, b.Docs)
	return err
}
