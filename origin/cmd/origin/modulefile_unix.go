//go:build unix

package main

import (
	"errors"
	"io/fs"
	"syscall"
)

// fileOwner returns the uid that owns fi.
func fileOwner(fi fs.FileInfo) (int, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, errors.New("the file's owner is unknown")
	}
	return int(st.Uid), nil
}
