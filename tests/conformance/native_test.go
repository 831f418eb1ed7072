package conformance_test

import (
	"testing"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/tests/conformance"
)

// nativeEngine runs ABI v1 through the pure Go package, on the same JSON
// path the module exports (AuthorizeJSON), so the raw Decision bytes are
// what is judged.
type nativeEngine struct {
	a *edgeauth.Authorizer
}

func newNative() *nativeEngine { return &nativeEngine{a: edgeauth.NewAuthorizer(edgeauth.Options{})} }

func (e *nativeEngine) Configure(cfg []byte) error { return e.a.Configure(cfg) }

func (e *nativeEngine) Authorize(req []byte) ([]byte, error) { return e.a.AuthorizeJSON(nil, req), nil }

func nativeEngines() conformance.Engines {
	return conformance.Engines{
		Main:  newNative(),
		Fresh: func(testing.TB) conformance.Engine { return newNative() },
	}
}

func TestConformanceNative(t *testing.T) {
	files := loadCorpus(t)
	res := conformance.Run(t, files, nativeEngines())
	summarize("native %s", res)
}
