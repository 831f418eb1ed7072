package conformance

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Record is the decisions of one host on the corpus, which a run writes to
// <dir>/<host>.json so that the host matrix (tests/node/matrix.mjs) can
// compare hosts vector by vector. The JS runners write the same format
// (tests/node/record.mjs):
//
//	{"host": "wazero", "total": 231, "passed": 231,
//	 "vectors": {"<file>/<vector>": {"pass": true, "problems": [],
//	                                  "decision": "<the Decision JSON text>"}}}
//
// decision is null when the engine itself failed (a trap, a closed host).
type Record struct {
	Host    string                  `json:"host"`
	Total   int                     `json:"total"`
	Passed  int                     `json:"passed"`
	Vectors map[string]*RecordEntry `json:"vectors"`
}

// RecordEntry is one vector's outcome in a Record.
type RecordEntry struct {
	Pass     bool     `json:"pass"`
	Problems []string `json:"problems"`
	Decision *string  `json:"decision"`
}

// RemoveRecord deletes dir/<host>.json if it exists, so that a stale
// record from an earlier run never stands in for one that did not finish.
func RemoveRecord(dir, host string) error {
	if err := os.Remove(filepath.Join(dir, host+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// WriteFile writes r to dir/<host>.json, creating dir.
func (r *Record) WriteFile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, r.Host+".json"), append(b, '\n'), 0o644)
}
