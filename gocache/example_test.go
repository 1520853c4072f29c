package gocache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
)

// A memory-only Cache (pass Config.Redis to share entries and
// invalidations between replicas) on a fake clock: Load computes once,
// serves from the cache until the kind's TTL passes, and InvalidateTeam
// drops the team's entries at once.
func ExampleCache_Load() {
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	cache, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	computed := 0
	realTime := func(ctx context.Context) ([]byte, error) {
		computed++
		return fmt.Appendf(nil, `{"computation":%d}`, computed), nil
	}
	key := analytics.RealTimeKey(analytics.TeamScope("team_1"))
	read := func(when string) {
		v, err := cache.Load(ctx, key, 0, realTime) // 0: the real-time tier, 30 s
		fmt.Printf("%-28s %s %v\n", when, v, err)
	}

	read("first read")
	clock.Advance(29 * time.Second)
	read("29 s later")
	clock.Advance(time.Second)
	read("30 s: expired")
	if err := cache.InvalidateTeam(ctx, "team_1"); err != nil {
		panic(err)
	}
	read("after InvalidateTeam")
	// Output:
	// first read                   {"computation":1} <nil>
	// 29 s later                   {"computation":1} <nil>
	// 30 s: expired                {"computation":2} <nil>
	// after InvalidateTeam         {"computation":3} <nil>
}
