package gocache_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eko/gocache/lib/v4/store"
	gocachestore "github.com/eko/gocache/store/go_cache/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
	gocachelib "github.com/patrickmn/go-cache"
	"github.com/redis/go-redis/v9"
)

// t0 is the fake clock's start in cache tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// memoryStore is a memory tier the suites run with.
type memoryStore struct {
	name string
	new  func() store.StoreInterface // nil: the default, gocache's bigcache store
}

// memoryStores are the default memory tier and another gocache store,
// gocache's go-cache store (with no janitor goroutine).
var memoryStores = []memoryStore{
	{name: "bigcache"},
	{name: "go-cache", new: func() store.StoreInterface {
		return gocachestore.NewGoCache(gocachelib.New(gocachelib.NoExpiration, 0))
	}},
}

// config returns the Memory of a Config: nil for the default.
func (m memoryStore) config() store.StoreInterface {
	if m.new == nil {
		return nil
	}
	return m.new()
}

// forEachMemory runs test in parallel subtests, one per memory store.
func forEachMemory(t *testing.T, test func(t *testing.T, mem memoryStore)) {
	for _, mem := range memoryStores {
		t.Run(mem.name, func(t *testing.T) {
			t.Parallel()
			test(t, mem)
		})
	}
}

// tierSetup is one arrangement of tiers the behaviour suite runs against.
type tierSetup struct {
	name      string
	l1, redis bool
	cluster   bool        // with redis: a Redis Cluster, not one server
	memory    memoryStore // with l1
}

// tierSetups are every arrangement, with each memory store.
var tierSetups = []tierSetup{
	{name: "L1", l1: true},
	{name: "Redis", redis: true},
	{name: "L1+Redis", l1: true, redis: true},
	{name: "L1/go-cache", l1: true, memory: memoryStores[1]},
	{name: "L1/go-cache+Redis", l1: true, redis: true, memory: memoryStores[1]},
	{name: "Cluster", redis: true, cluster: true},
	{name: "L1+Cluster", l1: true, redis: true, cluster: true},
}

// testRedis returns the Redis of a setup with redis, and a prefix of the
// test's own: TEST_REDIS_CLUSTER_ADDRS's cluster when cluster is set,
// TEST_REDIS_URL's server otherwise.
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
	if setup.l1 {
		cfg.Memory = setup.memory.config()
	}
	if setup.redis {
		cfg.Redis, cfg.Prefix = testRedis(t, setup.cluster)
		// Generous: the suite runs in parallel under the race detector on
		// a small machine, and a timeout here would only turn a hit into
		// a miss and make the test flaky, not wrong.
		cfg.RedisTimeout = 2 * time.Second
	}
	if edit != nil {
		edit(cfg)
	}
	c, err := gocache.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func mustGet(t *testing.T, c analytics.Cache, k analytics.CacheKey) ([]byte, bool) {
	t.Helper()
	v, ok, err := c.Get(context.Background(), k)
	if err != nil {
		t.Fatalf("Get(%+v): %v", k, err)
	}
	return v, ok
}

func wantHit(t *testing.T, c analytics.Cache, k analytics.CacheKey, want string) {
	t.Helper()
	v, ok := mustGet(t, c, k)
	if !ok {
		t.Fatalf("Get(%+v) missed; want %q", k, want)
	}
	if string(v) != want {
		t.Fatalf("Get(%+v) = %q, want %q", k, v, want)
	}
}

func wantMiss(t *testing.T, c analytics.Cache, k analytics.CacheKey) {
	t.Helper()
	if v, ok := mustGet(t, c, k); ok {
		t.Fatalf("Get(%+v) = %q, want a miss", k, v)
	}
}

func mustSet(t *testing.T, c analytics.Cache, k analytics.CacheKey, v string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), k, []byte(v), ttl); err != nil {
		t.Fatalf("Set(%+v): %v", k, err)
	}
}

