package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/craftingapis/todos/edgeauth"
	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/wasmhost"
)

// Outcome label values of origin_auth_decisions_total.
const (
	OutcomeAllow = "allow"
	OutcomeDeny  = "deny"
	// OutcomeError is an auth step that gave no Decision (the request was
	// refused with 503); its reason is one of the Error* labels below.
	OutcomeError = "error"
)

// Reason labels of OutcomeError, from the wasmhost sentinel errors.
const (
	ErrorTimeout   = "timeout"    // the module ran past its deadline
	ErrorTrap      = "trap"       // the module trapped (panic, out of memory, ...)
	ErrorBadOutput = "bad_output" // the module answered outside ABI v1
	ErrorClosed    = "closed"     // the host was closing (shutdown)
	ErrorCanceled  = "canceled"   // the client left while waiting for an instance
	ErrorOther     = "other"
)

// authBuckets spans a cached check (~5 µs native, ~50 µs in wazero) to an
// uncached ES256 check in wazero (~2 ms) and a wait for a busy pool.
var authBuckets = []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, 1}

// authMetrics keeps every series of the auth step resolved in advance, so
// that a request costs two map lookups and no label hashing.
type authMetrics struct {
	decisions *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	byReason  map[string]prometheus.Counter // "outcome/reason"
	latency   map[string]prometheus.Observer
	// validToken and allowed are the series of nearly every request (a
	// verified token allowed), kept apart so that it skips classify.
	validToken prometheus.Counter
	allowed    prometheus.Observer
}

func newAuthMetrics() authMetrics {
	a := authMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameDecisions,
			Help: "Auth-step decisions, by outcome (allow, deny, error) and reason (edgeauth.Reason of the decision, or the kind of error).",
		}, []string{"outcome", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    NameAuthDuration,
			Help:    "Time the auth step took per request, waiting for a free instance included, by outcome.",
			Buckets: authBuckets,
		}, []string{"outcome"}),
		byReason: map[string]prometheus.Counter{},
		latency:  map[string]prometheus.Observer{},
	}
	for _, r := range edgeauth.Reasons() {
		outcome := OutcomeDeny
		if r == edgeauth.ReasonPublic || r == edgeauth.ReasonValidToken {
			outcome = OutcomeAllow
		}
		a.byReason[outcome+"/"+r] = a.decisions.WithLabelValues(outcome, r)
	}
	for _, r := range []string{ErrorTimeout, ErrorTrap, ErrorBadOutput, ErrorClosed, ErrorCanceled, ErrorOther} {
		a.byReason[OutcomeError+"/"+r] = a.decisions.WithLabelValues(OutcomeError, r)
	}
	for _, o := range []string{OutcomeAllow, OutcomeDeny, OutcomeError} {
		a.latency[o] = a.duration.WithLabelValues(o)
	}
	a.validToken = a.byReason[OutcomeAllow+"/"+edgeauth.ReasonValidToken]
	a.allowed = a.latency[OutcomeAllow]
	return a
}

func (a *authMetrics) observe(d edgeauth.Decision, err error, took time.Duration) {
	if err == nil && d.Allow && d.Reason == edgeauth.ReasonValidToken { // what classify would say
		a.validToken.Inc()
		a.allowed.Observe(took.Seconds())
		return
	}
	outcome, reason := classify(d, err)
	c, ok := a.byReason[outcome+"/"+reason]
	if !ok { // cannot happen: classify returns only pre-declared pairs
		c = a.decisions.WithLabelValues(outcome, reason)
	}
	c.Inc()
	a.latency[outcome].Observe(took.Seconds())
}

// classify names a decision (or the error that replaced it) with bounded
// labels.
func classify(d edgeauth.Decision, err error) (outcome, reason string) {
	if err != nil {
		switch {
		case errors.Is(err, wasmhost.ErrTimeout):
			return OutcomeError, ErrorTimeout
		case errors.Is(err, wasmhost.ErrTrap):
			return OutcomeError, ErrorTrap
		case errors.Is(err, wasmhost.ErrBadOutput):
			return OutcomeError, ErrorBadOutput
		case errors.Is(err, wasmhost.ErrClosed):
			return OutcomeError, ErrorClosed
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return OutcomeError, ErrorCanceled
		}
		return OutcomeError, ErrorOther
	}
	if d.Allow {
		return OutcomeAllow, edgeauth.Reason(d)
	}
	return OutcomeDeny, edgeauth.Reason(d)
}

// authorizer is the decorator returned by Authorizer.
type authorizer struct {
	next origin.Authorizer
	m    *authMetrics
}

// Authorizer returns next wrapped so that every call is counted in
// origin_auth_decisions_total and timed in origin_auth_duration_seconds. It
// changes nothing else: the Decision and error are next's, untouched.
func (m *Metrics) Authorizer(next origin.Authorizer) origin.Authorizer {
	return &authorizer{next: next, m: &m.auth}
}

func (a *authorizer) Authorize(ctx context.Context, req *edgeauth.Request) (edgeauth.Decision, error) {
	start := time.Now()
	d, err := a.next.Authorize(ctx, req)
	a.m.observe(d, err, time.Since(start))
	return d, err
}

// AuthService returns next wrapped so that every refresh that presented an
// already exchanged refresh token (and so ended its session) is counted in
// origin_auth_refresh_token_reuse_total. It changes nothing else.
func (m *Metrics) AuthService(next origin.AuthService) origin.AuthService {
	return &authService{AuthService: next, reuse: m.refreshReuse}
}

type authService struct {
	origin.AuthService
	reuse prometheus.Counter
}

func (a *authService) Refresh(ctx context.Context, refreshToken string) (*origin.Token, error) {
	tok, err := a.AuthService.Refresh(ctx, refreshToken)
	if errors.Is(err, origin.ErrRefreshTokenReused) {
		a.reuse.Inc()
	}
	return tok, err
}
