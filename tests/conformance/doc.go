// Package conformance loads the shared ABI v1 conformance corpus
// (tests/testdata/conformance/*.json) and judges an engine's decisions against
// it.
//
// The corpus is the independent oracle for issue 2: every expected decision is
// derived from the text (outcomes 1–6 in order, the token profile),
// never from running an implementation. The same files run under every host —
// natively (edgeauth.Authorizer), under wazero (wasmhost.Host), under Node and
// under workerd — so this package's rules are also written down in
// tests/testdata/conformance/README.md and mirrored by the JS runners.
//
// The harnesses live in this package's tests; the exported API (LoadDir,
// Check, Run and the Engine interface) is what another Go runner needs to
// mirror them.
package conformance
