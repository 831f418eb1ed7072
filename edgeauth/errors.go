package edgeauth

import "errors"

// Sentinel errors. Every error the package returns wraps one of them, so
// callers branch with errors.Is and never on message text.
var (
	// ErrInvalidConfig: Configure rejected a Config; the previous one (if any)
	// stays in force. The message names the broken rule, never a key.
	ErrInvalidConfig = errors.New("edgeauth: invalid config")
	// ErrMalformedRequest: ParseRequestJSON rejected a Request document.
	ErrMalformedRequest = errors.New("edgeauth: invalid request")
	// ErrMalformedDecision: ParseDecisionJSON rejected a Decision document.
	ErrMalformedDecision = errors.New("edgeauth: invalid decision")
)

// ruleError is a rejection that names the rule it broke; it wraps a sentinel.
type ruleError struct {
	kind error
	rule string
}

func (e *ruleError) Error() string { return e.kind.Error() + ": " + e.rule }
func (e *ruleError) Unwrap() error { return e.kind }

func configErr(rule string) error   { return &ruleError{ErrInvalidConfig, rule} }
func requestErr(rule string) error  { return &ruleError{ErrMalformedRequest, rule} }
func decisionErr(rule string) error { return &ruleError{ErrMalformedDecision, rule} }
