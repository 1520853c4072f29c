package gocache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
)

// The outage tests run a redis-server of their own, which they kill, pause
// and restart; they fail (never skip) when redis-server is not installed.

const (
	outageTimeout = 250 * time.Millisecond
	outageBackoff = time.Second
	// outageLimit is how long any call may take while Redis is down or
	// hung: the per-operation timeout, plus slack for a loaded machine.
	outageLimit = time.Second
)

func outageCache(t *testing.T, srv *testenv.RedisServer, clock analytics.Clock, noL1 bool, mem memoryStore) *gocache.Cache {
	t.Helper()
	cfg := &gocache.Config{
		Redis:        srv.Client(),
		Clock:        clock,
		DisableL1:    noL1,
		RedisTimeout: outageTimeout,
		RedisBackoff: outageBackoff,
	}
	if !noL1 {
		cfg.Memory = mem.config()
	}
	c, err := gocache.New(cfg)
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

func TestCacheRedisOutage(t *testing.T) {
	t.Parallel()
	forEachMemory(t, func(t *testing.T, mem memoryStore) {
		for _, mode := range []struct {
			name  string
			fail  func(*testenv.RedisServer)
			mend  func(*testenv.RedisServer)
			empty bool // Redis comes back without its data
		}{
			{"Down", (*testenv.RedisServer).Stop, (*testenv.RedisServer).Restart, true},
			{"Hung", (*testenv.RedisServer).Pause, (*testenv.RedisServer).Resume, false},
		} {
			t.Run(mode.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				srv := testenv.StartRedisServer(t)
				clock := analytics.NewFakeClock(t0)
				c := outageCache(t, srv, clock, false, mem)
				peer := outageCache(t, srv, clock, true, mem) // another replica, Redis only
				cached := analytics.RealTimeKey(analytics.TeamScope("team"))
				cold := analytics.DashboardKey("team", 7)
				mustSet(t, c, cached, "v1", time.Hour)
				wantHit(t, peer, cached, "v1")

				mode.fail(srv)

				// Memory still serves, and nothing touches Redis while the
				// team's generation is fresh.
				timed(t, "a memory hit", func() { wantHit(t, c, cached, "v1") })
				if c.Degraded() {
					t.Errorf("degraded before any Redis operation failed")
				}
				// A read that needs Redis misses without an error, in bounded
				// time, and the cache turns degraded.
				timed(t, "a cold read", func() { wantMiss(t, c, cold) })
				if !c.Degraded() || !c.Stats().Degraded {
					t.Fatalf("not degraded after a Redis operation failed")
				}
				// Load falls back to its function.
				timed(t, "a cold Load", func() {
					v, err := c.Load(ctx, cold, 0, func(context.Context) ([]byte, error) { return []byte("from source"), nil })
					if err != nil || string(v) != "from source" {
						t.Fatalf("Load during the outage = %q, %v", v, err)
					}
				})
				wantHit(t, c, cold, "from source") // kept in memory
				// During the backoff Redis is left alone.
				before := c.Stats().L2
				for range 20 {
					wantMiss(t, c, analytics.DashboardKey("team", 90))
				}
				after := c.Stats().L2
				if after.Errors != before.Errors || after.Fallbacks != before.Fallbacks+20 {
					t.Errorf("during backoff: L2 errors %d→%d, fallbacks %d→%d; want errors unchanged and 20 fallbacks",
						before.Errors, after.Errors, before.Fallbacks, after.Fallbacks)
				}

				// Past the bound the generation cannot be checked: memory
				// still serves (a fallback), after one bounded probe.
				clock.Advance(outageBackoff)
				timed(t, "a memory hit past the bound", func() { wantHit(t, c, cached, "v1") })
				if c.Stats().L1.Fallbacks == 0 {
					t.Errorf("L1.Fallbacks = 0 after serving memory with an unverified generation")
				}

				// Invalidation reaches only this process, and says so.
				var err error
				timed(t, "InvalidateTeam", func() { err = c.InvalidateTeam(ctx, "team") })
				if !errors.Is(err, analytics.ErrCacheUnavailable) {
					t.Fatalf("InvalidateTeam during the outage = %v, want ErrCacheUnavailable", err)
				}
				wantMiss(t, c, cached)
				wantMiss(t, c, cold)
				if st := c.Stats(); st.PendingInvalidations != 1 || st.InvalidationErrors != 1 {
					t.Errorf("PendingInvalidations=%d InvalidationErrors=%d, want 1 and 1", st.PendingInvalidations, st.InvalidationErrors)
				}

				mode.mend(srv)
				if !mode.empty {
					// Redis kept the old entry; the peer, which has no news of
					// the invalidation, still reads it.
					wantHit(t, peer, cached, "v1")
				}
				clock.Advance(outageBackoff)
				// The first operation after the backoff probes Redis, applies
				// the pending invalidation, and only then reads: the old entry
				// stays unreachable here, and now for the peer too.
				wantMiss(t, c, cached)
				if c.Degraded() {
					t.Fatalf("still degraded after Redis came back")
				}
				if st := c.Stats(); st.PendingInvalidations != 0 {
					t.Errorf("PendingInvalidations = %d after recovery", st.PendingInvalidations)
				}
				wantMiss(t, peer, cached)

				// And the tiers are shared again.
				mustSet(t, c, cached, "v2", time.Hour)
				wantHit(t, peer, cached, "v2")
				mustSet(t, peer, cold, "from peer", time.Hour)
				wantHit(t, c, cold, "from peer")
			})
		}
	})
}

