// Package meter makes a WebAssembly module bound its own running time, and
// joins its data segments (CompactData).
//
// Instrument rewrites a module so that every loop iteration spends one unit
// of fuel from a mutable i64 global the module exports, and traps
// (unreachable) when a loop header is reached with none left. A host sets the
// fuel before each call; a module that loops forever then traps after a
// bounded amount of work, on any host that can write an exported global
// (wazero, every JavaScript engine), with no help from the engine.
//
// Why not the engine's own interruption: wazero can only stop a call that
// runs away by compiling an indirect call to a trampoline into every loop
// header (WithCloseOnContextDone), and Go's wasm code enters a loop in every
// function, so that check costs more than the work it guards. The check
// inserted here is a few plain instructions on a global.
//
// Only loop headers are metered: code without loops ends after a number of
// instructions bounded by its size, and recursion ends at the engine's stack
// limit. A host that never sets the fuel gets the initial value, which is
// large enough to be no limit at all, so a metered module runs unchanged on
// hosts that do not know about it.
package meter

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// DefaultExport is the name of the fuel global that edgeauth modules
// export (see edgeauth/ABI.md).
const DefaultExport = "edgeauth_fuel"

// Unlimited is the fuel a metered module starts with: at one unit per loop
// iteration, no real call exhausts it.
const Unlimited = 1 << 62

// ErrUnsupported reports a module that uses a feature the instrumenter does
// not decode (SIMD, exception handling); it is refused rather than metered
// wrongly.
var ErrUnsupported = errors.New("meter: unsupported module")

// ErrMalformed reports bytes that are not a well-formed module.
var ErrMalformed = errors.New("meter: malformed module")

// Section ids of the binary format.
const (
	secCustom = 0
	secImport = 2
	secGlobal = 6
	secExport = 7
	secCode   = 10
)

// Instrument returns a copy of module in which every loop spends fuel from a
// new mutable i64 global exported as export. It fails for a module that
// already exports that name, that is malformed, or that uses instructions
// it does not know.
func Instrument(module []byte, export string) ([]byte, error) {
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	if _, ok, err := exportedGlobal(secs, export); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("%w: it already exports %q", ErrUnsupported, export)
	}
	imported, err := importedGlobals(secs)
	if err != nil {
		return nil, err
	}
	defined, err := definedGlobals(secs)
	if err != nil {
		return nil, err
	}
	fuel := imported + defined

	var out bytes.Buffer
	out.Write(module[:8])
	wroteGlobal, wroteExport := false, false
	for _, s := range secs {
		// Sections appear in id order (custom ones anywhere): a missing
		// global or export section is written where it belongs.
		if s.id != secCustom && order(s.id) > order(secGlobal) && !wroteGlobal {
			writeSection(&out, secGlobal, appendVec(nil, 0, nil, fuelGlobal()))
			wroteGlobal = true
		}
		if s.id != secCustom && order(s.id) > order(secExport) && !wroteExport {
			writeSection(&out, secExport, appendVec(nil, 0, nil, fuelExport(export, fuel)))
			wroteExport = true
		}
		switch s.id {
		case secGlobal:
			body, err := appendItem(s.body, fuelGlobal())
			if err != nil {
				return nil, err
			}
			writeSection(&out, s.id, body)
			wroteGlobal = true
		case secExport:
			body, err := appendItem(s.body, fuelExport(export, fuel))
			if err != nil {
				return nil, err
			}
			writeSection(&out, s.id, body)
			wroteExport = true
		case secCode:
			body, err := instrumentCode(s.body, fuel)
			if err != nil {
				return nil, err
			}
			writeSection(&out, s.id, body)
		case secCustom:
			// DWARF describes code offsets, which instrumenting moves: drop it
			// rather than leave it wrong. Other custom sections (names) index
			// functions, which do not change.
			if name, _, err := readName(s.body); err == nil && bytes.HasPrefix(name, []byte(".debug_")) {
				continue
			}
			writeSection(&out, s.id, s.body)
		default:
			writeSection(&out, s.id, s.body)
		}
	}
	if !wroteGlobal {
		writeSection(&out, secGlobal, appendVec(nil, 0, nil, fuelGlobal()))
	}
	if !wroteExport {
		writeSection(&out, secExport, appendVec(nil, 0, nil, fuelExport(export, fuel)))
	}
	return out.Bytes(), nil
}

