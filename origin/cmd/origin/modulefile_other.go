//go:build !unix

package main

import (
	"errors"
	"io/fs"
)

// fileOwner cannot tell a file's owner here: readModule then refuses the
// module (fail closed) rather than load one anyone could have written.
func fileOwner(fs.FileInfo) (int, error) {
	return 0, errors.New("file ownership cannot be checked on this system")
}
