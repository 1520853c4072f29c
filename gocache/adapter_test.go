package gocache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/eko/gocache/lib/v4/cache"
	bigcachestore "github.com/eko/gocache/store/bigcache/v4"
	redisstore "github.com/eko/gocache/store/redis/v4"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// newChain returns a gocache chain of a bigcache store of its own in front
// of a redis store on client, as a host would run it.
func newChain(t *testing.T, client *redis.Client) *cache.ChainCache[[]byte] {
	t.Helper()
	bc, err := bigcache.New(context.Background(), bigcache.DefaultConfig(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bc.Close() })
	return cache.NewChain[[]byte](
		cache.New[[]byte](bigcachestore.NewBigcache(bc)),
		cache.New[[]byte](redisstore.NewRedis(client)),
	)
}

func adapt(t *testing.T, c cache.CacheInterface[[]byte], prefix string, clock analytics.Clock) analytics.Cache {
	t.Helper()
	a, err := gocache.Adapt(c, &gocache.AdapterConfig{Prefix: prefix, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestAdapterChain runs the adapter over a real chain of gocache's
// bigcache and redis stores: the guarantees its documentation keeps hold,
// and those it gives up are given up as documented.
func TestAdapterChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, prefix := testenv.Redis(t)
	clock := analytics.NewFakeClock(t0)
	a := adapt(t, newChain(t, client), prefix, clock)
	k := analytics.RealTimeKey(analytics.TeamScope("team"))
	other := analytics.RealTimeKey(analytics.TeamScope("other"))

	wantMiss(t, a, k)
	mustSet(t, a, k, "v1", 10*time.Second)
	mustSet(t, a, other, "kept", time.Hour)
	wantHit(t, a, k, "v1")
	if v, _ := mustGet(t, a, k); len(v) > 0 {
		v[0] = 'X' // the caller owns the bytes
	}
	wantHit(t, a, k, "v1")

	// Per-entry expiry, though bigcache ignores TTLs.
	clock.Advance(10 * time.Second)
	wantMiss(t, a, k)

	// InvalidateTeam, in this process: older entries of the team go, the
	// others stay, and later ones are served.
	mustSet(t, a, k, "v2", time.Hour)
	clock.Advance(time.Millisecond)
	if err := a.InvalidateTeam(ctx, "team"); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, a, k)
	wantHit(t, a, other, "kept")
	clock.Advance(time.Millisecond)
	mustSet(t, a, k, "v3", time.Hour)
	wantHit(t, a, k, "v3")

	// The chain's redis tier holds the entry, but a cache.Cache[[]byte]
	// over the redis store reads it as empty: another process with its
	// own memory tier misses, as documented.
	if n, err := client.Exists(ctx, prefix+":realtime:{team}:g0:all").Result(); err != nil || n != 1 {
		t.Fatalf("the entry is not in Redis: %d, %v", n, err)
	}
	b := adapt(t, newChain(t, client), prefix, clock)
	wantMiss(t, b, k)

	// No staleness bound across processes: b keeps serving what it holds
	// after a's InvalidateTeam, until the entry's expiry.
	// (A key b has not read: the chain's backfill of the empty value it
	// read above may land at any time.)
	k2 := analytics.DashboardKey("team", 1)
	mustSet(t, b, k2, "b's", time.Minute)
	clock.Advance(time.Millisecond)
	if err := a.InvalidateTeam(ctx, "team"); err != nil {
		t.Fatal(err)
	}
	wantHit(t, b, k2, "b's")
	clock.Advance(time.Minute)
	wantMiss(t, b, k2)
}

// TestAdapterArguments: the adapter checks its arguments as Cache does.
func TestAdapterArguments(t *testing.T) {
	t.Parallel()
	var fe *analytics.FieldError
	if _, err := gocache.Adapt(nil, nil); !errors.As(err, &fe) || fe.Field != "c" {
		t.Errorf("Adapt(nil) = %v, want a FieldError naming c", err)
	}
	if _, err := gocache.Adapt((*cache.ChainCache[[]byte])(nil), nil); !errors.As(err, &fe) || fe.Field != "c" {
		t.Errorf("Adapt(typed nil) = %v, want a FieldError naming c", err)
	}
	bc := cache.New[[]byte](nil)
	if _, err := gocache.Adapt(bc, &gocache.AdapterConfig{Prefix: "a b"}); !errors.As(err, &fe) || fe.Field != "AdapterConfig.Prefix" {
		t.Errorf("bad prefix: %v, want a FieldError naming AdapterConfig.Prefix", err)
	}
	a, err := gocache.Adapt(bc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context
	k := analytics.RealTimeKey(analytics.TeamScope("t"))
	for name, call := range map[string]func() error{
		"Get":            func() error { _, _, err := a.Get(nilCtx, k); return err },
		"Set":            func() error { return a.Set(nilCtx, k, nil, 0) },
		"Load":           func() error { _, err := a.Load(nilCtx, k, 0, nil); return err },
		"InvalidateTeam": func() error { return a.InvalidateTeam(nilCtx, "t") },
	} {
		if err := call(); !errors.As(err, &fe) || fe.Field != "ctx" {
			t.Errorf("%s(nil ctx) = %v, want a FieldError naming ctx", name, err)
		}
	}
	a.Close()
	if err := a.Set(context.Background(), k, nil, 0); !errors.Is(err, analytics.ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
}