// TestCacheBehaviour is the behaviour every tier setup must show.
func TestCacheBehaviour(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			t.Run("MissSetHit", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				k := analytics.RealTimeKey(analytics.TeamScope("team-1"))
				wantMiss(t, c, k)
				val := []byte(`{"messages":{"total":3}}`)
				if err := c.Set(context.Background(), k, val, time.Minute); err != nil {
					t.Fatal(err)
				}
				val[0] = 'X' // the cache must not keep the caller's slice
				got, _ := mustGet(t, c, k)
				if string(got) != `{"messages":{"total":3}}` {
					t.Fatalf("Get = %q", got)
				}
				got[0] = 'Y' // nor hand out its own
				wantHit(t, c, k, `{"messages":{"total":3}}`)
				mustSet(t, c, k, "second", time.Minute)
				wantHit(t, c, k, "second")
			})

			t.Run("DistinctKeys", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				keys := []analytics.CacheKey{
					analytics.RealTimeKey(analytics.TeamScope("t")),
					analytics.RealTimeKey(analytics.AccountScope("t", "all")),
					analytics.RealTimeKey(analytics.AccountScope("t", "%61ll")),
					analytics.RealTimeKey(analytics.AccountScope("t", ":")),
					analytics.RealTimeKey(analytics.AccountScope("t", "%3A")),
					analytics.RealTimeKey(analytics.TeamScope("t:all")),
					analytics.RealTimeKey(analytics.TeamScope("t}:g0:{x")),
					analytics.DashboardKey("t", 7),
					analytics.DashboardKey("t", 30),
					{Kind: analytics.KindDashboard, TeamID: "t", AccountID: "30d"},
					analytics.SnapshotsKey(analytics.TeamScope("t"), analytics.Daily, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)),
					analytics.SnapshotsKey(analytics.TeamScope("t"), analytics.Weekly, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)),
					analytics.SnapshotsKey(analytics.AccountScope("t", "a"), analytics.Daily, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)),
					{Kind: "custom", TeamID: "t", Query: "q|1 \n"},
				}
				for i, k := range keys {
					mustSet(t, c, k, fmt.Sprint("v", i), time.Minute)
				}
				for i, k := range keys {
					wantHit(t, c, k, fmt.Sprint("v", i))
				}
			})

			t.Run("ExpiryPerEntry", func(t *testing.T) {
				t.Parallel()
				clock := analytics.NewFakeClock(t0)
				c := newCache(t, setup, clock, func(cfg *gocache.Config) {
					cfg.TTLs = analytics.CacheTTLs{RealTime: 20 * time.Second}
				})
				// ttl 0 takes the kind's tier: 20 s as configured, and the
				// defaults 5 min and 1 h for the others. Memory entries
				// live in bigcache far longer (its window is over an hour
				// of real time): the expiry is the cache's own.
				tests := []struct {
					key analytics.CacheKey
					ttl time.Duration
					due time.Duration
				}{
					{analytics.RealTimeKey(analytics.TeamScope("a")), 0, 20 * time.Second},
					{analytics.DashboardKey("a", 7), 0, 5 * time.Minute},
					{analytics.SnapshotsKey(analytics.TeamScope("a"), analytics.Daily, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 2)), 0, time.Hour},
					{analytics.RealTimeKey(analytics.AccountScope("a", "x")), 3 * time.Second, 3 * time.Second},
					{analytics.CacheKey{Kind: "custom", TeamID: "a"}, 90 * time.Minute, 90 * time.Minute},
				}
				for _, tt := range tests {
					clock.Set(t0)
					mustSet(t, c, tt.key, "v", tt.ttl)
					clock.Set(t0.Add(tt.due - time.Nanosecond))
					wantHit(t, c, tt.key, "v")
					clock.Set(t0.Add(tt.due))
					wantMiss(t, c, tt.key)
					clock.Set(t0.Add(tt.due + 2*time.Hour))
					wantMiss(t, c, tt.key)
				}
				st := c.Stats()
				if got := st.L1.Expired + st.L2.Expired; got < uint64(len(tests)) {
					t.Errorf("Expired = %d in L1 + %d in L2, want at least %d", st.L1.Expired, st.L2.Expired, len(tests))
				}
			})

			t.Run("InvalidateTeam", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				ctx := context.Background()
				a := []analytics.CacheKey{
					analytics.RealTimeKey(analytics.TeamScope("a")),
					analytics.RealTimeKey(analytics.AccountScope("a", "acc")),
					analytics.DashboardKey("a", 30),
				}
				b := analytics.RealTimeKey(analytics.TeamScope("b"))
				prefixOfA := analytics.RealTimeKey(analytics.TeamScope("a:"))
				for _, k := range append(a, b, prefixOfA) {
					mustSet(t, c, k, "old", time.Hour)
				}
				if err := c.InvalidateTeam(ctx, "a"); err != nil {
					t.Fatalf("InvalidateTeam: %v", err)
				}
				for _, k := range a {
					wantMiss(t, c, k)
				}
				wantHit(t, c, b, "old")
				wantHit(t, c, prefixOfA, "old")
				mustSet(t, c, a[0], "new", time.Hour)
				wantHit(t, c, a[0], "new")
				if err := c.InvalidateTeam(ctx, "a"); err != nil {
					t.Fatalf("second InvalidateTeam: %v", err)
				}
				wantMiss(t, c, a[0])
				if got := c.Stats().Invalidations; got != 2 {
					t.Errorf("Stats().Invalidations = %d, want 2", got)
				}
			})

			t.Run("Load", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				ctx := context.Background()
				k := analytics.DashboardKey("t", 7)
				calls := 0
				load := func(ctx context.Context) ([]byte, error) {
					calls++
					if _, ok := ctx.Deadline(); !ok {
						t.Error("load context has no deadline")
					}
					return []byte(fmt.Sprint("computed ", calls)), nil
				}
				for range 3 {
					got, err := c.Load(ctx, k, 0, load)
					if err != nil || string(got) != "computed 1" {
						t.Fatalf("Load = %q, %v; want computed 1", got, err)
					}
				}
				if calls != 1 {
					t.Fatalf("load ran %d times, want 1", calls)
				}

				errBoom := fmt.Errorf("boom: %w", analytics.ErrNotFound)
				k2 := analytics.DashboardKey("t", 30)
				for range 2 {
					_, err := c.Load(ctx, k2, 0, func(context.Context) ([]byte, error) { return nil, errBoom })
					if !errors.Is(err, analytics.ErrNotFound) {
						t.Fatalf("Load error = %v, want one wrapping ErrNotFound", err)
					}
				}
				wantMiss(t, c, k2) // errors are not cached
				_, err := c.Load(ctx, k2, 0, func(context.Context) ([]byte, error) { panic("bad load") })
				if err == nil || !strings.Contains(err.Error(), "bad load") {
					t.Fatalf("Load of a panicking function = %v, want an error naming the panic", err)
				}
				st := c.Stats()
				if st.Loads != 4 || st.LoadErrors != 3 {
					t.Errorf("Stats: Loads=%d LoadErrors=%d, want 4 and 3", st.Loads, st.LoadErrors)
				}
			})

			t.Run("InvalidArguments", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				ctx := context.Background()
				ok := analytics.RealTimeKey(analytics.TeamScope("t"))
				load := func(context.Context) ([]byte, error) { return []byte("x"), nil }
				tests := []struct {
					name  string
					field string
					call  func() error
				}{
					{"empty team", "CacheKey.TeamID", func() error { _, _, err := c.Get(ctx, analytics.CacheKey{Kind: "realtime"}); return err }},
					{"NUL in account", "CacheKey.AccountID", func() error {
						return c.Set(ctx, analytics.RealTimeKey(analytics.AccountScope("t", "a\x00")), nil, time.Second)
					}},
					{"empty kind", "CacheKey.Kind", func() error { _, _, err := c.Get(ctx, analytics.CacheKey{TeamID: "t"}); return err }},
					{"upper-case kind", "CacheKey.Kind", func() error { _, _, err := c.Get(ctx, analytics.CacheKey{Kind: "RT", TeamID: "t"}); return err }},
					{"long query", "CacheKey.Query", func() error {
						_, _, err := c.Get(ctx, analytics.CacheKey{Kind: "x", TeamID: "t", Query: strings.Repeat("q", 4096+1)})
						return err
					}},
					{"negative ttl", "ttl", func() error { return c.Set(ctx, ok, nil, -time.Second) }},
					{"no tier for kind", "ttl", func() error { return c.Set(ctx, analytics.CacheKey{Kind: "custom", TeamID: "t"}, nil, 0) }},
					{"nil load", "load", func() error { _, err := c.Load(ctx, ok, 0, nil); return err }},
					{"Load ttl", "ttl", func() error { _, err := c.Load(ctx, ok, -1, load); return err }},
					{"empty team invalidation", "teamID", func() error { return c.InvalidateTeam(ctx, "") }},
				}
				for _, tt := range tests {
					err := tt.call()
					var fe *analytics.FieldError
					if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != tt.field {
						t.Errorf("%s: err = %v, want ErrInvalidArgument naming %s", tt.name, err, tt.field)
					}
				}
			})

			t.Run("CallerContext", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				k := analytics.RealTimeKey(analytics.TeamScope("t"))
				if _, _, err := c.Get(ctx, k); !errors.Is(err, context.Canceled) {
					t.Errorf("Get on a cancelled context = %v, want context.Canceled", err)
				}
				if _, err := c.Load(ctx, k, 0, func(context.Context) ([]byte, error) { return nil, nil }); !errors.Is(err, context.Canceled) {
					t.Errorf("Load on a cancelled context = %v, want context.Canceled", err)
				}
			})

			t.Run("Closed", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				k := analytics.RealTimeKey(analytics.TeamScope("t"))
				_, _, getErr := c.Get(ctx, k)
				_, loadErr := c.Load(ctx, k, 0, func(context.Context) ([]byte, error) { return nil, nil })
				for name, err := range map[string]error{
					"Get":            getErr,
					"Set":            c.Set(ctx, k, nil, 0),
					"Load":           loadErr,
					"InvalidateTeam": c.InvalidateTeam(ctx, "t"),
				} {
					if !errors.Is(err, analytics.ErrClosed) {
						t.Errorf("%s after Close = %v, want ErrClosed", name, err)
					}
				}
				if err := c.Close(); err != nil {
					t.Errorf("second Close = %v", err)
				}
			})

			t.Run("Stats", func(t *testing.T) {
				t.Parallel()
				c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
				k := analytics.RealTimeKey(analytics.TeamScope("t"))
				wantMiss(t, c, k)
				mustSet(t, c, k, "v", 0)
				wantHit(t, c, k, "v")
				var want gocache.Stats
				// The miss reached every tier; the hit the first one.
				if setup.l1 {
					want.L1 = gocache.TierStats{Misses: 1, Sets: 1, Hits: 1}
				}
				if setup.redis {
					want.L2 = gocache.TierStats{Misses: 1, Sets: 1}
					if !setup.l1 {
						want.L2.Hits = 1
					}
				}
				if setup.l1 && setup.redis {
					// The first memory read needs the team's generation.
					want.GenerationReads = 1
				}
				if diff := cmp.Diff(want, c.Stats()); diff != "" {
					t.Errorf("Stats (-want +got):\n%s", diff)
				}
			})

			// The memory tier's size limit (Config.L1MaxMB, L1Shards) is
			// the default store's, so only setups on it have this case.
			if setup.memory.new == nil {
				t.Run("EntryTooLargeForMemory", func(t *testing.T) {
					t.Parallel()
					// 1 MiB over 64 shards: 16 KiB per shard, so a 32 KiB value
					// cannot be held in memory.
					c := newCache(t, setup, analytics.NewFakeClock(t0), func(cfg *gocache.Config) {
						cfg.L1MaxMB, cfg.L1Shards = 1, 64
					})
					k := analytics.RealTimeKey(analytics.TeamScope("t"))
					big := strings.Repeat("x", 32<<10)
					mustSet(t, c, k, big, 0)
					if setup.redis {
						wantHit(t, c, k, big)
					} else {
						wantMiss(t, c, k)
					}
					if st := c.Stats(); setup.l1 && st.L1.Errors == 0 {
						t.Errorf("L1.Errors = 0 after an entry too large for memory")
					}
				})
			}
		})
	}
}

