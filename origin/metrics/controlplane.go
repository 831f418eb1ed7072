package metrics

import (
	"context"
	"encoding/hex"
	"encoding/json"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/wasmhost"
)

// Sink returns next wrapped so that every full config the control plane
// pushes to the auth step is counted (origin_auth_config_updates_total) and,
// once accepted, read for the number of verifying keys and revoked tokens and
// for new kids: a kid that was not in the previous accepted config is a key
// rotation (origin_auth_key_rotations_total), whichever process made it. The
// first config after start sets the baseline and counts no rotation. Every
// incremental update (a logout, a password change, ...) is counted in
// origin_auth_config_deltas_total; a refused one is followed by a full
// config, counted as such.
func (m *Metrics) Sink(next controlplane.Sink) controlplane.Sink {
	return &countingSink{m: m, next: next}
}

type countingSink struct {
	m    *Metrics
	next controlplane.Sink
}

func (s *countingSink) Configure(ctx context.Context, configJSON []byte) error {
	if err := s.next.Configure(ctx, configJSON); err != nil {
		s.m.configUpdates.WithLabelValues(ResultFailure).Inc()
		return err
	}
	s.m.configUpdates.WithLabelValues(ResultSuccess).Inc()
	s.m.observeConfig(configJSON)
	return nil
}

func (s *countingSink) Update(ctx context.Context, updateJSON []byte) error {
	err := s.next.Update(ctx, updateJSON)
	s.m.countResult(s.m.configDeltas, err)
	return err
}

// WatchControlPlane exports what the control plane holds, read from stats
// at every scrape: revoked sessions, subject cutoffs, and the updates the
// auth step holds on top of its last full config. stats must be cheap and
// safe for concurrent use. Call it at most once.
func (m *Metrics) WatchControlPlane(stats func() controlplane.Stats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameRevokedSessions,
			Help: "Ended sessions whose access tokens the auth step refuses until they expire.",
		}, func() float64 { return float64(stats().RevokedSessions) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameSubjectCutoffs,
			Help: "Subject cutoffs (deleted accounts) the auth step applies until every earlier token expired.",
		}, func() float64 { return float64(stats().Subjects) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NamePendingUpdates,
			Help: "Incremental updates the auth step holds on top of its last full config (compacted on the poll).",
		}, func() float64 { return float64(stats().Updates) }),
	)
}

// configSummary is the part of an ABI v1 Config the metrics read.
type configSummary struct {
	Keys struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	} `json:"keys"`
	Revoked []json.RawMessage `json:"revoked"`
}

func (m *Metrics) observeConfig(configJSON []byte) {
	var c configSummary
	if err := json.Unmarshal(configJSON, &c); err != nil {
		return // the module accepted it, so this cannot happen; metrics never fail a push
	}
	m.verifyingKeys.Set(float64(len(c.Keys.Keys)))
	m.revokedTokens.Set(float64(len(c.Revoked)))
	kids := make(map[string]bool, len(c.Keys.Keys))
	for _, k := range c.Keys.Keys {
		kids[k.Kid] = true
	}
	m.keysMu.Lock()
	defer m.keysMu.Unlock()
	if m.keysSeen != nil {
		for kid := range kids {
			if !m.keysSeen[kid] {
				m.keyRotations.Inc()
			}
		}
	}
	m.keysSeen = kids
}

// WatchPool exports the instance pool of the auth step, read from stats at
// every scrape: its size, the instances busy in a call, the calls that
// reached an instance, the decision-cache hits and the instances replaced
// after an error. stats must
// be cheap and safe for concurrent use (wasmhost's Stats is a few atomic
// loads) and its counters must never go down, also across module reloads.
// Call it at most once.
func (m *Metrics) WatchPool(stats func() wasmhost.Stats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NamePoolInstances,
			Help: "Module instances in the auth step's pool when it is full.",
		}, func() float64 { return float64(stats().PoolSize) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NamePoolBusy,
			Help: "Module instances inside a call right now.",
		}, func() float64 { return float64(stats().Busy) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: NameModuleCalls,
			Help: "Calls into the auth module that reached an instance.",
		}, func() float64 { return float64(stats().Calls) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: NameCacheHits,
			Help: "Requests answered by the host-side decision cache without entering the module (the misses are the module calls).",
		}, func() float64 { return float64(stats().CacheHits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: NameInstancesReplaced,
			Help: "Module instances closed after an error (trap, timeout, answer outside the ABI) and replaced.",
		}, func() float64 { return float64(stats().Replaced) }),
	)
}

// ModuleLoaded records the module now serving (at start or after a
// successful reload) by its SHA-256; only the current one is exported.
func (m *Metrics) ModuleLoaded(sha256 []byte) {
	m.moduleInfo.Reset()
	id := hex.EncodeToString(sha256)
	if len(id) > 12 {
		id = id[:12]
	}
	m.moduleInfo.WithLabelValues(id).Set(1)
}

// ModuleReload counts one hot reload of the auth module: err == nil is a
// success (call ModuleLoaded too), anything else a failure after which the
// previous module keeps serving.
func (m *Metrics) ModuleReload(err error) { m.countResult(m.moduleReloads, err) }

// ConfigReload counts one reload of the config file (nil: applied).
func (m *Metrics) ConfigReload(err error) { m.countResult(m.configReloads, err) }

func (m *Metrics) countResult(c *prometheus.CounterVec, err error) {
	if err != nil {
		c.WithLabelValues(ResultFailure).Inc()
		return
	}
	c.WithLabelValues(ResultSuccess).Inc()
}
