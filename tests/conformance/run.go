package conformance

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Engine is one way of running ABI v1: the native package, a wasm host, or
// anything else that takes Config and Request JSON and answers Decision JSON.
// An Engine is used from one goroutine at a time.
type Engine interface {
	// Configure offers a Config; a non-nil error means it was rejected.
	Configure(config []byte) error
	// Authorize answers a Request with a Decision as ABI v1 JSON. An error
	// means the engine itself failed (a trap, a closed host), never a denial.
	Authorize(request []byte) ([]byte, error)
}

// Engines gives Run its engines. Main is configured vector after vector.
// Fresh returns an engine that has never accepted a Config, for the config
// error vectors that have no previous_config; Run calls it once per such
// vector, so it may hand back the same engine as long as every Configure on
// it failed (a rejected config changes nothing).
type Engines struct {
	Main  Engine
	Fresh func(t testing.TB) Engine
}

// Result counts the vectors of one Run and keeps each one's outcome.
type Result struct {
	Passed, Total atomic.Int64

	mu      sync.Mutex
	vectors map[string]*RecordEntry
}

func (r *Result) String() string {
	return fmt.Sprintf("%d/%d vectors passed", r.Passed.Load(), r.Total.Load())
}

// Record returns the run as host's Record. Total counts the vectors that
// ran, so a run narrowed by -run records only its part.
func (r *Result) Record(host string) *Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := &Record{Host: host, Total: int(r.Total.Load()), Passed: int(r.Passed.Load()), Vectors: map[string]*RecordEntry{}}
	for k, e := range r.vectors {
		rec.Vectors[k] = e
	}
	return rec
}

func (r *Result) add(key string, decision []byte, problems []string) {
	e := &RecordEntry{Pass: len(problems) == 0, Problems: problems}
	if e.Problems == nil {
		e.Problems = []string{}
	}
	if decision != nil {
		s := string(decision)
		e.Decision = &s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.vectors == nil {
		r.vectors = map[string]*RecordEntry{}
	}
	r.vectors[key] = e
}

// Run runs every vector of files as the subtest file/vector, in file order,
// and returns the counts and outcomes. Configs named in a file are only re-sent when they
// change, so a run also checks that an engine keeps deciding correctly
// across reconfigurations.
func Run(t *testing.T, files []*File, e Engines) *Result {
	res := &Result{}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			current := "" // the named config the main engine holds
			for i := range f.Vectors {
				v := &f.Vectors[i]
				t.Run(v.Name, func(t *testing.T) {
					res.Total.Add(1) // here, so that -run filters count right
					key := f.Name + "/" + v.Name
					decision, err := Decide(t, f, v, e, &current)
					if err != nil {
						current = "" // the engine may hold anything now
						res.add(key, nil, []string{err.Error()})
						t.Fatal(err)
					}
					problems := Check(v, decision)
					res.add(key, decision, problems)
					if len(problems) > 0 {
						t.Errorf("source: %s\ndecision: %s", v.Source, decision)
						for _, p := range problems {
							t.Error(p)
						}
						return
					}
					res.Passed.Add(1)
				})
			}
		})
	}
	return res
}

// Decide configures the right engine for v and returns its Decision JSON.
// current names the config the main engine holds ("" when unknown) and is
// updated. A config that should have been rejected but was accepted, or one
// that should have been accepted but was rejected, is an error.
func Decide(t testing.TB, f *File, v *Vector, e Engines, current *string) ([]byte, error) {
	cfg, err := f.ConfigBytes(v)
	if err != nil {
		return nil, err
	}
	req := v.Request
	if !v.ConfigError {
		if key := v.ConfigKey(); key == "" || key != *current {
			*current = ""
			if err := e.Main.Configure(cfg); err != nil {
				return nil, fmt.Errorf("Configure rejected a valid config: %v", err)
			}
			*current = key
		}
		return e.Main.Authorize(req)
	}
	eng := e.Main
	if v.PreviousConfig == "" {
		eng = e.Fresh(t)
	} else {
		prev, _ := f.PreviousConfigBytes(v)
		*current = ""
		if err := eng.Configure(prev); err != nil {
			return nil, fmt.Errorf("Configure rejected the valid previous_config: %v", err)
		}
		*current = v.PreviousConfig
	}
	if err := eng.Configure(cfg); err == nil {
		*current = ""
		return nil, fmt.Errorf("Configure accepted a config it must reject: %s", cfg)
	}
	return eng.Authorize(req)
}
