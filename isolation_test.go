package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/tenants"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

// isolationSeeds are the datasets of the isolation property tests; each
// gives other time zones, volumes and colliding records.
var isolationSeeds = []uint64{1, 2, 3}

// TestTenantIsolationMemstore is the isolation property on memstore: for
// random multi-tenant data whose record IDs repeat across teams, every
// metric of every scope of team A equals ComputeMetrics over A's records
// alone, in per-team and mixed requests and in stored snapshots. The
// Postgres variant is TestTenantIsolation in store/pgstore.
func TestTenantIsolationMemstore(t *testing.T) {
	t.Parallel()
	for _, seed := range isolationSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			teams, act, err := tenants.Build(seed)
			if err != nil {
				t.Fatal(err)
			}
			mem := memstore.New(nil)
			if err := mem.AddTeams(teams...); err != nil {
				t.Fatal(err)
			}
			if err := mem.Add(act); err != nil {
				t.Fatal(err)
			}
			tenants.CheckAggregate(t, mem, teams, &act, seed)
			tenants.CheckSnapshots(t, mem, teams, &act)
		})
	}
}

// TestTenantIsolationCache fills a Service's cache (memory and Redis) with
// every kind of read of every scope of team A, then checks that none of
// those keys is readable with team B's ID (same account, same query), on
// this replica and on a second one sharing Redis; that B's reads through
// the Service are B's own values; and that invalidating B leaves every
// entry of A in place.
func TestTenantIsolationCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	teams, act, err := tenants.Build(7)
	if err != nil {
		t.Fatal(err)
	}
	// Noon on the last day of the data in UTC: "today" has activity.
	clock := analytics.NewFakeClock(tenants.Start.AddDays(tenants.Days - 1).In(time.UTC).Add(12 * time.Hour))
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(teams...); err != nil {
		t.Fatal(err)
	}
	if err := mem.Add(act); err != nil {
		t.Fatal(err)
	}
	client, prefix := testenv.Redis(t)
	replica := func(l1 bool) *gocache.Cache {
		c, err := gocache.New(&gocache.Config{Clock: clock, Redis: client, Prefix: prefix,
			DisableL1: !l1, RedisTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	cache := replica(true)
	// A second replica: Redis only, sharing the first one's Redis and prefix.
	other := replica(false)
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock, Cache: cache, WarmDashboards: []int{}})
	if err != nil {
		t.Fatal(err)
	}

	from, to := tenants.Start, tenants.Start.AddDays(tenants.Days-1)
	// keysOf returns every key the Service's reads of team fill, with the
	// IDs of team's scopes; with as set, the same keys under team as.
	keysOf := func(team analytics.Team, as string) []analytics.CacheKey {
		var ks []analytics.CacheKey
		for _, sc := range team.Scopes() {
			sc.TeamID = as
			ks = append(ks, analytics.RealTimeKey(sc), analytics.SnapshotsKey(sc, analytics.Daily, from, to))
		}
		return append(ks, analytics.DashboardKey(as, 7))
	}
	fill := func(team analytics.Team) {
		t.Helper()
		for _, sc := range team.Scopes() {
			if _, err := svc.RealTime(ctx, sc); err != nil {
				t.Fatalf("RealTime(%s): %v", sc, err)
			}
			if _, err := svc.Snapshots(ctx, sc, analytics.Daily, from, to); err != nil {
				t.Fatalf("Snapshots(%s): %v", sc, err)
			}
		}
		if _, err := svc.Dashboard(ctx, team.ID, 7); err != nil {
			t.Fatalf("Dashboard(%q): %v", team.ID, err)
		}
	}
	a := teams[0]
	fill(a)
	for _, c := range []*gocache.Cache{cache, other} {
		for _, k := range keysOf(a, a.ID) {
			if _, ok, err := c.Get(ctx, k); err != nil || !ok {
				t.Fatalf("team A's key %+v is not cached: %v, %v", k, ok, err)
			}
		}
	}
	for _, b := range teams[1:] {
		for ci, c := range []*gocache.Cache{cache, other} {
			for _, k := range keysOf(a, b.ID) {
				if v, ok, err := c.Get(ctx, k); err != nil || ok {
					t.Errorf("replica %d: team A's key read with team %q: %q, %v, %v; want a miss", ci, b.ID, v, ok, err)
				}
			}
		}
		// B's own reads are B's values, not A's cached ones.
		got, err := svc.RealTime(ctx, analytics.TeamScope(b.ID))
		if err != nil {
			t.Fatal(err)
		}
		ref := realTimeRef(t, clock, b, tenants.Only(&act, b.ID))
		if diff := cmp.Diff(ref, got); diff != "" {
			t.Errorf("RealTime of team %q (-own records +got):\n%s", b.ID, diff)
		}
		if err := svc.InvalidateTeam(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Invalidating every other team dropped none of A's entries, on either
	// replica (the memory tier re-reads generations after the bound).
	clock.Advance(gocache.DefaultInvalidationBound + time.Millisecond)
	for ci, c := range []*gocache.Cache{cache, other} {
		for _, k := range keysOf(a, a.ID) {
			if _, ok, err := c.Get(ctx, k); err != nil || !ok {
				t.Errorf("replica %d: team A's key %+v gone after invalidating other teams: %v, %v", ci, k, ok, err)
			}
		}
	}
	// And invalidating A does drop them: the check above can fail.
	if err := svc.InvalidateTeam(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range keysOf(a, a.ID) {
		if _, ok, _ := cache.Get(ctx, k); ok {
			t.Errorf("team A's key %+v still served after InvalidateTeam(A)", k)
		}
	}
}

// realTimeRef is what RealTime of team's team-wide scope must return at
// the clock's now, from own (the team's records alone).
func realTimeRef(t *testing.T, clock *analytics.FakeClock, team analytics.Team, own *store.Activity) analytics.Metrics {
	t.Helper()
	loc, err := team.Location()
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	p, err := analytics.PeriodOf(analytics.Daily, now, loc)
	if err != nil {
		t.Fatal(err)
	}
	p.End = now
	ms, err := store.ComputeMetrics(own, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope(team.ID), Period: p}}})
	if err != nil {
		t.Fatal(err)
	}
	ms[0].GeneratedAt = now
	return ms[0]
}
