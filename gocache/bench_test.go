package gocache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
)

// benchValue is the JSON of a fully populated Metrics, the value a
// real-time read caches.
func benchValue(b *testing.B) []byte {
	b.Helper()
	m := analytics.Metrics{
		Range:       analytics.Range{Start: t0, End: t0.Add(24 * time.Hour)},
		GeneratedAt: t0.Add(13 * time.Hour),
		Messages: analytics.MessageMetrics{Total: 128734, Sent: 120001, Delivered: 118734, Read: 90211,
			Failed: 1234, Replied: 40123, Inbound: 50211, Outbound: 78523},
		Campaigns: analytics.CampaignMetrics{Total: 42, Active: 3, Completed: 37, Failed: 2, TotalRecipients: 98123,
			MessagesSent: 97001, MessagesDelivered: 96012, MessagesRead: 71234},
		Contacts: analytics.ContactMetrics{Total: 45123, New: 1234, Active: 20111, Blocked: 312, EngagementScoreCenti: 198765432},
		Conversations: analytics.ConversationMetrics{Total: 30211, Open: 1211, Closed: 29000, ResponseCount: 41234,
			ResponseTimeMs: 9876543210, Unanswered: 1234, FirstResponseCount: 28000, FirstResponseTimeMs: 5432109876,
			Histogram: analytics.Histogram{1234, 2345, 3456, 4567, 5678, 6789, 7890, 8901, 1234, 567, 345, 234, 123, 45, 12, 3}},
	}
	m.Derive()
	v, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkCacheGet reads one cached real-time value through a
// Cache: served from memory (L1, with Redis behind it), and served
// from Redis (memory tier off). The system clock is used, so the L1 case
// includes its once-a-second generation check.
func BenchmarkCacheGet(b *testing.B) {
	val := benchValue(b)
	b.Logf("value: %d bytes of Metrics JSON", len(val))
	ctx := context.Background()
	k := analytics.RealTimeKey(analytics.AccountScope("team_4f3a9c", "waba_118273"))
	for _, setup := range []struct {
		name string
		noL1 bool
	}{{"L1", false}, {"Redis", true}} {
		b.Run(setup.name, func(b *testing.B) {
			client, prefix := testenv.Redis(b)
			c, err := gocache.New(&gocache.Config{Redis: client, Prefix: prefix, DisableL1: setup.noL1})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if err := c.Set(ctx, k, val, time.Hour); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(val)))
			for b.Loop() {
				got, ok, err := c.Get(ctx, k)
				if err != nil || !ok || len(got) != len(val) {
					b.Fatalf("Get = %d bytes, %v, %v", len(got), ok, err)
				}
			}
			b.StopTimer()
			st := c.Stats()
			if setup.noL1 && st.L2.Hits == 0 || !setup.noL1 && st.L1.Hits == 0 {
				b.Fatalf("served from the wrong tier: %+v", st)
			}
		})
	}
}

// BenchmarkRawRedisGet is a plain go-redis GET of the same bytes: the floor
// for a read served from Redis.
func BenchmarkRawRedisGet(b *testing.B) {
	val := benchValue(b)
	ctx := context.Background()
	client, prefix := testenv.Redis(b)
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
}

// BenchmarkRawBigcacheGet is a plain bigcache Get of the same bytes, with
// the shard settings of a default Cache: the floor for a read served
// from memory.
func BenchmarkRawBigcacheGet(b *testing.B) {
	val := benchValue(b)
	bc, err := bigcache.New(context.Background(), bigcache.Config{
		Shards: gocache.DefaultL1Shards, LifeWindow: time.Hour, MaxEntriesInWindow: gocache.DefaultL1Shards * 16,
		MaxEntrySize: 2048, HardMaxCacheSize: gocache.DefaultL1MaxMB,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer bc.Close()
	key := "analytics:realtime:{team_4f3a9c}:g0:waba_118273|1"
	if err := bc.Set(key, val); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(val)))
	for b.Loop() {
		got, err := bc.Get(key)
		if err != nil || !bytes.Equal(got[:8], val[:8]) {
			b.Fatalf("Get = %v", err)
		}
	}
}
