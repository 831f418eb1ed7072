package abi

import (
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Export names of ABI v1.
const (
	FnInitialize = "_initialize"
	FnVersion    = "edgeauth_abi_version"
	FnAlloc      = "edgeauth_alloc"
	FnFree       = "edgeauth_free"
	FnConfigure  = "edgeauth_configure"
	FnAuthorize  = "edgeauth_authorize"
	// FuelGlobal is the optional exported global of a metered module: loop
	// iterations the current call may still run (see wasmhost/meter).
	FuelGlobal = "edgeauth_fuel"
	MemoryName = "memory"
	// Version is the only edgeauth_abi_version this package speaks.
	Version = 1
	// wasiModule is the only import namespace a module may use: an ABI v1
	// module must run unchanged on every WASI preview 1 host.
	wasiModule = "wasi_snapshot_preview1"
)

// FnUpdate is the one optional export of ABI v1: a module without it takes
// every change through FnConfigure.
const FnUpdate = "edgeauth_update"

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// exports lists every function ABI v1 requires with its exact signature.
var exports = []struct {
	name            string
	params, results []api.ValueType
}{
	{FnInitialize, nil, nil},
	{FnVersion, nil, []api.ValueType{i32}},
	{FnAlloc, []api.ValueType{i32}, []api.ValueType{i32}},
	{FnFree, []api.ValueType{i32}, nil},
	{FnConfigure, []api.ValueType{i32, i32}, []api.ValueType{i64}},
	{FnAuthorize, []api.ValueType{i32, i32}, []api.ValueType{i64}},
}

// optionalExports lists the functions ABI v1 allows a module to lack; one
// it has must have this exact signature.
var optionalExports = []struct {
	name            string
	params, results []api.ValueType
}{
	{FnUpdate, []api.ValueType{i32, i32}, []api.ValueType{i64}},
}

// Check verifies, before any instance exists, that a compiled module has the
// shape of ABI v1: every required export with its exact signature (and the
// optional one, if present, with its own), an exported memory
// and no imports outside WASI preview 1. The version number itself can only
// be read from a running instance (Instantiate checks it). Every error wraps
// ErrNotABIv1 and names the first problem found.
func Check(cm wazero.CompiledModule) error {
	fns := cm.ExportedFunctions()
	for _, want := range exports {
		def, ok := fns[want.name]
		if !ok {
			return fmt.Errorf("%w: no export %q", ErrNotABIv1, want.name)
		}
		if !slices.Equal(def.ParamTypes(), want.params) || !slices.Equal(def.ResultTypes(), want.results) {
			return fmt.Errorf("%w: export %q has signature %s, want %s", ErrNotABIv1, want.name,
				signature(def.ParamTypes(), def.ResultTypes()), signature(want.params, want.results))
		}
	}
	for _, want := range optionalExports {
		def, ok := fns[want.name]
		if ok && (!slices.Equal(def.ParamTypes(), want.params) || !slices.Equal(def.ResultTypes(), want.results)) {
			return fmt.Errorf("%w: export %q has signature %s, want %s", ErrNotABIv1, want.name,
				signature(def.ParamTypes(), def.ResultTypes()), signature(want.params, want.results))
		}
	}
	if _, ok := cm.ExportedMemories()[MemoryName]; !ok {
		return fmt.Errorf("%w: no exported memory %q", ErrNotABIv1, MemoryName)
	}
	for _, imp := range cm.ImportedFunctions() {
		if mod, name, _ := imp.Import(); mod != wasiModule {
			return fmt.Errorf("%w: imports %s.%s; only %s is allowed", ErrNotABIv1, mod, name, wasiModule)
		}
	}
	if len(cm.ImportedMemories()) > 0 {
		return fmt.Errorf("%w: imports a memory; it must export its own", ErrNotABIv1)
	}
	return nil
}

func signature(params, results []api.ValueType) string {
	name := func(ts []api.ValueType) string {
		s := "("
		for i, t := range ts {
			if i > 0 {
				s += ", "
			}
			s += api.ValueTypeName(t)
		}
		return s + ")"
	}
	return name(params) + " -> " + name(results)
}
