package testmodules

// Value types of the wasm binary format.
const (
	I32 byte = 0x7f
	I64 byte = 0x7e
)

// Func is one function of an assembled module. Its body ignores its
// parameters and returns Const for each result.
type Func struct {
	Export          string // "" keeps it private
	Params, Results []byte
	Const           int64
}

// Import is one imported function, of type () -> ().
type Import struct{ Module, Name string }

// Assemble writes a minimal wasm binary: imports, funcs, and, when memory is
// set, one exported 1-page memory named "memory". Hand-made modules compile
// in microseconds even under -race, so the host's checks of a module's shape
// (exports, signatures, imports, version) can be tested case by case.
func Assemble(funcs []Func, imports []Import, memory bool) []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	// Type section: one type per function, then the import type.
	var types [][]byte
	for _, f := range funcs {
		t := append([]byte{0x60}, vec(f.Params)...)
		types = append(types, append(t, vec(f.Results)...))
	}
	types = append(types, []byte{0x60, 0, 0})
	out = section(out, 1, vecOf(types))
	if len(imports) > 0 {
		var imps [][]byte
		for _, imp := range imports {
			e := append(name(imp.Module), name(imp.Name)...)
			imps = append(imps, append(e, 0x00, byte(len(funcs))))
		}
		out = section(out, 2, vecOf(imps))
	}
	var fidx [][]byte
	for i := range funcs {
		fidx = append(fidx, []byte{byte(i)})
	}
	out = section(out, 3, vecOf(fidx))
	if memory {
		out = section(out, 5, []byte{1, 0x00, 1})
	}
	var exps [][]byte
	for i, f := range funcs {
		if f.Export != "" {
			// Imported functions come first in the function index space.
			exps = append(exps, append(name(f.Export), 0x00, byte(len(imports)+i)))
		}
	}
	if memory {
		exps = append(exps, append(name("memory"), 0x02, 0))
	}
	out = section(out, 7, vecOf(exps))
	var bodies [][]byte
	for _, f := range funcs {
		body := []byte{0} // no locals
		for _, r := range f.Results {
			op := byte(0x41) // i32.const
			if r == I64 {
				op = 0x42 // i64.const
			}
			body = append(append(body, op), sleb(f.Const)...)
		}
		body = append(body, 0x0b)
		bodies = append(bodies, append(uleb(uint64(len(body))), body...))
	}
	return section(out, 10, vecOf(bodies))
}

// ABIShaped returns the functions of ABI v1 with their exact signatures,
// edgeauth_abi_version returning version and edgeauth_alloc a usable
// address.
func ABIShaped(version int64) []Func {
	return []Func{
		{Export: "_initialize"},
		{Export: "edgeauth_abi_version", Results: []byte{I32}, Const: version},
		{Export: "edgeauth_alloc", Params: []byte{I32}, Results: []byte{I32}, Const: 1024},
		{Export: "edgeauth_free", Params: []byte{I32}},
		{Export: "edgeauth_configure", Params: []byte{I32, I32}, Results: []byte{I64}},
		{Export: "edgeauth_authorize", Params: []byte{I32, I32}, Results: []byte{I64}},
	}
}

func section(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = append(out, uleb(uint64(len(body)))...)
	return append(out, body...)
}

func vec(b []byte) []byte { return append(uleb(uint64(len(b))), b...) }

func vecOf(items [][]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func name(s string) []byte { return vec([]byte(s)) }

func uleb(v uint64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

func sleb(v int64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}