// TestCacheConcurrentUse hammers one cache of each setup from many
// goroutines, for the race detector, and checks every read is a value some
// writer wrote for that key.
func TestCacheConcurrentUse(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			clock := analytics.NewFakeClock(t0)
			c := newCache(t, setup, clock, nil)
			ctx := context.Background()
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 50 {
						team := fmt.Sprint("team", i%3)
						k := analytics.RealTimeKey(analytics.AccountScope(team, fmt.Sprint(i%5)))
						switch (g + i) % 4 {
						case 0:
							mustSet(t, c, k, team+"/"+k.AccountID, 0)
						case 1:
							if v, ok, err := c.Get(ctx, k); err != nil || ok && string(v) != team+"/"+k.AccountID {
								t.Errorf("Get(%+v) = %q, %v, %v", k, v, ok, err)
							}
						case 2:
							if _, err := c.Load(ctx, k, 0, func(context.Context) ([]byte, error) {
								return []byte(team + "/" + k.AccountID), nil
							}); err != nil {
								t.Error(err)
							}
						case 3:
							if i%10 == 3 {
								if err := c.InvalidateTeam(ctx, team); err != nil {
									t.Error(err)
								}
							}
							clock.Advance(100 * time.Millisecond)
						}
					}
				})
			}
			wg.Wait()
		})
	}
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

