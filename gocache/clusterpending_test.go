package gocache_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// switchedCluster is a cluster client whose INCR and PING fail while down
// is set, as if the cluster were unreachable.
type switchedCluster struct {
	*redis.ClusterClient
	down atomic.Bool
}

var errSwitchedDown = errors.New("switched down")

func (s *switchedCluster) Incr(ctx context.Context, key string) *redis.IntCmd {
	if s.down.Load() {
		cmd := redis.NewIntCmd(ctx, "incr", key)
		cmd.SetErr(errSwitchedDown)
		return cmd
	}
	return s.ClusterClient.Incr(ctx, key)
}

func (s *switchedCluster) Ping(ctx context.Context) *redis.StatusCmd {
	if s.down.Load() {
		cmd := redis.NewStatusCmd(ctx, "ping")
		cmd.SetErr(errSwitchedDown)
		return cmd
	}
	return s.ClusterClient.Ping(ctx)
}

// TestClusterPendingInvalidations: invalidations made while Redis was
// unreachable, of teams spread over every master, are applied in one
// pipeline when it is back, each team's INCR on its own slot's master.
func TestClusterPendingInvalidations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, prefix := testenv.RedisCluster(t)
	sw := &switchedCluster{ClusterClient: rdb}
	clock := analytics.NewFakeClock(t0)
	c := newCache(t, tierSetup{l1: true}, clock, func(cfg *gocache.Config) {
		cfg.Redis, cfg.Prefix, cfg.RedisTimeout = sw, prefix, 2*time.Second
	})
	peer := newCache(t, tierSetup{}, clock, func(cfg *gocache.Config) {
		cfg.Redis, cfg.Prefix, cfg.RedisTimeout, cfg.DisableL1 = rdb, prefix, 2*time.Second, true
	})

	const teams = 60
	key := func(i int) analytics.CacheKey {
		return analytics.RealTimeKey(analytics.TeamScope(fmt.Sprintf("team-%d", i)))
	}
	for i := range teams {
		mustSet(t, c, key(i), "old", time.Hour)
	}
	sw.down.Store(true)
	for i := range teams {
		if err := c.InvalidateTeam(ctx, key(i).TeamID); !errors.Is(err, analytics.ErrCacheUnavailable) {
			t.Fatalf("InvalidateTeam while down: %v, want ErrCacheUnavailable", err)
		}
	}
	if st := c.Stats(); st.PendingInvalidations != teams {
		t.Fatalf("PendingInvalidations = %d, want %d", st.PendingInvalidations, teams)
	}
	wantHit(t, peer, key(0), "old") // the peer has no news yet

	sw.down.Store(false)
	clock.Advance(gocache.DefaultRedisBackoff)
	wantMiss(t, c, key(0)) // probes, applies the pending invalidations, then reads
	if st := c.Stats(); st.PendingInvalidations != 0 || st.Degraded {
		t.Fatalf("after recovery: PendingInvalidations = %d, Degraded = %v", st.PendingInvalidations, st.Degraded)
	}
	for i := range teams {
		wantMiss(t, peer, key(i))
	}
	if st := peer.Stats(); st.L2.Errors != 0 {
		t.Errorf("the peer saw %d Redis errors", st.L2.Errors)
	}
}
