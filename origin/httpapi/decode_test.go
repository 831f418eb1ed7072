package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/craftingapis/todos/origin"
)

// TestStrictJSON runs every kind of bad body against POST /users (the
// harness's body limit is 1024 bytes).
func TestStrictJSON(t *testing.T) {
	const valid = `{"email":"new@example.com","password":"long enough","name":"New"}`
	tests := []struct {
		name        string
		body        string
		contentType string // "" means application/json; "-" means none
		status      int
		code        string
		detail      string // substring of the problem detail
	}{
		{"valid", valid, "", 201, "", ""},
		{"valid with charset", valid, "application/json; charset=utf-8", 201, "", ""},
		{"valid with leading space", "  \n" + valid + "\n", "", 201, "", ""},
		{"malformed", `{"email":`, "", 400, origin.EINVALID, "malformed JSON"},
		{"missing quote", `{"email:"x"}`, "", 400, origin.EINVALID, "malformed JSON"},
		{"missing colon", `{"email" "x"}`, "", 400, origin.EINVALID, "malformed JSON"},
		{"trailing comma", `{"email":"x",}`, "", 400, origin.EINVALID, "malformed JSON"},
		{"trailing object", valid + `{}`, "", 400, origin.EINVALID, "trailing data"},
		{"trailing garbage", valid + `x`, "", 400, origin.EINVALID, "trailing data"},
		{"two objects", valid + "\n" + valid, "", 400, origin.EINVALID, "trailing data"},
		{"unknown member", `{"email":"n@example.com","password":"long enough","name":"N","admin":true}`, "", 400, origin.EINVALID, `unknown member "admin"`},
		{"mass assignment id", `{"id":7,"email":"n@example.com","password":"long enough","name":"N"}`, "", 400, origin.EINVALID, `unknown member "id"`},
		{"wrong type email", `{"email":5,"password":"long enough","name":"N"}`, "", 400, origin.EINVALID, `member "email" must be a string, not a JSON number`},
		{"wrong type name", `{"email":"n@example.com","password":"long enough","name":["N"]}`, "", 400, origin.EINVALID, `member "name" must be a string, not a JSON array`},
		{"duplicate member", `{"email":"n@example.com","email":"m@example.com","password":"long enough","name":"N"}`, "", 400, origin.EINVALID, `"email" appears more than once`},
		{"case-variant duplicate", `{"password":"long enough","PASSWORD":"other one","email":"n@example.com","name":"N"}`, "", 400, origin.EINVALID, "case-sensitive"},
		{"array body", `[` + valid + `]`, "", 400, origin.EINVALID, "must be a JSON object"},
		{"null body", `null`, "", 400, origin.EINVALID, "must be a JSON object"},
		{"string body", `"x"`, "", 400, origin.EINVALID, "must be a JSON object"},
		{"empty body", ``, "application/json", 400, origin.EINVALID, "empty"},
		{"deep nesting", strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat(`}`, 20), "", 400, origin.EINVALID, "nested deeper"},
		{"invalid UTF-8", "{\"email\":\"n@example.com\",\"password\":\"long enough\",\"name\":\"\xff\"}", "", 400, origin.EINVALID, "UTF-8"},
		{"no content type", valid, "-", 415, "unsupported_media_type", "application/json"},
		{"form content type", valid, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "application/json"},
		{"text/plain", valid, "text/plain", 415, "unsupported_media_type", "application/json"},
		{"latin1 charset", valid, "application/json; charset=latin1", 415, "unsupported_media_type", "UTF-8"},
		{"oversized", `{"email":"n@example.com","password":"long enough","name":"` + strings.Repeat("n", 2000) + `"}`, "", 413, origin.ETOOLARGE, "1024 bytes"},
		{"service validation: bad email", `{"email":"not-an-email","password":"long enough","name":"N"}`, "", 400, origin.EINVALID, "email"},
		{"service validation: 73-byte password", `{"email":"n@example.com","password":"` + strings.Repeat("p", 73) + `","name":"N"}`, "", 400, origin.EINVALID, "password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, false)
			req := httptest.NewRequest("POST", "/users", strings.NewReader(tc.body))
			switch tc.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			hs.h.ServeHTTP(rec, req)
			if tc.status == 201 {
				mustJSON(t, rec, 201, nil)
				return
			}
			p := mustProblem(t, rec, tc.status, tc.code)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.detail)
			}
		})
	}
}

// TestOversizedChunkedBody checks the limit holds without a Content-Length.
func TestOversizedChunkedBody(t *testing.T) {
	hs := newHarness(t, false)
	body := `{"email":"n@example.com","password":"long enough","name":"` + strings.Repeat("n", 2000) + `"}`
	req := httptest.NewRequest("POST", "/users", strings.NewReader(body))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	mustProblem(t, rec, http.StatusRequestEntityTooLarge, origin.ETOOLARGE)
}

func TestDecodeStrictPatchTypes(t *testing.T) {
	tests := []struct {
		name, body string
		want       origin.TodoUpdate
		errPart    string
	}{
		{"title only", `{"title":"x"}`, origin.TodoUpdate{Title: ptr("x")}, ""},
		{"completed only", `{"completed":true}`, origin.TodoUpdate{Completed: ptr(true)}, ""},
		{"null leaves unchanged", `{"title":null}`, origin.TodoUpdate{}, ""},
		{"completed as string", `{"completed":"true"}`, origin.TodoUpdate{}, `member "completed" must be a boolean, not a JSON string`},
		{"completed as number", `{"completed":1}`, origin.TodoUpdate{}, `member "completed" must be a boolean, not a JSON number`},
		{"title as object", `{"title":{}}`, origin.TodoUpdate{}, `member "title" must be a string, not a JSON object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got origin.TodoUpdate
			err := decodeStrict([]byte(tc.body), &got)
			if tc.errPart != "" {
				if err == nil || !errors.Is(err, errBadJSON) || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want errBadJSON containing %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzDecodeStrict: decodeStrict never panics, and whatever it accepts is
// one valid JSON object that encoding/json decodes to the same value.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b.co","password":"12345678","name":"A"}`, `{}`, `{"a":1}`, `{"email":"x","email":"y"}`,
		`{"email":"x"} {}`, `[]`, `null`, `{"name":{"a":[1,2,{"b":null}]}}`, "{\"name\":\"\xff\"}", `{"EMAIL":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got origin.NewUser
		err := decodeStrict(body, &got)
		if err != nil {
			if !errors.Is(err, errBadJSON) {
				t.Fatalf("error %v is not errBadJSON", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var want origin.NewUser
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("accepted %q, encoding/json refuses it: %v", body, err)
		}
		if got != want {
			t.Fatalf("decoded %+v, encoding/json %+v", got, want)
		}
	})
}