// TestCacheLoadSingleFlight: 500 concurrent cold Loads of one key run the
// load function once; a caller that gives up gets its context's error and
// does not fail the others or cancel the load.
func TestCacheLoadSingleFlight(t *testing.T) {
	t.Parallel()
	const callers = 500
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t, setup, analytics.NewFakeClock(t0), nil)
			k := analytics.DashboardKey("team", 30)
			release := make(chan struct{})
			var calls atomic.Int64
			var loadCtxErr atomic.Value
			load := func(ctx context.Context) ([]byte, error) {
				calls.Add(1)
				<-release
				loadCtxErr.Store(fmt.Sprint(ctx.Err()))
				return []byte("metrics"), nil
			}

			// The caller that will give up comes first, so the load runs
			// on its behalf.
			quitter, quit := context.WithCancel(context.Background())
			quitErr := make(chan error, 1)
			go func() {
				_, err := c.Load(quitter, k, 0, load)
				quitErr <- err
			}()
			waitFor(t, "the load to start", func() bool { return calls.Load() == 1 })

			var wg sync.WaitGroup
			results := make([]string, callers-1)
			errs := make([]error, callers-1)
			for i := range callers - 1 {
				wg.Go(func() {
					v, err := c.Load(context.Background(), k, 0, load)
					results[i], errs[i] = string(v), err
				})
			}
			waitFor(t, "every caller to wait on the load", func() bool { return c.Stats().LoadWaiters == callers })
			quit()
			if err := <-quitErr; !errors.Is(err, context.Canceled) {
				t.Errorf("the caller that gave up got %v, want context.Canceled", err)
			}
			close(release)
			wg.Wait()
			for i := range results {
				if errs[i] != nil || results[i] != "metrics" {
					t.Fatalf("caller %d got %q, %v", i, results[i], errs[i])
				}
			}
			if n := calls.Load(); n != 1 {
				t.Fatalf("load ran %d times for %d concurrent callers, want 1", n, callers)
			}
			if got := loadCtxErr.Load(); got != "<nil>" {
				t.Errorf("the load's context ended (%v) when one caller gave up", got)
			}
			st := c.Stats()
			if st.Loads != 1 || st.LoadsAbandoned != 1 || st.LoadWaiters != 0 {
				t.Errorf("Stats: Loads=%d LoadsAbandoned=%d LoadWaiters=%d, want 1, 1, 0", st.Loads, st.LoadsAbandoned, st.LoadWaiters)
			}
			wantHit(t, c, k, "metrics")
		})
	}
}

