// Command wasmmeter instruments a WebAssembly module so that it bounds its
// own running time, and joins its data segments (see package meter):
// wasmmeter [-export NAME] IN OUT.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/craftingapis/todos/wasmhost/meter"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wasmmeter:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wasmmeter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	export := fs.String("export", meter.DefaultExport, "name of the exported fuel global")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("usage: wasmmeter [-export NAME] IN OUT")
	}
	in, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	out, err := meter.Instrument(in, *export)
	if err != nil {
		return err
	}
	if out, err = meter.CompactData(out, meter.DefaultDataGap); err != nil {
		return err
	}
	// Write then rename, so a failed run never leaves a half-written module
	// where make expects a good one.
	tmp := fs.Arg(1) + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, fs.Arg(1))
}
