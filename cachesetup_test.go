package analytics_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// The Service tests run against each arrangement of the tiers of a
// gocache.Cache; the cache's own tests are in package gocache.

// tierSetup is one arrangement of tiers a suite runs against.
type tierSetup struct {
	name      string
	l1, redis bool
	cluster   bool // with redis: a Redis Cluster, not one server
}

var tierSetups = []tierSetup{
	{name: "L1", l1: true},
	{name: "Redis", redis: true},
	{name: "L1+Redis", l1: true, redis: true},
	{name: "Cluster", redis: true, cluster: true},
	{name: "L1+Cluster", l1: true, redis: true, cluster: true},
}

// testRedis returns a shared Redis and a prefix of the test's own:
// TEST_REDIS_CLUSTER_ADDRS's cluster when cluster is set, TEST_REDIS_URL's
// server otherwise.
func testRedis(t *testing.T, cluster bool) (redis.UniversalClient, string) {
	t.Helper()
	if cluster {
		return testenv.RedisCluster(t)
	}
	return testenv.Redis(t)
}

// newCache returns a cache of setup on clock, closed at cleanup. With
// Redis, it uses TEST_REDIS_URL (or TEST_REDIS_CLUSTER_ADDRS) under a
// prefix of its own.
func newCache(t *testing.T, setup tierSetup, clock analytics.Clock, edit func(*gocache.Config)) *gocache.Cache {
	t.Helper()
	cfg := &gocache.Config{Clock: clock, DisableL1: !setup.l1}
	if setup.redis {
		cfg.Redis, cfg.Prefix = testRedis(t, setup.cluster)
		// Generous: a timeout here would only turn a hit into a miss and
		// make a test flaky, not wrong.
		cfg.RedisTimeout = 2 * time.Second
	}
	if edit != nil {
		edit(cfg)
	}
	c, err := gocache.New(cfg)
	if err != nil {
		t.Fatalf("gocache.New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// twoReplicas returns two both-tier caches sharing a Redis (a cluster when
// cluster is set), a prefix and clock, as two replicas of a service would,
// and a third that has no memory tier.
func twoReplicas(t *testing.T, clock analytics.Clock, cluster bool) (a, b, redisOnly *gocache.Cache) {
	t.Helper()
	client, prefix := testRedis(t, cluster)
	mk := func(noL1 bool) *gocache.Cache {
		c, err := gocache.New(&gocache.Config{
			Redis: client, Prefix: prefix, Clock: clock, DisableL1: noL1,
			RedisTimeout: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	return mk(false), mk(false), mk(true)
}

// waitFor spins (yielding, never sleeping) until cond holds, or fails the
// test after a real-time limit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// The outage tests run a redis-server of their own, which they kill, pause
// and restart; they fail (never skip) when redis-server is not installed.
const (
	outageTimeout = 100 * time.Millisecond
	outageBackoff = time.Second
	// outageLimit is how long any call may take while Redis is down or
	// hung: the per-operation timeout, plus slack for a loaded machine.
	outageLimit = time.Second
)

func outageCache(t *testing.T, srv *testenv.RedisServer, clock analytics.Clock, noL1 bool) *gocache.Cache {
	t.Helper()
	c, err := gocache.New(&gocache.Config{
		Redis:        srv.Client(),
		Clock:        clock,
		DisableL1:    noL1,
		RedisTimeout: outageTimeout,
		RedisBackoff: outageBackoff,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// timed runs f and fails t if it took longer than outageLimit.
func timed(t *testing.T, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > outageLimit {
		t.Errorf("%s took %v with Redis unavailable; the limit is %v", what, d, outageLimit)
	}
}
