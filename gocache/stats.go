package gocache

import "sync/atomic"

// Stats are a Cache's counters since it was made: totals that only grow,
// except the gauges LoadWaiters, PendingInvalidations and Degraded. Read
// them with Cache.Stats; export them with the collector in package
// prometheus (analyticsprom).
type Stats struct {
	// L1 counts the memory tier.
	L1 TierStats
	// L2 counts the Redis tier.
	L2 TierStats

	// Loads counts runs of Load functions (at most one per key at a time).
	Loads uint64
	// LoadErrors counts runs of Load functions that returned an error or
	// panicked.
	LoadErrors uint64
	// LoadsAbandoned counts Load callers that stopped waiting because their
	// context ended.
	LoadsAbandoned uint64
	// LoadWaiters is the number of Load callers waiting for a load now,
	// the one that started it included.
	LoadWaiters int64

	// Invalidations counts InvalidateTeam calls with valid arguments.
	Invalidations uint64
	// InvalidationErrors counts those that did not reach Redis.
	InvalidationErrors uint64
	// PendingInvalidations is the number of teams whose invalidation waits
	// for Redis to be reachable again.
	PendingInvalidations int64
	// GenerationReads counts reads of a team's generation from Redis made
	// because the one known was older than Config.InvalidationBound.
	GenerationReads uint64

	// Degraded reports whether the cache is serving without Redis now; see
	// Cache.Degraded.
	Degraded bool
}

// TierStats count one tier's operations. Every read that reaches a tier is
// a hit or a miss; an expired entry is a miss, counted in Expired too.
type TierStats struct {
	// Hits counts reads served by the tier.
	Hits uint64
	// Misses counts reads the tier could not serve, Expired included.
	Misses uint64
	// Expired counts reads that found an entry past its expiry.
	Expired uint64
	// Sets counts entries written.
	Sets uint64
	// Errors counts failures: for L2, Redis errors and timeouts; for L1,
	// entries the store refused (too large for the default store; see
	// Config.L1MaxMB) or failed to read, and undecodable entries.
	Errors uint64
	// Fallbacks counts operations that fell back past the tier's normal
	// path. For L2: reads and writes that did not reach Redis (failed, or
	// skipped while degraded) and were served by memory or the load
	// function. For L1: reads that used a team generation which could not
	// be re-read from Redis within Config.InvalidationBound, so memory was
	// trusted beyond its bound.
	Fallbacks uint64
}

type tierCounters struct {
	hits, misses, expired, sets, errors, fallbacks atomic.Uint64
}

func (t *tierCounters) snapshot() TierStats {
	return TierStats{
		Hits:      t.hits.Load(),
		Misses:    t.misses.Load(),
		Expired:   t.expired.Load(),
		Sets:      t.sets.Load(),
		Errors:    t.errors.Load(),
		Fallbacks: t.fallbacks.Load(),
	}
}

type counters struct {
	l1, l2                            tierCounters
	loadCalls, loadErrors             atomic.Uint64
	loadsAbandoned                    atomic.Uint64
	loadWaiters                       atomic.Int64
	invalidations, invalidationErrors atomic.Uint64
}

// Stats returns the cache's counters. Each is read atomically; the set is
// not one consistent snapshot while operations run.
func (c *Cache) Stats() Stats {
	s := &c.stats
	st := Stats{
		L1:                 s.l1.snapshot(),
		L2:                 s.l2.snapshot(),
		Loads:              s.loadCalls.Load(),
		LoadErrors:         s.loadErrors.Load(),
		LoadsAbandoned:     s.loadsAbandoned.Load(),
		LoadWaiters:        s.loadWaiters.Load(),
		Invalidations:      s.invalidations.Load(),
		InvalidationErrors: s.invalidationErrors.Load(),
	}
	if c.l2 != nil {
		st.PendingInvalidations = c.l2.pendingN.Load()
		st.GenerationReads = c.l2.genReads.Load()
		st.Degraded = c.l2.degraded.Load()
	}
	return st
}
