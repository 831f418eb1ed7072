package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	tooDeep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	var many strings.Builder
	many.WriteString("{")
	for i := range 40 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strconv.Itoa(i) + `":1`)
	}
	manyOK := many.String() + "}"
	manyDup := many.String() + `,"k7":2}`

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, nil},
		{"surrounding whitespace", " \t\r\n{} \n", nil},
		{"string", `"x"`, nil},
		{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-1,123456789012345678901234567890]`, nil},
		{"escapes", `"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, nil},
		{"raw utf8", `"é😀"`, nil},
		{"max depth", deep, nil},
		{"many members", manyOK, nil},
		{"empty input", ``, ErrSyntax},
		{"only whitespace", `  `, ErrSyntax},
		{"bom", "\xEF\xBB\xBF{}", ErrBOM},
		{"trailing value", `{} {}`, ErrTrailing},
		{"trailing garbage", `{}x`, ErrTrailing},
		{"trailing comma object", `{"a":1,}`, ErrSyntax},
		{"trailing comma array", `[1,]`, ErrSyntax},
		{"leading zero", `01`, ErrTrailing},
		{"bare minus", `-`, ErrSyntax},
		{"dot without digits", `1.`, ErrSyntax},
		{"exponent without digits", `1e`, ErrSyntax},
		{"plus sign", `+1`, ErrSyntax},
		{"single quotes", `'a'`, ErrSyntax},
		{"unquoted key", `{a:1}`, ErrSyntax},
		{"missing colon", `{"a" 1}`, ErrSyntax},
		{"control char in string", "\"a\x01\"", ErrSyntax},
		{"newline in string", "\"a\nb\"", ErrSyntax},
		{"bad escape", `"\x"`, ErrSyntax},
		{"short unicode escape", `"\u12"`, ErrSyntax},
		{"unterminated string", `"abc`, ErrSyntax},
		{"invalid utf8", "\"\xff\"", ErrUTF8},
		{"overlong utf8", "\"\xc0\xaf\"", ErrUTF8},
		{"utf8 encoded surrogate", "\"\xed\xa0\x80\"", ErrUTF8},
		{"lone high surrogate", `"\ud83d"`, ErrUTF8},
		{"lone high surrogate then text", `"\ud83dabcdef"`, ErrUTF8},
		{"lone low surrogate", `"\ude00"`, ErrUTF8},
		{"high then non-low", `"\ud83d\u0041"`, ErrUTF8},
		{"invalid utf8 in key", "{\"\xff\":1}", ErrUTF8},
		{"duplicate", `{"a":1,"a":2}`, ErrDuplicate},
		{"duplicate after unescape", `{"sub":1,"s\u0075b":2}`, ErrDuplicate},
		{"duplicate nested", `{"x":{"a":1,"a":2}}`, ErrDuplicate},
		{"duplicate in array element", `[{"a":1,"a":2}]`, ErrDuplicate},
		{"duplicate in large object", manyDup, ErrDuplicate},
		{"same key in sibling objects", `[{"a":1},{"a":2}]`, nil},
		{"same key at two levels", `{"a":{"a":1}}`, nil},
		{"too deep", tooDeep, ErrDepth},
		{"literal typo", `tru`, ErrSyntax},
		{"nul literal", `nul`, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestInt64(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{"zero", `0`, 0, true},
		{"minus zero", `-0`, 0, true},
		{"positive", `1700000000`, 1700000000, true},
		{"negative", `-42`, -42, true},
		{"18 digits", `999999999999999999`, 999999999999999999, true},
		{"max", `9223372036854775807`, 9223372036854775807, true},
		{"19 digits over", `9999999999999999999`, 0, false},
		{"min", `-9223372036854775808`, -9223372036854775808, true},
		{"overflow", `9223372036854775808`, 0, false},
		{"negative overflow", `-9223372036854775809`, 0, false},
		{"huge", `123456789012345678901234567890`, 0, false},
		{"exponent", `1e9`, 0, false},
		{"fraction", `1.0`, 0, false},
		{"string", `"1"`, 0, false},
		{"null", `null`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Int64()
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("Int64(%s) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrNotInt) {
				t.Fatalf("error %v is not ErrNotInt", err)
			}
		})
	}
}

