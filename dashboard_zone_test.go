package analytics_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/pgstore"
)

// movedZoneStore serves one team with the time zone zone once moved is
// set, as a host's teams table does after the team changes its zone.
type movedZoneStore struct {
	*memstore.Store
	team, zone string
	mu         sync.Mutex
	moved      bool
}

func (s *movedZoneStore) move() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moved = true
}

func (s *movedZoneStore) edit(t analytics.Team) analytics.Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.moved && t.ID == s.team {
		t.TimeZone = s.zone
	}
	return t
}

func (s *movedZoneStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	t, err := s.Store.Team(ctx, id)
	return s.edit(t), err
}

func (s *movedZoneStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	teams, err := s.Store.Teams(ctx, after, limit)
	for i := range teams {
		teams[i] = s.edit(teams[i])
	}
	return teams, err
}

// zoneMoves are the zone changes the tests make: one whose new days
// overlap the old ones (New York's day starts 9.5 hours after Kolkata's in
// March), one that leaves a gap between them.
var zoneMoves = []struct{ team, zone string }{
	{newYorkTeam, "Asia/Kolkata"},
	{kolkataTeam, "America/New_York"},
}

// pickDays returns a PeriodPicker of the daily periods of team's dates in
// dates (in the team's zone at the run), and nothing for other teams.
func pickDays(team string, dates ...analytics.Date) analytics.PeriodPicker {
	return func(tm analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		if tm.ID != team {
			return nil, nil
		}
		var ps []analytics.Period
		for _, d := range dates {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	}
}

// After a team's time zone changes, the daily snapshots stored in its old
// zone cover other instants than its days: the dashboard aggregates those
// days live, in the new zone, and uses only the snapshots regenerated in
// it. Every day of Series equals ComputeMetrics over that day's bounds in
// the new zone and the windows equal a direct computation over them (see
// checkDashboard), with LiveDays every finished day but the regenerated
// ones.
func TestDashboardAfterZoneChange(t *testing.T) {
	t.Parallel()
	for _, mv := range zoneMoves {
		t.Run(mv.team+"->"+mv.zone, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newSvcFixture(t, tierSetup{}, nil)
			f.generateDaily(t, nil) // in the dataset's zones
			zs := &movedZoneStore{Store: f.mem, team: mv.team, zone: mv.zone}
			zs.move()
			tm := f.teams[mv.team]
			tm.TimeZone = mv.zone
			f.teams[mv.team] = tm // the reference's zone

			// Two days regenerated in the new zone.
			today := f.today(t, mv.team)
			regen := map[analytics.Date]bool{today.AddDays(-2): true, today.AddDays(-5): true}
			snap, err := analytics.NewSnapshotter(zs, &analytics.SnapshotterConfig{Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			if rep, err := snap.Run(ctx, analytics.Daily, pickDays(mv.team, today.AddDays(-2), today.AddDays(-5))); err != nil || rep.Failed != 0 || rep.Succeeded == 0 {
				t.Fatalf("regenerating: %+v, %v", rep, err)
			}

			svc, err := analytics.New(zs, &analytics.Config{Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			for _, days := range []int{1, 7, 30} {
				d, err := svc.Dashboard(ctx, mv.team, days)
				if err != nil {
					t.Fatalf("Dashboard(%d): %v", days, err)
				}
				checkDashboard(t, f, mv.team, days, regen, d)
			}
		})
	}
}

// The same on Postgres, the team's zone changed in its teams table.
func TestDashboardAfterZoneChangePostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ds, err := serviceDataset()
	if err != nil {
		t.Fatal(err)
	}
	db := sourceDB(t)
	if err := synth.InsertRows(ctx, db, ds.teams, &ds.act); err != nil {
		t.Fatalf("loading the dataset: %v", err)
	}
	f := newSvcFixture(t, tierSetup{}, nil) // the reference
	pg, err := pgstore.New(ctx, db, &pgstore.Config{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(pg, &analytics.Config{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	all := func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := svcDataStart; d.Before(analytics.DateOf(f.clock.Now().In(loc))); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	}
	if rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, all); err != nil || rep.Failed != 0 || rep.Succeeded == 0 {
		t.Fatalf("snapshot run: %+v, %v", rep, err)
	}
	for _, mv := range zoneMoves {
		if _, err := db.ExecContext(ctx, `UPDATE teams SET timezone = ? WHERE id = ?`, mv.zone, mv.team); err != nil {
			t.Fatal(err)
		}
		tm := f.teams[mv.team]
		tm.TimeZone = mv.zone
		f.teams[mv.team] = tm
	}
	for _, mv := range zoneMoves {
		today := f.today(t, mv.team)
		regen := map[analytics.Date]bool{today.AddDays(-3): true}
		if rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, pickDays(mv.team, today.AddDays(-3))); err != nil || rep.Failed != 0 || rep.Succeeded == 0 {
			t.Fatalf("regenerating: %+v, %v", rep, err)
		}
		for _, days := range []int{1, 7, 30} {
			d, err := svc.Dashboard(ctx, mv.team, days)
			if err != nil {
				t.Fatalf("Dashboard(%s, %d): %v", mv.team, days, err)
			}
			checkDashboard(t, f, mv.team, days, regen, d)
		}
	}
}

// After a zone change, the snapshots of the old zone do not count as
// stored for warming: a run that regenerates only yesterday in the new
// zone warms no dashboard of the team; once both windows of the 7-day
// dashboard are regenerated, the next run warms it, and it then has no
// live day.
func TestWarmAfterZoneChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mv := zoneMoves[0]
	f := newSvcFixture(t, tierSetup{}, nil)
	f.generateDaily(t, nil)
	zs := &movedZoneStore{Store: f.mem, team: mv.team, zone: mv.zone}
	zs.move()
	tc, err := gocache.New(&gocache.Config{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	cache := &dashboardLoads{Cache: tc, n: map[analytics.CacheKey]int{}}
	svc, err := analytics.New(zs, &analytics.Config{Clock: f.clock, Cache: cache, WarmDashboards: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := analytics.Team{TimeZone: mv.zone}.Location()
	if err != nil {
		t.Fatal(err)
	}
	today := analytics.DateOf(f.clock.Now().In(loc))
	if _, err := svc.Snapshotter().Run(ctx, analytics.Daily, pickDays(mv.team, today.AddDays(-1))); err != nil {
		t.Fatal(err)
	}
	if got := cache.take(); len(got) != 0 {
		t.Errorf("a run of yesterday alone in the new zone warmed %v", got)
	}
	var dates []analytics.Date
	for ago := 13; ago >= 1; ago-- {
		dates = append(dates, today.AddDays(-ago))
	}
	if _, err := svc.Snapshotter().Run(ctx, analytics.Daily, pickDays(mv.team, dates...)); err != nil {
		t.Fatal(err)
	}
	want := map[analytics.CacheKey]int{analytics.DashboardKey(mv.team, 7): 1}
	if diff := cmp.Diff(want, cache.take()); diff != "" {
		t.Errorf("dashboard loads of the run regenerating both windows (-want +got):\n%s", diff)
	}
	d, err := svc.Dashboard(ctx, mv.team, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.LiveDays) != 0 {
		t.Errorf("the warmed dashboard has live days %v", d.LiveDays)
	}
}
