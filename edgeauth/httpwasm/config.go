package httpwasm

import (
	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/edgeauth/internal/jsonx"
)

// Config turns a guest config (http-wasm get_config) into an ABI v1 Config
// document for edgeauth.
//
// The guest config is the ABI v1 Config (edgeauth/ABI.md) with one
// convenience: "keys" may also be a string holding a JWKS document, such as
// the origin's /.well-known/jwks.json pasted verbatim, which a proxy's YAML
// or labels carry more safely than nested key objects. Such a string is
// unwrapped in place; everything else is passed to edgeauth untouched, and
// edgeauth alone judges it.
func Config(guestConfig []byte) ([]byte, error) {
	if len(guestConfig) == 0 {
		return nil, configError("the middleware has no configuration")
	}
	doc, err := jsonx.Parse(guestConfig)
	if err != nil || doc.Kind() != jsonx.Object {
		return guestConfig, nil // edgeauth names what is wrong
	}
	var keys jsonx.Value
	for it := doc.Object(); it.Next(); {
		if string(it.Key()) == "keys" {
			keys = it.Value()
		}
	}
	text, isText := keys.Text()
	if !isText {
		return guestConfig, nil
	}
	jwks, err := jsonx.Parse([]byte(text))
	if err != nil || jwks.Kind() != jsonx.Object {
		return nil, configError("keys is a string that does not hold a JWKS document")
	}
	out := make([]byte, 0, len(guestConfig))
	out = append(out, '{')
	for it := doc.Object(); it.Next(); {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = jsonx.AppendString(out, string(it.Key()))
		out = append(out, ':')
		if string(it.Key()) == "keys" {
			out = append(out, jwks.Raw()...)
		} else {
			out = append(out, it.Value().Raw()...)
		}
	}
	return append(out, '}'), nil
}

// configRuleError is a guest config rejected before edgeauth saw it. Like
// edgeauth's own, its message names the rule and never holds key material.
type configRuleError struct{ rule string }

func (e *configRuleError) Error() string { return edgeauth.ErrInvalidConfig.Error() + ": " + e.rule }
func (e *configRuleError) Unwrap() error { return edgeauth.ErrInvalidConfig }

func configError(rule string) error { return &configRuleError{rule} }
