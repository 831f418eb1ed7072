// Command genvectors writes the ABI v1 conformance corpus
// (tests/testdata/conformance/*.json) from the fixed keys in
// tests/testdata/conformance/keys. Run it from the repository root:
//
//	go run ./tests/cmd/genvectors
//
// The output is deterministic; TestCorpusIsGenerated fails when the
// checked-in files differ from it, so vectors are never edited by hand.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/craftingapis/todos/tests/internal/genvectors"
)

func main() {
	dir := flag.String("dir", "tests/testdata/conformance", "corpus directory (holds keys/ and receives *.json)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genvectors:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := genvectors.Generate(os.DirFS(filepath.Join(dir, "keys")))
	if err != nil {
		return err
	}
	// Remove vector files the generator no longer makes, so that a renamed
	// file does not linger and keep running.
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("genvectors: wrote %d files to %s\n", len(names), dir)
	return nil
}
