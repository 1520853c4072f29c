package analytics_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/memstore"
)

// BenchmarkRealTime measures a cached real-time read through the Service
// against the floors of the tiers under it. Every read returns the same
// bytes, so after the first the Metrics come from the Service's table of
// decoded values (copied, not decoded again):
//
//   - L1: served from the memory tier of a cache that also has Redis (with
//     the system clock, so the once-a-second generation check is in it);
//   - Redis: served from Redis by a cache without a memory tier;
//   - RawRedisGet: a plain go-redis GET of the same bytes;
//   - RawBigcacheGet: a plain bigcache Get of the same bytes.
//
// The value is one account's metrics for a day of generated activity. The
// real-time TTL is raised to an hour so that no read in the loop recomputes.
func BenchmarkRealTime(b *testing.B) {
	ctx := context.Background()
	clock := analytics.SystemClock()
	today := analytics.DateOf(clock.Now().UTC())
	teams, act, err := synth.Build(synth.Config{Seed: 1, Teams: 1, AccountsPerTeam: 2, Start: today.AddDays(-1), Days: 2,
		MessagesPerDay: 2000, TimeZones: []string{"UTC"}})
	if err != nil {
		b.Fatal(err)
	}
	store := memstore.New(nil)
	if err := store.AddTeams(teams...); err != nil {
		b.Fatal(err)
	}
	if err := store.Add(act); err != nil {
		b.Fatal(err)
	}
	scope := analytics.AccountScope(teams[0].ID, teams[0].AccountIDs[0])
	client, prefix := testenv.Redis(b)
	service := func(noL1 bool) (*analytics.Service, *gocache.Cache) {
		c, err := gocache.New(&gocache.Config{Redis: client, Prefix: prefix, DisableL1: noL1,
			TTLs: analytics.CacheTTLs{RealTime: time.Hour}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		svc, err := analytics.New(store, &analytics.Config{Cache: c})
		if err != nil {
			b.Fatal(err)
		}
		return svc, c
	}
	withL1, l1Cache := service(false)
	redisOnly, redisCache := service(true)
	want, err := withL1.RealTime(ctx, scope) // computed once, stored in both tiers
	if err != nil {
		b.Fatal(err)
	}
	if want.Messages.Total == 0 {
		b.Fatal("no activity today; the value would not be representative")
	}
	val, ok, err := l1Cache.Get(ctx, analytics.RealTimeKey(scope))
	if err != nil || !ok {
		b.Fatalf("the cached value: %v, %v", ok, err)
	}
	b.Logf("value: %d bytes of Metrics JSON", len(val))

	read := func(svc *analytics.Service, c *gocache.Cache, tier func(gocache.Stats) uint64) func(*testing.B) {
		return func(b *testing.B) {
			before := c.Stats()
			b.ReportAllocs()
			b.SetBytes(int64(len(val)))
			for b.Loop() {
				m, err := svc.RealTime(ctx, scope)
				if err != nil || m.Messages.Total != want.Messages.Total {
					b.Fatalf("RealTime = %d messages, %v", m.Messages.Total, err)
				}
			}
			b.StopTimer()
			after := c.Stats()
			if after.Loads != before.Loads || tier(after) == tier(before) {
				b.Fatalf("not served from the tier measured: %+v", after)
			}
		}
	}
	b.Run("L1", read(withL1, l1Cache, func(s gocache.Stats) uint64 { return s.L1.Hits }))
	b.Run("Redis", read(redisOnly, redisCache, func(s gocache.Stats) uint64 { return s.L2.Hits }))

	b.Run("RawRedisGet", func(b *testing.B) {
		key := prefix + ":raw"
		if err := client.Set(ctx, key, val, time.Hour).Err(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(val)))
		for b.Loop() {
			got, err := client.Get(ctx, key).Bytes()
			if err != nil || len(got) != len(val) {
				b.Fatalf("GET = %d bytes, %v", len(got), err)
			}
		}
	})
	b.Run("RawBigcacheGet", func(b *testing.B) {
		bc, err := bigcache.New(ctx, bigcache.Config{
			Shards: gocache.DefaultL1Shards, LifeWindow: time.Hour, MaxEntriesInWindow: gocache.DefaultL1Shards * 16,
			MaxEntrySize: 2048, HardMaxCacheSize: gocache.DefaultL1MaxMB,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer bc.Close()
		key := prefix + ":realtime:{" + scope.TeamID + "}:g0:" + scope.AccountID + "|1"
		if err := bc.Set(key, val); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(val)))
		for b.Loop() {
			got, err := bc.Get(key)
			if err != nil || len(got) != len(val) || !bytes.Equal(got[:8], val[:8]) {
				b.Fatalf("Get = %d bytes, %v", len(got), err)
			}
		}
	})
}
