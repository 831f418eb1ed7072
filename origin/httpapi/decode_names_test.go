package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// bodyTypes are every request body of the API, each with a valid body.
var bodyTypes = []struct {
	name  string
	new   func() any
	valid map[string]string // member -> JSON value
}{
	{"Credentials", func() any { return new(origin.Credentials) }, map[string]string{"email": `"a@example.com"`, "password": `"long enough"`, "scope": `"todos:read"`}},
	{"NewUser", func() any { return new(origin.NewUser) }, map[string]string{"email": `"a@example.com"`, "password": `"long enough"`, "name": `"A"`}},
	{"UserUpdate", func() any { return new(origin.UserUpdate) }, map[string]string{"name": `"A"`, "password": `"long enough"`, "current_password": `"old enough"`}},
	{"NewTodo", func() any { return new(origin.NewTodo) }, map[string]string{"title": `"t"`, "completed": `true`}},
	{"TodoUpdate", func() any { return new(origin.TodoUpdate) }, map[string]string{"title": `"t"`, "completed": `false`}},
}

// variants returns the names that differ from name only by case or by
// Unicode simple folding: all upper case, the first letter upper case,
// every 's' as U+017F (ſ) and every 'k' as U+212A (Kelvin sign).
func variants(name string) []string {
	out := []string{strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]}
	if strings.ContainsRune(name, 's') {
		out = append(out, strings.ReplaceAll(name, "s", "\u017f"))
	}
	if strings.ContainsRune(name, 'k') {
		out = append(out, strings.ReplaceAll(name, "k", "\u212a"))
	}
	return out
}

func object(members map[string]string, extra ...string) string {
	var parts []string
	for k, v := range members {
		parts = append(parts, `"`+k+`":`+v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		parts = append(parts, `"`+extra[i]+`":`+extra[i+1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Every member of every body is matched exactly: a case or folding variant
// is refused alone (it would set the field) and beside the exact name (it
// would override it).
func TestMemberNamesAreCaseSensitive(t *testing.T) {
	for _, bt := range bodyTypes {
		t.Run(bt.name, func(t *testing.T) {
			if err := decodeStrict([]byte(object(bt.valid)), bt.new()); err != nil {
				t.Fatalf("valid body refused: %v", err)
			}
			for member, value := range bt.valid {
				for _, v := range variants(member) {
					alone := map[string]string{}
					for k, val := range bt.valid {
						if k != member {
							alone[k] = val
						}
					}
					for _, body := range []string{object(alone, v, value), object(bt.valid, v, value)} {
						err := decodeStrict([]byte(body), bt.new())
						if !errors.Is(err, errBadJSON) || !strings.Contains(err.Error(), "case-sensitive") {
							t.Errorf("%s: err = %v, want a case-sensitivity error", body, err)
						}
					}
				}
			}
		})
	}
}

// The Kelvin sign folds to 'k': no body of the API has a 'k' in a member
// name, so a struct of its own shows the rule holds for it too.
func TestMemberNameKelvinSign(t *testing.T) {
	var dst struct {
		Kind string `json:"kind"`
	}
	for _, body := range []string{`{"\u212aind":"x"}`, "{\"\u212aind\":\"x\"}", `{"kind":"a","Kind":"b"}`} {
		err := decodeStrict([]byte(body), &dst)
		if !errors.Is(err, errBadJSON) {
			t.Errorf("%s: err = %v, want errBadJSON", body, err)
		}
	}
	if err := decodeStrict([]byte(`{"kind":"x"}`), &dst); err != nil || dst.Kind != "x" {
		t.Fatalf("exact name: %v %+v", err, dst)
	}
}

// The sign-up of the attack: "paſſword" beside "password" must not choose
// the account's password.
func TestSignUpFoldedPasswordRefused(t *testing.T) {
	hs := newHarness(t, false)
	rec := hs.do("POST", "/users", `{"email":"a@x.co","password":"aaaaaaaa","pa`+"\u017f\u017f"+`word":"bbbbbbbb","name":"n"}`)
	mustProblem(t, rec, http.StatusBadRequest, origin.EINVALID)
}

func TestLoneSurrogateEscapes(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"high alone", `{"title":"\ud800"}`, false},
		{"low alone", `{"title":"\udc00"}`, false},
		{"high then text", `{"title":"\ud800x"}`, false},
		{"high then high", `{"title":"\ud800\ud800"}`, false},
		{"reversed pair", `{"title":"\udc00\ud800"}`, false},
		{"upper-case hex", `{"title":"\uD800"}`, false},
		{"in a member name", `{"\ud800":"x"}`, false},
		{"pair", `{"title":"\ud83d\ude00"}`, true},
		{"plain escape", `{"title":"\u00e9"}`, true},
		{"escaped backslash then u", `{"title":"\\ud800"}`, true},
		{"escaped quote", `{"title":"a\"\ud800"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst origin.NewTodo
			err := decodeStrict([]byte(tc.body), &dst)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && (!errors.Is(err, errBadJSON) || !strings.Contains(err.Error(), "surrogate")) {
				t.Fatalf("err = %v, want a surrogate error", err)
			}
		})
	}
}
