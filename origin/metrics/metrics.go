// Package metrics is the origin's Prometheus instrumentation: HTTP requests
// by route template and status, auth-step decisions by outcome and reason,
// the auth step's latency, the instance pool, config pushes (full and
// incremental), the revocation state, refresh-token reuse, key rotations,
// and module and config reloads.
//
// Every metric lives on the Metrics' own registry (never the global one), so
// that two origins in one process (tests) do not collide, and Handler serves
// exactly it. Labels are bounded by construction: a route is a template
// ("/users/{id}"), never a path; a reason is one of edgeauth.Reasons(); a
// method outside a fixed set is "OTHER"; no subject, token or id ever
// becomes a label.
//
// The package does not log and starts no goroutine: pool gauges are read at
// scrape time.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name of this package.
const Namespace = "origin"

// Metric names, for dashboards, docs and tests.
const (
	NameRequests          = "origin_http_requests_total"
	NameRequestDuration   = "origin_http_request_duration_seconds"
	NameDecisions         = "origin_auth_decisions_total"
	NameAuthDuration      = "origin_auth_duration_seconds"
	NamePoolInstances     = "origin_auth_pool_instances"
	NamePoolBusy          = "origin_auth_pool_busy_instances"
	NameModuleCalls       = "origin_auth_module_calls_total"
	NameInstancesReplaced = "origin_auth_instances_replaced_total"
	NameCacheHits         = "origin_auth_decision_cache_hits_total"
	NameConfigUpdates     = "origin_auth_config_updates_total"
	NameConfigDeltas      = "origin_auth_config_deltas_total"
	NameRevokedSessions   = "origin_auth_revoked_sessions"
	NameSubjectCutoffs    = "origin_auth_subject_cutoffs"
	NamePendingUpdates    = "origin_auth_pending_updates"
	NameRefreshReuse      = "origin_auth_refresh_token_reuse_total"
	NameVerifyingKeys     = "origin_auth_verifying_keys"
	NameRevokedTokens     = "origin_auth_revoked_tokens"
	NameKeyRotations      = "origin_auth_key_rotations_total"
	NameModuleReloads     = "origin_auth_module_reloads_total"
	NameModuleInfo        = "origin_auth_module_info"
	NameConfigReloads     = "origin_config_reloads_total"
)

// Result label values of the *_updates_total and *_reloads_total counters.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
)

// Metrics holds every collector. It is safe for concurrent use; build one
// per server with New.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec

	auth authMetrics

	configUpdates *prometheus.CounterVec
	configDeltas  *prometheus.CounterVec
	refreshReuse  prometheus.Counter
	verifyingKeys prometheus.Gauge
	revokedTokens prometheus.Gauge
	keyRotations  prometheus.Counter
	keysMu        sync.Mutex
	keysSeen      map[string]bool // kids of the last accepted config; nil before the first

	moduleReloads *prometheus.CounterVec
	moduleInfo    *prometheus.GaugeVec
	configReloads *prometheus.CounterVec
}

// requestBuckets spans a cached token check (~0.1 ms) to a bcrypt login at
// cost 12 (~0.25 s) and a slow disk.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns Metrics registered on a fresh registry, with the Go runtime
// and process collectors alongside.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameRequests,
		Help: "HTTP requests answered, by method, route template ((unmatched) when no route matched) and status.",
	}, []string{"method", "route", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    NameRequestDuration,
		Help:    "Time to answer an HTTP request, auth step included, by method and route template.",
		Buckets: requestBuckets,
	}, []string{"method", "route"})
	m.configUpdates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameConfigUpdates,
		Help: "Configs the control plane pushed to the auth step (after a logout, a password change, a key change, ...), by result.",
	}, []string{"result"})
	m.configDeltas = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameConfigDeltas,
		Help: "Incremental updates (new revocations) the control plane pushed to the auth step, by result; a refused one is replaced by a full config.",
	}, []string{"result"})
	m.refreshReuse = prometheus.NewCounter(prometheus.CounterOpts{
		Name: NameRefreshReuse,
		Help: "Refresh tokens presented again after they were exchanged: each ended its session (RFC 9700 section 4.14.2).",
	})
	m.verifyingKeys = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: NameVerifyingKeys,
		Help: "Keys in the auth step's config that verify tokens (the active key and the retiring ones).",
	})
	m.revokedTokens = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: NameRevokedTokens,
		Help: "Revoked tokens not yet expired, in the auth step's config.",
	})
	m.keyRotations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: NameKeyRotations,
		Help: "New signing keys that reached the auth step after start (a rotation, by this process or another).",
	})
	m.moduleReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameModuleReloads,
		Help: "Hot reloads of the auth module, by result; on failure the previous module keeps serving.",
	}, []string{"result"})
	m.moduleInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: NameModuleInfo,
		Help: "1 for the auth module serving now, labelled with the first 12 hex digits of its SHA-256.",
	}, []string{"sha256"})
	m.configReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameConfigReloads,
		Help: "Reloads of the config file, by result; on failure the previous config stays in force.",
	}, []string{"result"})
	m.auth = newAuthMetrics()
	m.reg.MustRegister(m.requests, m.requestDuration, m.configUpdates, m.configDeltas, m.refreshReuse, m.verifyingKeys, m.revokedTokens,
		m.keyRotations, m.moduleReloads, m.moduleInfo, m.configReloads, m.auth.decisions, m.auth.duration)
	// Pre-declare the result series so that a rate() or an alert on
	// failures sees 0, not nothing, until the first failure.
	for _, r := range []string{ResultSuccess, ResultFailure} {
		m.configUpdates.WithLabelValues(r)
		m.configDeltas.WithLabelValues(r)
		m.moduleReloads.WithLabelValues(r)
		m.configReloads.WithLabelValues(r)
	}
	return m
}

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// format. A metric that fails to collect is reported in the answer rather
// than failing the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Gatherer exposes the registry, for tests and for embedding in another
// exporter.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// knownMethods are the methods that get their own label value; any other
// (a client can send any token as a method) is "OTHER", so the label stays
// bounded.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true,
}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "OTHER"
}

// ObserveRequest records one answered request. route must be a route
// template or a fixed placeholder (httpapi passes "(unmatched)"), never a
// raw path. It implements httpapi.RequestObserver.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(method, route).Observe(d.Seconds())
}
