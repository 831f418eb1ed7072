package httpapi

import (
	"net/http"
	"strconv"
)

// pathID parses the path variable name as a resource id: a canonical
// positive decimal int64 ("1", never "01", "+1", "-1", "0" or an overflow).
// Anything else names no resource, so the answer is 404 — the same answer
// the auth step's owner check gives for "/users/abc", which keeps the origin
// and the module consistent whatever the security setting.
func (s *server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := parseID(pathValue(r, name))
	if !ok {
		s.notFound(w, r)
	}
	return id, ok
}

func parseID(v string) (int64, bool) {
	if v == "" || len(v) > 19 || v[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
