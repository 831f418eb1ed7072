package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxModuleBytes bounds a module read into memory; the ABI v1 module is a
// few megabytes, and Workers refuse anything over 10 MB compressed.
const maxModuleBytes = 64 << 20

// errUntrustedModule: the module file is not one the origin may load.
var errUntrustedModule = errors.New("untrusted auth module")

// moduleFile is an auth module as read: the bytes that are compiled, their
// SHA-256 (so the digest a reload compares with, the pin is checked against
// and the metrics show is that of the module serving, not of whatever the
// file holds later), and what logs call it (the path, or
// embeddedModuleName).
type moduleFile struct {
	bytes []byte
	sum   [sha256.Size]byte
	name  string
}

// readModule reads the auth module config path names: the file, or the
// module embedded in the binary when path is "". The module decides who is
// allowed in (a hostile one can allow any request as any subject), so it
// is trusted code, and only a file that no one but the origin's own user
// could have written is loaded: a regular file, owned by the user the
// origin runs as, not writable by group or others. The checks are made on
// the open file, the one that is then read. With pin (auth.moduleSHA256)
// set, the module's SHA-256 must also be pin, the embedded one's included.
// The compilation cache (cacheDir) holds machine code compiled from the
// module, run as it is: when it exists it must be a folder held the same
// way (wazero creates it 0700). On error, bytes is nil.
func readModule(path, pin, cacheDir string) (moduleFile, error) {
	m := moduleFile{name: path}
	if path == "" {
		m.name = embeddedModuleName
	}
	if err := checkCacheDir(cacheDir); err != nil {
		return m, err
	}
	if path == "" {
		if m.bytes = embeddedModule(); m.bytes == nil {
			return m, errNoEmbeddedModule
		}
	} else {
		b, err := readTrustedFile(path)
		if err != nil {
			return m, fmt.Errorf("auth module: %w", err)
		}
		m.bytes = b
	}
	m.sum = sha256.Sum256(m.bytes)
	if pin != "" && hex.EncodeToString(m.sum[:]) != strings.ToLower(pin) {
		return moduleFile{name: m.name, sum: m.sum}, fmt.Errorf("%w: %s has SHA-256 %x, auth.moduleSHA256 pins %s",
			errUntrustedModule, m.name, m.sum, strings.ToLower(pin))
	}
	return m, nil
}

// readTrustedFile reads the module file at path if the origin may trust
// it (see readModule).
func readTrustedFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", errUntrustedModule, path)
	}
	if err := ownedPrivately(path, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxModuleBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxModuleBytes {
		return nil, fmt.Errorf("%w: %s is over %d bytes", errUntrustedModule, path, maxModuleBytes)
	}
	return b, nil
}

// ownedPrivately checks that fi (of path) is owned by the origin's user and
// not writable by group or others.
func ownedPrivately(path string, fi os.FileInfo) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %o); chmod go-w it", errUntrustedModule, path, fi.Mode().Perm())
	}
	uid, err := fileOwner(fi)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUntrustedModule, path, err)
	}
	if uid != os.Geteuid() {
		return fmt.Errorf("%w: %s is owned by uid %d, not by the origin's user (uid %d)", errUntrustedModule, path, uid, os.Geteuid())
	}
	return nil
}

// checkCacheDir checks the compilation cache folder, if there is one yet.
func checkCacheDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: the cache %s is not a folder", errUntrustedModule, dir)
	}
	return ownedPrivately(dir, fi)
}

// validModuleSHA256 reports whether s is empty (no pin) or a SHA-256 in hex.
func validModuleSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return s == "" || (err == nil && len(b) == sha256.Size)
}