// Metered reports whether module exports a global named export, which a
// module made by Instrument does. It reads only the section headers and the
// export section.
func Metered(module []byte, export string) (bool, error) {
	secs, err := sections(module)
	if err != nil {
		return false, err
	}
	_, ok, err := exportedGlobal(secs, export)
	return ok, err
}

// fuelGlobal is the new global: mutable i64 starting at Unlimited.
func fuelGlobal() []byte {
	b := []byte{0x7e, 0x01, 0x42} // i64, mutable, i64.const
	b = appendSLEB(b, Unlimited)
	return append(b, 0x0b) // end
}

func fuelExport(name string, global uint32) []byte {
	b := appendULEB(nil, uint32(len(name)))
	b = append(b, name...)
	b = append(b, 0x03) // global
	return appendULEB(b, global)
}

// check is the code inserted after every loop's block type:
//
//	global.get fuel; i64.eqz; if; unreachable; end
//	global.get fuel; i64.const 1; i64.sub; global.set fuel
func check(fuel uint32) []byte {
	g := appendULEB(nil, fuel)
	b := append([]byte{0x23}, g...)
	b = append(b, 0x50, 0x04, 0x40, 0x00, 0x0b, 0x23)
	b = append(b, g...)
	b = append(b, 0x42, 0x01, 0x7d, 0x24)
	return append(b, g...)
}

// order is a section's place in a module; ids are not in that order (the
// data count section, 12, precedes the code section, 10).
func order(id byte) int {
	const ids = "\x01\x02\x03\x04\x05\x0d\x06\x07\x08\x09\x0c\x0a\x0b"
	return strings.IndexByte(ids, id)
}

type section struct {
	id   byte
	body []byte
}

func sections(module []byte) ([]section, error) {
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) || !bytes.Equal(module[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: not a version 1 wasm binary", ErrMalformed)
	}
	r := reader{b: module, off: 8}
	var secs []section
	for r.off < len(r.b) {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return nil, r.err
		}
		secs = append(secs, section{id, body})
	}
	return secs, nil
}

func find(secs []section, id byte) []byte {
	for _, s := range secs {
		if s.id == id {
			return s.body
		}
	}
	return nil
}

func importedGlobals(secs []section) (uint32, error) {
	r := reader{b: find(secs, secImport)}
	if len(r.b) == 0 {
		return 0, nil
	}
	var globals uint32
	for range r.u32() {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case 0x00: // func: type index
			r.u32()
		case 0x01: // table: reftype, limits
			r.byte()
			r.limits()
		case 0x02: // memory: limits
			r.limits()
		case 0x03: // global: valtype, mutability
			r.byte()
			r.byte()
			globals++
		default:
			return 0, fmt.Errorf("%w: import kind %#x", ErrUnsupported, kind)
		}
		if r.err != nil {
			return 0, r.err
		}
	}
	return globals, r.err
}

func definedGlobals(secs []section) (uint32, error) {
	r := reader{b: find(secs, secGlobal)}
	if len(r.b) == 0 {
		return 0, nil
	}
	n := r.u32()
	return n, r.err
}

func exportedGlobal(secs []section, name string) (uint32, bool, error) {
	r := reader{b: find(secs, secExport)}
	if len(r.b) == 0 {
		return 0, false, nil
	}
	for range r.u32() {
		n := r.name()
		kind := r.byte()
		idx := r.u32()
		if r.err != nil {
			return 0, false, r.err
		}
		if kind == 0x03 && string(n) == name {
			return idx, true, nil
		}
	}
	return 0, false, r.err
}

