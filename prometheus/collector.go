// Package analyticsprom exports the counters of an analytics cache to
// Prometheus. It lives apart from package analytics so that hosts that do
// not use Prometheus do not build its client.
//
// The collector registers nothing by itself: the host registers it where it
// wants, and adds labels (a replica name, say) with
// prometheus.WrapCollectorWith.
//
//	reg.MustRegister(analyticsprom.NewCacheCollector(cache))
package analyticsprom

import (
	"github.com/msgstats/analytics/gocache"
	"github.com/prometheus/client_golang/prometheus"
)

// StatsSource is what the collector reads: *gocache.Cache, or a
// host's own cache that keeps the same counters.
type StatsSource interface {
	// Stats returns the cache's counters now.
	Stats() gocache.Stats
}

// NewCacheCollector returns a Collector that reads c.Stats() on every
// scrape and reports, with the "tier" label "l1" (memory) or "l2" (Redis):
//
//	analytics_cache_hits_total, analytics_cache_misses_total,
//	analytics_cache_expired_total, analytics_cache_sets_total,
//	analytics_cache_errors_total, analytics_cache_fallbacks_total
//
// and without labels:
//
//	analytics_cache_loads_total, analytics_cache_load_errors_total,
//	analytics_cache_loads_abandoned_total, analytics_cache_load_waiters,
//	analytics_cache_invalidations_total,
//	analytics_cache_invalidation_errors_total,
//	analytics_cache_pending_invalidations,
//	analytics_cache_generation_reads_total,
//	analytics_cache_degraded (1 while Redis is not used, else 0).
//
// See gocache.Stats for what each counts. It does not register
// itself.
func NewCacheCollector(c StatsSource) prometheus.Collector {
	return &collector{src: c}
}

type collector struct{ src StatsSource }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("analytics_cache_"+name, help, labels, nil)
}

var (
	hitsDesc      = desc("hits_total", "Reads served by the tier.", "tier")
	missesDesc    = desc("misses_total", "Reads the tier could not serve, expired entries included.", "tier")
	expiredDesc   = desc("expired_total", "Reads that found an entry past its expiry.", "tier")
	setsDesc      = desc("sets_total", "Entries written to the tier.", "tier")
	errorsDesc    = desc("errors_total", "Tier failures: Redis errors and timeouts; entries refused by memory.", "tier")
	fallbacksDesc = desc("fallbacks_total", "Operations that fell back past the tier's normal path (see gocache.TierStats).", "tier")

	loadsDesc          = desc("loads_total", "Runs of load functions.")
	loadErrorsDesc     = desc("load_errors_total", "Runs of load functions that failed.")
	loadsAbandonedDesc = desc("loads_abandoned_total", "Load callers that stopped waiting because their context ended.")
	loadWaitersDesc    = desc("load_waiters", "Load callers waiting for a load now.")
	invalidationsDesc  = desc("invalidations_total", "Team invalidations.")
	invErrorsDesc      = desc("invalidation_errors_total", "Team invalidations that did not reach Redis.")
	pendingDesc        = desc("pending_invalidations", "Teams whose invalidation waits for Redis.")
	genReadsDesc       = desc("generation_reads_total", "Reads of team generations from Redis.")
	degradedDesc       = desc("degraded", "1 while the cache serves without Redis, else 0.")
)

// Describe implements prometheus.Collector.
func (*collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{hitsDesc, missesDesc, expiredDesc, setsDesc, errorsDesc, fallbacksDesc,
		loadsDesc, loadErrorsDesc, loadsAbandonedDesc, loadWaitersDesc, invalidationsDesc, invErrorsDesc,
		pendingDesc, genReadsDesc, degradedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	for _, t := range []struct {
		name string
		s    gocache.TierStats
	}{{"l1", s.L1}, {"l2", s.L2}} {
		counter(hitsDesc, t.s.Hits, t.name)
		counter(missesDesc, t.s.Misses, t.name)
		counter(expiredDesc, t.s.Expired, t.name)
		counter(setsDesc, t.s.Sets, t.name)
		counter(errorsDesc, t.s.Errors, t.name)
		counter(fallbacksDesc, t.s.Fallbacks, t.name)
	}
	counter(loadsDesc, s.Loads)
	counter(loadErrorsDesc, s.LoadErrors)
	counter(loadsAbandonedDesc, s.LoadsAbandoned)
	gauge(loadWaitersDesc, float64(s.LoadWaiters))
	counter(invalidationsDesc, s.Invalidations)
	counter(invErrorsDesc, s.InvalidationErrors)
	gauge(pendingDesc, float64(s.PendingInvalidations))
	counter(genReadsDesc, s.GenerationReads)
	degraded := 0.0
	if s.Degraded {
		degraded = 1
	}
	gauge(degradedDesc, degraded)
}
