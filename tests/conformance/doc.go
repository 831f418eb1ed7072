// Package conformance loads the shared ABI v1 conformance corpus
// (tests/testdata/conformance/*.json) and judges an engine's decisions against
// it.
//
// The corpus is the independent oracle for ABI v1 (edgeauth/ABI.md): every
// expected decision is derived from the contract's text (outcomes 1–6 in
// order, the token profile), never from running an implementation. The same
// files run under every host — natively (edgeauth.Authorizer), under wazero
// (wasmhost.Host), under Node and under workerd — and every host is judged
// by this package: the JS runners load vectors and judge decisions through
// tests/cmd/judge, this package compiled to a WASI module (Runnables,
// CheckVectorJSON). The rules are written down in
// tests/testdata/conformance/README.md.
//
// The harnesses live in this package's tests; the wazero harness records its
// decisions (Record) for the host matrix. The exported API (LoadDir, Check,
// Run and the Engine interface) is what another Go runner needs.
package conformance