// appendItem adds one encoded item to a section that is a vector.
func appendItem(body, item []byte) ([]byte, error) {
	r := reader{b: body}
	n := r.u32()
	if r.err != nil {
		return nil, r.err
	}
	return appendVec(nil, n, body[r.off:], item), nil
}

func appendVec(dst []byte, n uint32, items, item []byte) []byte {
	dst = appendULEB(dst, n+1)
	dst = append(dst, items...)
	return append(dst, item...)
}

func writeSection(out *bytes.Buffer, id byte, body []byte) {
	out.WriteByte(id)
	out.Write(appendULEB(nil, uint32(len(body))))
	out.Write(body)
}

func readName(body []byte) ([]byte, int, error) {
	r := reader{b: body}
	n := r.name()
	return n, r.off, r.err
}

// instrumentCode rewrites the code section: every function body gets the
// check after each loop's block type.
func instrumentCode(body []byte, fuel uint32) ([]byte, error) {
	r := reader{b: body}
	count := r.u32()
	out := appendULEB(make([]byte, 0, len(body)+len(body)/8), count)
	ins := check(fuel)
	var fn []byte
	for i := range count {
		size := r.u32()
		code := r.bytes(int(size))
		if r.err != nil {
			return nil, r.err
		}
		var err error
		if fn, err = instrumentFunc(fn[:0], code, ins); err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = appendULEB(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.off != len(r.b) {
		return nil, fmt.Errorf("%w: trailing bytes in the code section", ErrMalformed)
	}
	return out, nil
}

func instrumentFunc(dst, code, ins []byte) ([]byte, error) {
	r := reader{b: code}
	for range r.u32() { // locals: count, valtype
		r.u32()
		r.byte()
	}
	if r.err != nil {
		return nil, r.err
	}
	dst = append(dst, code[:r.off]...)
	for r.off < len(r.b) {
		start := r.off
		op := r.byte()
		if err := skipImmediates(&r, op); err != nil {
			return nil, err
		}
		if r.err != nil {
			return nil, r.err
		}
		dst = append(dst, code[start:r.off]...)
		if op == 0x03 { // loop <blocktype>
			dst = append(dst, ins...)
		}
	}
	return dst, nil
}

// skipImmediates advances r past the immediates of op, the opcodes of the
// MVP plus sign extension, saturating conversions, bulk memory, reference
// types and tail calls.
func skipImmediates(r *reader, op byte) error {
	switch {
	case op == 0x00, op == 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		// no immediates
	case op >= 0x02 && op <= 0x04: // block, loop, if: block type (s33)
		r.s64()
	case op == 0x0c, op == 0x0d, op == 0x10, op == 0x12, op >= 0x20 && op <= 0x26, op == 0xd2:
		r.u32()
	case op == 0x0e: // br_table
		for range r.u32() {
			r.u32()
		}
		r.u32()
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		for range r.u32() {
			r.byte()
		}
	case op >= 0x28 && op <= 0x3e: // memarg
		if align := r.u32(); align&0x40 != 0 {
			r.u32() // memory index (multi-memory)
		}
		r.u32()
	case op == 0x3f, op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41:
		r.s64()
	case op == 0x42:
		r.s64()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null t
		r.byte()
	case op == 0xfc:
		switch sub := r.u32(); {
		case sub <= 7: // saturating truncations
		case sub == 8, sub == 10, sub == 12, sub == 14: // memory.init, memory.copy, table.init, table.copy
			r.u32()
			r.u32()
		case sub == 9, sub == 11, sub == 13, sub >= 15 && sub <= 17:
			r.u32()
		default:
			return fmt.Errorf("%w: opcode 0xfc %d", ErrUnsupported, sub)
		}
	default:
		return fmt.Errorf("%w: opcode %#x", ErrUnsupported, op)
	}
	return nil
}
