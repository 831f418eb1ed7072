package httpwasm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/httpwasm"
)

// engine runs ABI v1's Configure and Authorize through the http-wasm
// middleware, for the conformance harness (conformance.Engine):
//
//   - Configure builds a new middleware with the config as its guest config,
//     as a proxy does on a configuration change. The guest logs a rejected
//     config (and then denies everything); the engine then keeps the previous
//     middleware, which is ABI v1's "a rejected config leaves the previous
//     one in force".
//   - Authorize turns the Request document into an HTTP request, serves it,
//     and reads the Decision back from what came out: a denial from the
//     guest's answer (status, WWW-Authenticate, problem body), an allow from
//     the X-Auth-* headers the next handler received.
//
// The guest reads the time from the host's wall clock; the engine sets that
// clock to the vector's now, the only change from Traefik's module config.
type engine struct {
	tb        testing.TB
	cache     wazero.CompilationCache
	now       atomic.Int64 // unix seconds, the guest's wall clock
	cur       *stack
	forwarded http.Header // what the next handler received, nil if not called
	// broken is a failure to build a middleware at all, which is not a
	// rejected config: every later Authorize reports it as an engine
	// failure, so that no vector can pass on it.
	broken error
}

func newEngine(tb testing.TB, cache wazero.CompilationCache) *engine {
	e := &engine{tb: tb, cache: cache}
	s, err := e.build(nil) // never configured: the guest denies everything
	if err != nil {
		tb.Fatalf("wasm.NewMiddleware: %v", err)
	}
	e.cur = s
	tb.Cleanup(func() { e.cur.close() })
	return e
}

func (e *engine) walltime() (int64, int32) { return e.now.Load(), 0 }

func (e *engine) build(guestConfig []byte) (*stack, error) {
	mc := wazero.NewModuleConfig().WithWalltime(e.walltime, sys.ClockResolution(1)).WithStartFunctions("_start", "_initialize")
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.forwarded = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	})
	return newStack(e.tb, wazero.NewRuntimeConfig().WithCompilationCache(e.cache), mc, guestConfig, next)
}

func (e *engine) Configure(config []byte) error {
	s, err := e.build(config)
	if err != nil {
		e.broken = fmt.Errorf("wasm.NewMiddleware: %w", err)
		return e.broken
	}
	if msg := s.log.configRejection(); msg != "" {
		s.close()
		return errors.New(msg)
	}
	e.cur.close()
	e.cur = s
	return nil
}

func (e *engine) Authorize(request []byte) ([]byte, error) {
	if e.broken != nil {
		return nil, e.broken
	}
	req, err := edgeauth.ParseRequestJSON(request)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if req.Now == nil {
		return nil, errors.New("request: the corpus gives every request a now")
	}
	e.now.Store(*req.Now)
	r, err := httpRequest(req)
	if err != nil {
		return nil, err
	}
	e.forwarded = nil
	rec := httptest.NewRecorder()
	e.cur.handler.ServeHTTP(rec, r)
	return decisionFromHTTP(rec.Result(), e.forwarded)
}

// httpRequest is the HTTP form of an ABI v1 Request. The document's
// "authorization" is the Authorization header; a key spelt otherwise
// ("Authorization") is, by ABI v1, another header that the module does not
// read, and HTTP has no header of that name distinct from Authorization, so
// it is left out. Every other header is sent as given. The path must come
// back from the host's get_uri unchanged.
func httpRequest(req edgeauth.Request) (*http.Request, error) {
	u, err := url.ParseRequestURI(req.Path)
	if err != nil || u.EscapedPath() != req.Path || u.RawQuery != "" || u.Host != "" {
		return nil, fmt.Errorf("the path %q has no HTTP form that the host passes on unchanged", req.Path)
	}
	r := (&http.Request{
		Method: req.Method, URL: u, RequestURI: req.Path, Host: "edge.test",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody,
	}).WithContext(context.Background())
	for name, vals := range req.Headers {
		switch {
		case name == "authorization":
			r.Header["Authorization"] = vals
		case strings.EqualFold(name, "authorization"):
		default:
			key := textproto.CanonicalMIMEHeaderKey(name)
			r.Header[key] = append(r.Header[key], vals...)
		}
	}
	return r, nil
}

// problem is the body of a denial.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Error  string `json:"error,omitempty"`
}

// decisionFromHTTP reads the Decision back from the middleware's output,
// strictly: anything the guest must not do is an error, not a decision.
func decisionFromHTTP(res *http.Response, forwarded http.Header) ([]byte, error) {
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(res.Body)
	if forwarded != nil {
		if res.StatusCode != http.StatusNoContent {
			return nil, fmt.Errorf("forwarded, yet answered %d: %s", res.StatusCode, body)
		}
		d := edgeauth.Decision{Allow: true, Status: 200}
		for name := range forwarded {
			switch name {
			case "X-Auth-Subject", "X-Auth-Scopes", "X-Auth-Jti", "X-Auth-Expires-At", "X-Auth-Session":
			default:
				if strings.HasPrefix(strings.ToLower(name), httpwasm.ClientHeaderPrefix) {
					return nil, fmt.Errorf("forwarded with a client's %s", name)
				}
			}
		}
		if sub, ok := forwarded["X-Auth-Subject"]; ok {
			d.Subject = sub[0]
			d.Scopes = []string{}
			if s := forwarded.Get("X-Auth-Scopes"); s != "" {
				d.Scopes = strings.Split(s, " ")
			}
			d.JTI = forwarded.Get("X-Auth-Jti")
			d.SID = forwarded.Get("X-Auth-Session")
			exp, err := strconv.ParseInt(forwarded.Get("X-Auth-Expires-At"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("X-Auth-Expires-At: %v", err)
			}
			d.ExpiresAt = exp
		}
		return decisionJSON(d)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		return nil, fmt.Errorf("answered %d with content type %q: %s", res.StatusCode, ct, body)
	}
	var p problem
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("answered %d with a bad problem body: %v", res.StatusCode, err)
	}
	if p.Status != res.StatusCode || p.Type != "about:blank" || p.Title == "" || p.Detail == "" {
		return nil, fmt.Errorf("answered %d with an inconsistent problem body %+v", res.StatusCode, p)
	}
	if res.StatusCode == http.StatusInternalServerError {
		return nil, fmt.Errorf("the guest failed: %+v", p)
	}
	d := edgeauth.Decision{Status: res.StatusCode, Error: p.Error, WWWAuthenticate: res.Header.Get("Www-Authenticate")}
	if p.Error != "" {
		d.ErrorDescription = p.Detail
	}
	return decisionJSON(d)
}

// decisionJSON encodes d as the module does, with its reason label: the
// HTTP answer does not carry the label, but it determines it (status, error
// and description name one outcome each; ABI.md), and edgeauth.Reason
// recovers it so. The label is added as JSON and the document is put
// through the package's own decoder and encoder, so that it is kept exactly
// when edgeauth's Decision has a reason member, as the module's output is.
func decisionJSON(d edgeauth.Decision) ([]byte, error) {
	b := edgeauth.AppendDecisionJSON(nil, &d)
	label, err := json.Marshal(edgeauth.Reason(d))
	if err != nil {
		return nil, err
	}
	b = append(append(append(b[:len(b)-1], `,"reason":`...), label...), '}')
	if d, err = edgeauth.ParseDecisionJSON(b); err != nil {
		return nil, err
	}
	return edgeauth.AppendDecisionJSON(nil, &d), nil
}
