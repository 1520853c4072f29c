package analyticsprom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	analyticsprom "github.com/msgstats/analytics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCacheCollector(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	c, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := analytics.RealTimeKey(analytics.TeamScope("t"))
	if _, ok, _ := c.Get(ctx, k); ok {
		t.Fatal("hit in an empty cache")
	}
	if _, err := c.Load(ctx, k, 0, func(context.Context) ([]byte, error) { return []byte("v"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Get(ctx, k); !ok {
		t.Fatal("miss after Load")
	}
	if err := c.InvalidateTeam(ctx, "t"); err != nil {
		t.Fatal(err)
	}

	// A registry of the test's own: the collector must not have registered
	// itself anywhere.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(analyticsprom.NewCacheCollector(c))
	want := `
# HELP analytics_cache_hits_total Reads served by the tier.
# TYPE analytics_cache_hits_total counter
analytics_cache_hits_total{tier="l1"} 1
analytics_cache_hits_total{tier="l2"} 0
# HELP analytics_cache_misses_total Reads the tier could not serve, expired entries included.
# TYPE analytics_cache_misses_total counter
analytics_cache_misses_total{tier="l1"} 2
analytics_cache_misses_total{tier="l2"} 0
# HELP analytics_cache_sets_total Entries written to the tier.
# TYPE analytics_cache_sets_total counter
analytics_cache_sets_total{tier="l1"} 1
analytics_cache_sets_total{tier="l2"} 0
# HELP analytics_cache_loads_total Runs of load functions.
# TYPE analytics_cache_loads_total counter
analytics_cache_loads_total 1
# HELP analytics_cache_invalidations_total Team invalidations.
# TYPE analytics_cache_invalidations_total counter
analytics_cache_invalidations_total 1
# HELP analytics_cache_degraded 1 while the cache serves without Redis, else 0.
# TYPE analytics_cache_degraded gauge
analytics_cache_degraded 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"analytics_cache_hits_total", "analytics_cache_misses_total", "analytics_cache_sets_total",
		"analytics_cache_loads_total", "analytics_cache_invalidations_total", "analytics_cache_degraded"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 2*6+9 {
		t.Errorf("GatherAndCount = %d, %v; want %d series", n, err, 2*6+9)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
