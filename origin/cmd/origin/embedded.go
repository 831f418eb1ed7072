package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
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

// moduleFile is an auth module as read: the bytes that are compiled, their
// SHA-256 (so the digest a reload compares with and the metrics show is
// that of the module serving, not of whatever the file holds later), and
// what logs call it (the path, or embeddedModuleName).
type moduleFile struct {
	bytes []byte
	sum   [sha256.Size]byte
	name  string
}

// readModule reads the auth module config path names: the file, or the
// module embedded in the binary when path is "".
func readModule(path string) (moduleFile, error) {
	if path == "" {
		b := embeddedModule()
		if b == nil {
			return moduleFile{name: embeddedModuleName}, errNoEmbeddedModule
		}
		return moduleFile{bytes: b, sum: sha256.Sum256(b), name: embeddedModuleName}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return moduleFile{name: path}, fmt.Errorf("auth module: %w", err)
	}
	return moduleFile{bytes: b, sum: sha256.Sum256(b), name: path}, nil
}

// sha256Hex is the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
