package analytics_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/memstore"
)

// dashboardLoads is a Cache that counts the Loads of dashboards, by team
// and length: each is one dashboard computed, or served, for warming or a
// read.
type dashboardLoads struct {
	analytics.Cache
	mu sync.Mutex
	n  map[analytics.CacheKey]int
}

func (c *dashboardLoads) Load(ctx context.Context, key analytics.CacheKey, ttl time.Duration, load func(context.Context) ([]byte, error)) ([]byte, error) {
	if key.Kind == analytics.KindDashboard {
		c.mu.Lock()
		c.n[key]++
		c.mu.Unlock()
	}
	return c.Cache.Load(ctx, key, ttl, load)
}

func (c *dashboardLoads) take() map[analytics.CacheKey]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[analytics.CacheKey]int{}
	return n
}

// A 35-day catch-up through Service.Snapshotter, one run per day as the
// scheduler makes it, warms each team's dashboards once, after the run of
// its latest day; the 34 runs of older days only invalidate. Only the
// dashboards whose two windows are stored are warmed: on a first backfill
// of 35 days, the 7-day one (14 days), not the 30- and 90-day ones, whose
// missing days would be aggregated from raw activity. A run that writes
// the latest day with trailing days warms once per team too; once the 179
// days before today are stored, every length is warmed.
func TestCatchUpWarmsOncePerTeam(t *testing.T) {
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 15, 14, 30, 0, 0, time.UTC))
	mem := memstore.New(&memstore.Config{Clock: clock})
	teams := []analytics.Team{
		{ID: "t-kolkata", TimeZone: "Asia/Kolkata", AccountIDs: []string{"a1"}},
		{ID: "t-newyork", TimeZone: "America/New_York"},
		{ID: "t-utc"},
	}
	if err := mem.AddTeams(teams...); err != nil {
		t.Fatal(err)
	}
	tc, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	cache := &dashboardLoads{Cache: tc, n: map[analytics.CacheKey]int{}}
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	// Dashboards read before the catch-up are cached; the runs must
	// invalidate them.
	for _, tm := range teams {
		if _, err := svc.Dashboard(ctx, tm.ID, 7); err != nil {
			t.Fatal(err)
		}
	}
	cache.take()

	days := func(from, to int) analytics.PeriodPicker { // days ago, from ≥ to ≥ 1
		return func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			today := analytics.DateOf(clock.Now().In(loc))
			var ps []analytics.Period
			for ago := from; ago >= to; ago-- {
				p, err := analytics.PeriodForDate(analytics.Daily, today.AddDays(-ago), loc)
				if err != nil {
					return nil, err
				}
				ps = append(ps, p)
			}
			return ps, nil
		}
	}
	want, wantAll := map[analytics.CacheKey]int{}, map[analytics.CacheKey]int{}
	for _, tm := range teams {
		want[analytics.DashboardKey(tm.ID, 7)] = 1
		for _, d := range []int{7, 30, 90} {
			wantAll[analytics.DashboardKey(tm.ID, d)] = 1
		}
	}
	for ago := 35; ago >= 1; ago-- {
		rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, days(ago, ago))
		if err != nil || rep.Failed != 0 || rep.Succeeded != 4 {
			t.Fatalf("run of %d days ago: %+v, %v", ago, rep, err)
		}
		got := cache.take()
		if ago > 1 && len(got) != 0 {
			t.Fatalf("the run of %d days ago, not the latest, warmed %v", ago, got)
		}
		if ago == 1 {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("dashboard loads of the latest day's run (-want +got):\n%s", diff)
			}
		}
	}

	// The latest day with its trailing days, in one run: once per team.
	if _, err := svc.Snapshotter().Run(ctx, analytics.Daily, days(3, 1)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, cache.take()); diff != "" {
		t.Errorf("dashboard loads of a run with trailing days (-want +got):\n%s", diff)
	}

	// A backfill of older days warms nothing; the next run of the latest
	// day then warms every length, all their days being stored.
	if rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, days(180, 36)); err != nil || rep.Failed != 0 {
		t.Fatalf("backfill: %+v, %v", rep, err)
	}
	if got := cache.take(); len(got) != 0 {
		t.Fatalf("the backfill of older days warmed %v", got)
	}
	if _, err := svc.Snapshotter().Run(ctx, analytics.Daily, days(1, 1)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantAll, cache.take()); diff != "" {
		t.Errorf("dashboard loads of the latest day's run after the backfill (-want +got):\n%s", diff)
	}

	// What is served after the catch-up is fresh.
	plain, err := analytics.New(mem, &analytics.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range teams {
		for _, d := range []int{7, 30, 90} {
			got, err := svc.Dashboard(ctx, tm.ID, d)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := plain.Dashboard(ctx, tm.ID, d)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ref, got); diff != "" {
				t.Errorf("Dashboard(%s, %d) after the catch-up (-uncached +got):\n%s", tm.ID, d, diff)
			}
		}
	}
}