func TestTextEquals(t *testing.T) {
	tests := []struct {
		name string
		in   string
		s    string
		want bool
	}{
		{"plain equal", `"abc"`, "abc", true},
		{"plain differ", `"abc"`, "abd", false},
		{"prefix", `"ab"`, "abc", false},
		{"longer", `"abcd"`, "abc", false},
		{"escaped equal", `"s\u0075b"`, "sub", true},
		{"escaped differ", `"s\u0075c"`, "sub", false},
		{"surrogate pair", `"\ud83d\ude00!"`, "😀!", true},
		{"escaped quote", `"a\"b"`, `a"b`, true},
		{"not a string", `1`, "1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := v.TextEquals(tt.s); got != tt.want {
				t.Fatalf("TextEquals(%q) = %v, want %v", tt.s, got, tt.want)
			}
			if text, ok := v.Text(); ok && (text == tt.s) != tt.want {
				t.Fatalf("Text() = %q disagrees with TextEquals", text)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "abc", `"abc"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"controls", "\n\r\t\x01\x7f", `"\n\r\t\u0001` + "\x7f" + `"`},
		{"unicode", "é😀", `"é😀"`},
		{"line separators", "\u2028\u2029", `"\u2028\u2029"`},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendString(nil, tt.in))
			if got != tt.want {
				t.Fatalf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			v, err := Parse([]byte(got))
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			back, _ := v.Text()
			if utf8.ValidString(tt.in) && back != tt.in {
				t.Fatalf("round trip = %q, want %q", back, tt.in)
			}
		})
	}
}

// decode converts a parsed Value to the shapes encoding/json produces for
// interface{}, so that both readers can be compared on the same input.
func decode(t testing.TB, v Value) any {
	switch v.Kind() {
	case Null:
		return nil
	case Bool:
		b, _ := v.Bool()
		return b
	case Number:
		return json.Number(v.Raw())
	case String:
		s, _ := v.Text()
		return s
	case Array:
		out := []any{}
		for it := v.Array(); it.Next(); {
			out = append(out, decode(t, it.Value()))
		}
		return out
	case Object:
		out := map[string]any{}
		for it := v.Object(); it.Next(); {
			out[string(it.Key())] = decode(t, it.Value())
		}
		return out
	}
	t.Fatalf("invalid value %q", v.Raw())
	return nil
}

// hasDuplicates finds duplicate object members with encoding/json's token
// stream: an implementation independent of the one under test.
func hasDuplicates(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj     bool
		keys    map[string]bool
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].obj {
					stack[len(stack)-1].wantKey = true
				}
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// hasLoneSurrogate reports a \u escape of a surrogate that is not part of a
// high+low pair; encoding/json accepts those (as U+FFFD), Parse must not.
func hasLoneSurrogate(b []byte) bool {
	for i := 0; i+5 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		r, ok := hex4(b[i:])
		if !ok {
			continue
		}
		if r >= 0xDC00 && r <= 0xDFFF {
			return true
		}
		if r >= 0xD800 && r <= 0xDBFF {
			lo, ok := hex4(b[i+6:])
			if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' || !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
		i += 5
	}
	return false
}

func depthOf(b []byte) int {
	depth, max := 0, 0
	inStr := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '{' || c == '['):
			depth++
			if depth > max {
				max = depth
			}
		case !inStr && (c == '}' || c == ']'):
			depth--
		}
	}
	return max
}

// FuzzJSON checks Parse against encoding/json: whatever Parse accepts,
// encoding/json must accept and decode to the same value; whatever
// encoding/json accepts, Parse must accept too unless it breaks one of the
// stricter rules (BOM, invalid UTF-8, lone surrogate, duplicate, depth).
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}`,
		`{"iss":"https://issuer","aud":["a","b"],"exp":1700000000,"scope":"a b"}`,
		`[1,-0,1.5e3,"\ud83d\ude00",null,true,false,{}]`,
		`{"a":1,"a":2}`, `"\ud800"`, "\xEF\xBB\xBF{}", `{"x":{"y":[[[]]]}}`,
		`{"s\u0075b":1,"sub":2}`, "\"\xff\"", `{} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		stdValid := json.Valid(b)
		if err == nil {
			if !stdValid {
				t.Fatalf("Parse accepted what encoding/json rejects: %q", b)
			}
			var want any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if got := decode(t, v); !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(%q) decodes to %#v, encoding/json to %#v", b, got, want)
			}
			return
		}
		if stdValid && utf8.Valid(b) && !hasLoneSurrogate(b) && !hasDuplicates(b) && depthOf(b) <= MaxDepth {
			t.Fatalf("Parse rejected valid JSON %q: %v", b, err)
		}
	})
}
