package meter_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/craftingapis/todos/wasmhost/meter"
)

// loops is a module with no globals and no export section of its own fuel:
//
//	(func (export "count") (param $n i32) (result i32) (local $i i32)
//	  block loop
//	    local.get $i  local.get $n  i32.ge_u  br_if 1
//	    local.get $i  i32.const 1  i32.add  local.set $i  br 0
//	  end end  local.get $i)
//	(func (export "spin") loop br 0 end)
//	(func (export "flat") (result i32) i32.const 7)
var loops = []byte("\x00asm\x01\x00\x00\x00" +
	// types: (i32)->i32, ()->(), ()->i32
	"\x01\x0d\x03\x60\x01\x7f\x01\x7f\x60\x00\x00\x60\x00\x01\x7f" +
	"\x03\x04\x03\x00\x01\x02" +
	"\x07\x17\x03\x05count\x00\x00\x04spin\x00\x01\x04flat\x00\x02" +
	"\x0a\x2b\x03" +
	"\x1c\x01\x01\x7f\x02\x40\x03\x40\x20\x01\x20\x00\x4f\x0d\x01\x20\x01\x41\x01\x6a\x21\x01\x0c\x00\x0b\x0b\x20\x01\x0b" +
	"\x07\x00\x03\x40\x0c\x00\x0b\x0b" +
	"\x04\x00\x41\x07\x0b")

func instantiate(t *testing.T, module []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	m, err := r.Instantiate(ctx, module)
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return m
}

func TestInstrumentCountsLoopIterations(t *testing.T) {
	out, err := meter.Instrument(loops, meter.DefaultExport)
	if err != nil {
		t.Fatal(err)
	}
	m := instantiate(t, out)
	fuel, ok := m.ExportedGlobal(meter.DefaultExport).(api.MutableGlobal)
	if !ok {
		t.Fatalf("no mutable global %q exported", meter.DefaultExport)
	}
	if got := fuel.Get(); got != meter.Unlimited {
		t.Errorf("initial fuel = %d, want Unlimited", got)
	}
	ctx := context.Background()
	tests := []struct {
		name      string
		fuel, n   uint64
		wantTrap  bool
		wantSpent uint64
	}{
		{name: "zero iterations enter the loop once", fuel: 100, n: 0, wantSpent: 1},
		{name: "ten iterations and the exit", fuel: 100, n: 10, wantSpent: 11},
		{name: "exactly enough", fuel: 11, n: 10, wantSpent: 11},
		{name: "one short", fuel: 10, n: 10, wantTrap: true},
		{name: "none", fuel: 0, n: 0, wantTrap: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fuel.Set(tc.fuel)
			res, err := m.ExportedFunction("count").Call(ctx, tc.n)
			if tc.wantTrap {
				if err == nil || !strings.Contains(err.Error(), "unreachable") {
					t.Fatalf("count(%d) with fuel %d: err = %v, want an unreachable trap", tc.n, tc.fuel, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res[0] != tc.n {
				t.Errorf("count(%d) = %d: instrumenting changed the result", tc.n, res[0])
			}
			if spent := tc.fuel - fuel.Get(); spent != tc.wantSpent {
				t.Errorf("spent %d fuel, want %d", spent, tc.wantSpent)
			}
		})
	}
}

func TestInstrumentStopsAnEndlessLoop(t *testing.T) {
	out, err := meter.Instrument(loops, meter.DefaultExport)
	if err != nil {
		t.Fatal(err)
	}
	m := instantiate(t, out)
	m.ExportedGlobal(meter.DefaultExport).(api.MutableGlobal).Set(1_000_000)
	if _, err := m.ExportedFunction("spin").Call(context.Background()); err == nil {
		t.Fatal("spin returned: the endless loop was not stopped")
	}
}

func TestInstrumentLeavesLoopFreeCodeAlone(t *testing.T) {
	out, err := meter.Instrument(loops, meter.DefaultExport)
	if err != nil {
		t.Fatal(err)
	}
	m := instantiate(t, out)
	fuel := m.ExportedGlobal(meter.DefaultExport).(api.MutableGlobal)
	fuel.Set(0)
	res, err := m.ExportedFunction("flat").Call(context.Background())
	if err != nil || res[0] != 7 {
		t.Fatalf("flat() = %v, %v; want 7 with no fuel at all", res, err)
	}
}

func TestMetered(t *testing.T) {
	if ok, err := meter.Metered(loops, meter.DefaultExport); err != nil || ok {
		t.Fatalf("Metered(plain) = %v, %v", ok, err)
	}
	out, err := meter.Instrument(loops, meter.DefaultExport)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := meter.Metered(out, meter.DefaultExport); err != nil || !ok {
		t.Fatalf("Metered(instrumented) = %v, %v", ok, err)
	}
	if _, err := meter.Instrument(out, meter.DefaultExport); !errors.Is(err, meter.ErrUnsupported) {
		t.Fatalf("instrumenting twice: err = %v, want ErrUnsupported", err)
	}
}

func TestInstrumentRefusesWhatItCannotRead(t *testing.T) {
	simd := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00" +
		"\x0a\x07\x01\x05\x00\xfd\x0c\x00\x0b") // a v128 opcode
	tests := []struct {
		name   string
		module []byte
		want   error
	}{
		{"not wasm", []byte("hello, world"), meter.ErrMalformed},
		{"truncated", loops[:len(loops)-3], meter.ErrMalformed},
		{"simd", simd, meter.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := meter.Instrument(tc.module, meter.DefaultExport); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