// TestCacheLoadTimeout: a load that outlives LoadTimeout has its context
// ended, and its callers get the error.
func TestCacheLoadTimeout(t *testing.T) {
	t.Parallel()
	c := newCache(t, tierSetups[0], analytics.NewFakeClock(t0), func(cfg *gocache.Config) {
		cfg.LoadTimeout = 20 * time.Millisecond
	})
	_, err := c.Load(context.Background(), analytics.DashboardKey("t", 7), 0, func(ctx context.Context) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Load = %v, want context.DeadlineExceeded", err)
	}
}

// TestCacheCloseEndsLoads: Close cancels a running load's context and
// waits for it.
func TestCacheCloseEndsLoads(t *testing.T) {
	t.Parallel()
	c, err := gocache.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := c.Load(context.Background(), analytics.DashboardKey("t", 7), 0, func(ctx context.Context) ([]byte, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		done <- err
	}()
	<-started
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Load during Close = %v, want context.Canceled", err)
	}
}

// forEachShared runs test in parallel subtests, one per kind of shared
// Redis (one server, a cluster) and memory store.
func forEachShared(t *testing.T, test func(t *testing.T, mem memoryStore, cluster bool)) {
	for _, shared := range []struct {
		name    string
		cluster bool
	}{{"Redis", false}, {"Cluster", true}} {
		t.Run(shared.name, func(t *testing.T) {
			t.Parallel()
			forEachMemory(t, func(t *testing.T, mem memoryStore) { test(t, mem, shared.cluster) })
		})
	}
}