// TestCacheRedisLostData: Redis restarted empty makes a team's generation
// go backwards; a replica that saw the higher one must not serve memory
// entries stored under the lower one before.
func TestCacheRedisLostData(t *testing.T) {
	t.Parallel()
	forEachMemory(t, func(t *testing.T, mem memoryStore) {
		ctx := context.Background()
		srv := testenv.StartRedisServer(t)
		clock := analytics.NewFakeClock(t0)
		c := outageCache(t, srv, clock, false, mem)
		k := analytics.RealTimeKey(analytics.TeamScope("team"))

		mustSet(t, c, k, "gen 0", time.Hour)
		if err := c.InvalidateTeam(ctx, "team"); err != nil {
			t.Fatal(err)
		}
		mustSet(t, c, k, "gen 1", time.Hour)
		srv.Restart() // generation 0 again
		clock.Advance(gocache.DefaultInvalidationBound)
		wantMiss(t, c, k)
		mustSet(t, c, k, "after restart", time.Hour)
		wantHit(t, c, k, "after restart")
		if c.Degraded() {
			t.Errorf("degraded after a restart the cache never saw fail")
		}
	})
}

// TestCacheRedisLostDataCountedBack: Redis comes back from an outage
// without the generations it had (restarted empty, or a cluster replica
// promoted before it received the last INCRs), and other replicas count a
// team's generation back up to the one this cache last saw before the
// outage. The memory entries this cache stored under that generation are
// older than those invalidations and must not be served.
func TestCacheRedisLostDataCountedBack(t *testing.T) {
	t.Parallel()
	forEachMemory(t, func(t *testing.T, mem memoryStore) {
		ctx := context.Background()
		srv := testenv.StartRedisServer(t)
		clock := analytics.NewFakeClock(t0)
		c := outageCache(t, srv, clock, false, mem)
		k := analytics.RealTimeKey(analytics.TeamScope("team"))

		if err := c.InvalidateTeam(ctx, "team"); err != nil { // generation 1
			t.Fatal(err)
		}
		mustSet(t, c, k, "under generation 1", time.Hour)
		srv.Stop()
		clock.Advance(gocache.DefaultInvalidationBound)
		wantHit(t, c, k, "under generation 1") // degraded: from memory
		if !c.Degraded() {
			t.Fatal("not degraded with Redis stopped")
		}
		srv.Restart() // empty: generation 0
		peer := outageCache(t, srv, clock, true, mem)
		if err := peer.InvalidateTeam(ctx, "team"); err != nil { // generation 1 again
			t.Fatal(err)
		}
		clock.Advance(outageBackoff)
		wantMiss(t, c, k)
		if c.Degraded() {
			t.Fatal("still degraded after Redis came back")
		}
	})
}
