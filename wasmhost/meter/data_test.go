package meter_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/craftingapis/todos/edgeauth/edgeauthtest"
	"github.com/craftingapis/todos/wasmhost/meter"
)

// seg is one data segment of a test module: active in memory 0 at offset,
// unless passive.
type seg struct {
	offset  int
	init    string
	passive bool
}

// dataModule is a module with one exported page of memory, the data
// segments segs (and their count) and, when dataDrop, a function that
// drops segment 0.
func dataModule(dataDrop bool, segs ...seg) []byte {
	section := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, uleb(len(body))...), body...)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	if dataDrop {
		m = append(m, section(1, []byte{0x01, 0x60, 0x00, 0x00})...) // type () -> ()
		m = append(m, section(3, []byte{0x01, 0x00})...)             // one function
	}
	m = append(m, section(5, []byte{0x01, 0x00, 0x01})...) // memory, min 1 page
	m = append(m, section(7, append([]byte{0x01, 0x06}, "memory\x02\x00"...))...)
	m = append(m, section(12, uleb(len(segs)))...)
	if dataDrop {
		body := []byte{0x00, 0xfc, 0x09, 0x00, 0x0b} // no locals; data.drop 0; end
		m = append(m, section(10, append([]byte{0x01, byte(len(body))}, body...))...)
	}
	data := uleb(len(segs))
	for _, s := range segs {
		if s.passive {
			data = append(data, 0x01)
		} else {
			data = append(data, 0x00, 0x41)
			data = append(data, sleb(s.offset)...)
			data = append(data, 0x0b)
		}
		data = append(data, uleb(len(s.init))...)
		data = append(data, s.init...)
	}
	return append(m, section(11, data)...)
}

func uleb(v int) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		if v >>= 7; v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func sleb(v int) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// memoryAfterStart instantiates module (with WASI, start functions not
// run) and returns a copy of its memory as data segments left it.
func memoryAfterStart(t *testing.T, module []byte) []byte {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	m, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	mem, ok := m.Memory().Read(0, m.Memory().Size())
	if !ok {
		t.Fatal("memory unreadable")
	}
	return bytes.Clone(mem)
}

func TestCompactData(t *testing.T) {
	tests := []struct {
		name    string
		module  []byte
		changed bool
	}{
		{"gaps within the limit join", dataModule(false, seg{0, "ab", false}, seg{4, "cd", false}, seg{38, "ef", false}), true},
		{"adjacent segments join", dataModule(false, seg{10, "ab", false}, seg{12, "cd", false}), true},
		{"a gap past the limit stays", dataModule(false, seg{0, "ab", false}, seg{100, "cd", false}), false},
		{"a passive segment leaves the module alone", dataModule(false, seg{0, "ab", false}, seg{4, "cd", false}, seg{0, "p", true}), false},
		{"segments out of order join in order", dataModule(false, seg{8, "ab", false}, seg{0, "cd", false}, seg{4, "ef", false}), true},
		{"overlapping segments leave the module alone", dataModule(false, seg{0, "abcd", false}, seg{2, "xy", false}), false},
		{"code naming a segment leaves the module alone", dataModule(true, seg{0, "ab", false}, seg{4, "cd", false}), false},
		{"one segment stays", dataModule(false, seg{0, "ab", false}), false},
		{"a segment past the memory leaves the module alone", dataModule(false, seg{0, "ab", false}, seg{4, "cd", false}, seg{65535, "ef", false}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := meter.CompactData(tt.module, 32)
			if err != nil {
				t.Fatal(err)
			}
			if changed := !bytes.Equal(out, tt.module); changed != tt.changed {
				t.Fatalf("changed = %t, want %t", changed, tt.changed)
			}
			if tt.changed && !bytes.Equal(memoryAfterStart(t, out), memoryAfterStart(t, tt.module)) {
				t.Fatal("the memory differs after instantiation")
			}
		})
	}
	if _, err := meter.CompactData([]byte("\x00asm\x01\x00\x00\x00\x0b\x05\x01\x00\x41"), 32); err == nil {
		t.Error("a truncated data section was accepted")
	}
}

// TestCompactDataRealModule joins the segments of the edgeauth module as Go
// builds it (tens of thousands from Go's linker) into a few, with the same
// memory. It reads the build before make wasm meters and compacts it.
func TestCompactDataRealModule(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the module twice")
	}
	module, err := os.ReadFile(strings.TrimSuffix(edgeauthtest.ModulePath(t), ".wasm") + ".unmetered.wasm")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no unmetered build next to the module (make wasm writes one)")
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := meter.CompactData(module, meter.DefaultDataGap)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out, module) {
		t.Fatal("no segment was joined")
	}
	if again, err := meter.CompactData(out, meter.DefaultDataGap); err != nil || !bytes.Equal(again, out) {
		t.Fatalf("compacting twice changed the module again (err %v)", err)
	}
	if !bytes.Equal(memoryAfterStart(t, out), memoryAfterStart(t, module)) {
		t.Fatal("the memory differs after instantiation")
	}
}
