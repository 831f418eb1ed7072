package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
)

// moduleDir is the folder module/: a committed README and, in a build made
// through `make`, the edgeauth.wasm that make copied there. Embedding the
// folder rather than the file keeps `go install ...@version` and a plain
// `go build` working: the README always matches, the module may be absent.
//
//go:embed module
var moduleDir embed.FS

// embeddedModuleFile is the module's name inside moduleDir.
const embeddedModuleFile = "module/edgeauth.wasm"

// embeddedModuleName is how logs and `origin config print` name the
// embedded module where a file path would otherwise be.
const embeddedModuleName = "(embedded)"

// errNoEmbeddedModule: auth.module is unset and this binary was built
// without a module (see module/README.md).
var errNoEmbeddedModule = errors.New("this binary embeds no auth module (it was built without `make`); " +
	"set auth.module (AUTH_MODULE) to an edgeauth.wasm, or auth.engine=native")

// embeddedModule returns the module built into the binary, or nil.
func embeddedModule() []byte {
	b, err := moduleDir.ReadFile(embeddedModuleFile)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

// sha256Hex is the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
