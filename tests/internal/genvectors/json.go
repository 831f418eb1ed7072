package genvectors

import (
	"bytes"
	"encoding/json"
	"strings"
)

// raw is JSON text inserted verbatim into an object built by obj, for the
// vectors whose point is the exact bytes: 1e9, duplicates, escapes.
type raw string

// member is one name/value pair of an ordered JSON object.
type member struct {
	name string
	val  any
}

// object is a JSON object whose members keep their order (and may repeat),
// so that a vector can say exactly which bytes a token header holds.
type object []member

// obj builds an object from alternating names and values.
func obj(kv ...any) object {
	if len(kv)%2 != 0 {
		panic("obj: odd number of arguments")
	}
	o := make(object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, member{kv[i].(string), kv[i+1]})
	}
	return o
}

// set replaces the first member called name, or appends it.
func (o object) set(name string, val any) object {
	out := append(object(nil), o...)
	for i := range out {
		if out[i].name == name {
			out[i].val = val
			return out
		}
	}
	return append(out, member{name, val})
}

// add appends a member even if one of that name exists (a duplicate).
func (o object) add(name string, val any) object {
	return append(append(object(nil), o...), member{name, val})
}

// del removes every member called name.
func (o object) del(name string) object {
	var out object
	for _, m := range o {
		if m.name != name {
			out = append(out, m)
		}
	}
	return out
}

// get returns the first member called name.
func (o object) get(name string) any {
	for _, m := range o {
		if m.name == name {
			return m.val
		}
	}
	return nil
}

// String returns the object as compact JSON text.
func (o object) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(marshal(m.name))
		b.WriteByte(':')
		b.WriteString(marshal(m.val))
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON lets an object sit inside a vector file with its order kept.
func (o object) MarshalJSON() ([]byte, error) { return []byte(o.String()), nil }

// marshal encodes v as JSON without HTML escaping (so that the corpus stays
// readable); raw text and objects are used as they are.
func marshal(v any) string {
	switch v := v.(type) {
	case raw:
		return string(v)
	case object:
		return v.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
