package wasmhost

// Stats is a snapshot of a Host's counters for metrics. Reading it costs a
// few atomic loads.
type Stats struct {
	PoolSize int    // instances when the pool is full
	Busy     int    // instances inside a call right now
	Calls    uint64 // Authorize calls that reached an instance, since New
	// CacheHits counts Authorize calls answered by the host-side decision
	// cache without entering the module, since New.
	CacheHits uint64
	Replaced  uint64 // instances closed after an error (trap, timeout, ABI violation) and replaced
	// ReplayUpdates and ReplayBytes count the Updates accepted since the
	// last Configure, which every new instance replays after the Config.
	ReplayUpdates int
	ReplayBytes   int
}

// Stats returns the Host's counters.
func (h *Host) Stats() Stats {
	s := Stats{
		PoolSize:  h.opts.PoolSize,
		Busy:      int(h.busy.Load()),
		Calls:     h.calls.Load(),
		CacheHits: h.hits.Load(),
		Replaced:  h.replaced.Load(),
	}
	if cur := h.config.Load(); cur != nil {
		s.ReplayUpdates, s.ReplayBytes = len(cur.updates), cur.updateBytes
	}
	return s
}