// twoReplicas returns two both-tier caches sharing a Redis (a cluster when
// cluster is set), a prefix and clock, as two replicas of a service would,
// and a third that has no memory tier.
func twoReplicas(t *testing.T, clock analytics.Clock, mem memoryStore, cluster bool) (a, b, redisOnly *gocache.Cache) {
	t.Helper()
	client, prefix := testRedis(t, cluster)
	mk := func(noL1 bool) *gocache.Cache {
		cfg := &gocache.Config{
			Redis: client, Prefix: prefix, Clock: clock, DisableL1: noL1,
			RedisTimeout: 2 * time.Second,
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
	return mk(false), mk(false), mk(true)
}

// TestCacheInvalidationAcrossReplicas: after InvalidateTeam returns on one
// replica, no replica serves an older entry from Redis at all, and none
// from memory once InvalidationBound (1 s) has passed.
func TestCacheInvalidationAcrossReplicas(t *testing.T) {
	t.Parallel()
	forEachShared(t, func(t *testing.T, mem memoryStore, cluster bool) {
		ctx := context.Background()
		clock := analytics.NewFakeClock(t0)
		a, b, r := twoReplicas(t, clock, mem, cluster)
		k1 := analytics.RealTimeKey(analytics.TeamScope("team"))
		k2 := analytics.DashboardKey("team", 7)
		other := analytics.RealTimeKey(analytics.TeamScope("other"))

		mustSet(t, a, k1, "old", time.Hour)
		mustSet(t, r, k2, "old", time.Hour) // in Redis, not in a's memory
		mustSet(t, a, other, "kept", time.Hour)
		wantHit(t, b, k1, "old") // now in b's memory too
		wantHit(t, r, k1, "old")

		if err := b.InvalidateTeam(ctx, "team"); err != nil {
			t.Fatalf("InvalidateTeam: %v", err)
		}
		// The invalidating replica and every Redis read see it at once.
		wantMiss(t, b, k1)
		wantMiss(t, r, k1)
		wantMiss(t, a, k2) // not in a's memory: read from Redis
		wantHit(t, a, other, "kept")

		// a may serve k1 from its memory for less than the bound, not longer.
		clock.Advance(gocache.DefaultInvalidationBound - time.Millisecond)
		if v, ok := mustGet(t, a, k1); ok && string(v) != "old" {
			t.Fatalf("a served %q", v)
		}
		clock.Advance(time.Millisecond)
		wantMiss(t, a, k1)

		// New values written after the invalidation are shared again.
		mustSet(t, a, k1, "new", time.Hour)
		wantHit(t, b, k1, "new")
		wantHit(t, r, k1, "new")
	})
}

// TestCacheLoadRacingInvalidation: a value whose load began before an
// invalidation is never served after it, though its own callers get it.
func TestCacheLoadRacingInvalidation(t *testing.T) {
	t.Parallel()
	forEachShared(t, func(t *testing.T, mem memoryStore, cluster bool) {
		ctx := context.Background()
		clock := analytics.NewFakeClock(t0)
		a, b, r := twoReplicas(t, clock, mem, cluster)
		k := analytics.DashboardKey("team", 30)

		for _, invalidator := range []*gocache.Cache{a, b} {
			started, release := make(chan struct{}), make(chan struct{})
			var releaseOnce sync.Once
			defer releaseOnce.Do(func() { close(release) }) // if the test fails early
			got := make(chan string, 1)
			go func() {
				v, err := a.Load(ctx, k, 0, func(context.Context) ([]byte, error) {
					close(started)
					<-release
					return []byte("computed before the invalidation"), nil
				})
				if err != nil {
					t.Error(err)
				}
				got <- string(v)
			}()
			<-started
			if err := invalidator.InvalidateTeam(ctx, "team"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(gocache.DefaultInvalidationBound)
			// A Load that comes after the invalidation does not join the
			// running one: it computes its own value.
			// (Joining it would wait for release, and so time out.)
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			v, err := a.Load(lctx, k, time.Second, func(context.Context) ([]byte, error) { return []byte("after"), nil })
			cancel()
			if err != nil || string(v) != "after" {
				t.Fatalf("Load after the invalidation = %q, %v; want its own value", v, err)
			}
			releaseOnce.Do(func() { close(release) })
			if v := <-got; v != "computed before the invalidation" {
				t.Fatalf("Load returned %q", v)
			}
			// Let "after" expire: what remains must not be the older value.
			clock.Advance(time.Second)
			wantMiss(t, a, k)
			wantMiss(t, b, k)
			wantMiss(t, r, k)
		}
	})
}

// TestConfigValidation: bad settings name their field.
func TestConfigValidation(t *testing.T) {
	t.Parallel()
	noCtxTimeouts := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { noCtxTimeouts.Close() })
	withCtxTimeouts := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { withCtxTimeouts.Close() })
	ringNoCtxTimeouts := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	t.Cleanup(func() { ringNoCtxTimeouts.Close() })
	tests := []struct {
		name  string
		cfg   gocache.Config
		field string
	}{
		{"no tier", gocache.Config{DisableL1: true}, "Config.DisableL1"},
		{"prefix with brace", gocache.Config{Prefix: "a{b}"}, "Config.Prefix"},
		{"prefix with space", gocache.Config{Prefix: "a b"}, "Config.Prefix"},
		{"shards", gocache.Config{L1Shards: 48}, "Config.L1Shards"},
		{"size", gocache.Config{L1MaxMB: -1}, "Config.L1MaxMB"},
		{"ttl", gocache.Config{TTLs: analytics.CacheTTLs{Dashboard: -time.Second}}, "Config.TTLs.Dashboard"},
		{"bound", gocache.Config{InvalidationBound: -1}, "Config.InvalidationBound"},
		{"timeout", gocache.Config{RedisTimeout: -1}, "Config.RedisTimeout"},
		{"client ignoring deadlines", gocache.Config{Redis: noCtxTimeouts}, "Config.Redis"},
		{"ring ignoring deadlines", gocache.Config{Redis: ringNoCtxTimeouts}, "Config.Redis"},
		{"valid", gocache.Config{Redis: withCtxTimeouts, Prefix: "app:analytics.v2"}, ""},
		{"memory store with memory off", gocache.Config{Redis: withCtxTimeouts, DisableL1: true, Memory: memoryStores[1].new()}, "Config.Memory"},
		{"nil memory store", gocache.Config{Memory: (*gocachestore.GoCacheStore)(nil)}, "Config.Memory"},
		{"valid, memory only", gocache.Config{}, ""},
		{"valid, another memory store", gocache.Config{Memory: memoryStores[1].new()}, ""},
	}
	for _, tt := range tests {
		c, err := gocache.New(&tt.cfg)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else {
				c.Close()
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument naming %s", tt.name, err, tt.field)
		}
	}
}
