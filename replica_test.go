package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// A snapshot run on a Postgres store that reads on a standby applying
// commits 2 s late: the dashboard and the snapshots read right after the
// run, from a cache that held them before it, are the run's. With the
// default pgstore.Config.ReplicaWait the store waits for the standby; with
// one shorter than the lag it reads on the primary until the standby has
// caught up.
func TestReplicaLagAfterRun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		wait time.Duration
	}{{"wait", 0}, {"fallback", 50 * time.Millisecond}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			primary, replica := testenv.LaggingReplica(t, 2*time.Second)
			ds, err := serviceDataset()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := primary.ExecContext(ctx, synth.SchemaSQL); err != nil {
				t.Fatal(err)
			}
			if err := synth.InsertRows(ctx, primary, ds.teams, &ds.act); err != nil {
				t.Fatal(err)
			}
			if err := testenv.WaitReplayed(ctx, primary, replica); err != nil {
				t.Fatal(err)
			}
			clock := analytics.NewFakeClock(svcNow)
			pg, err := pgstore.New(ctx, primary, &pgstore.Config{Clock: clock, Replica: replica, ReplicaWait: tt.wait})
			if err != nil {
				t.Fatal(err)
			}
			if err := pg.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			svc, err := analytics.New(pg, &analytics.Config{Clock: clock, Cache: newCache(t, tierSetup{l1: true}, clock, nil)})
			if err != nil {
				t.Fatal(err)
			}
			checkRunVisible(t, svc)
			if s := pg.ReplicaStats(); (tt.wait == 0) != (s.TimedOut == 0) {
				t.Errorf("ReplicaStats = %+v, want timeouts only with the short wait", s)
			}
		})
	}
}

// checkRunVisible reads kolkataTeam's 7-day dashboard and its daily snapshots
// (caching both), generates every finished day of the dataset, and checks
// that the same reads right after the run see the run's snapshots.
func checkRunVisible(t *testing.T, svc *analytics.Service) {
	t.Helper()
	ctx := context.Background()
	team := kolkataTeam
	scope := analytics.TeamScope(team)
	loc, err := time.LoadLocation("Asia/Kolkata") // kolkataTeam's
	if err != nil {
		t.Fatal(err)
	}
	today := analytics.DateOf(svcNow.In(loc))
	want := 0
	for d := svcDataStart; d.Before(today); d = d.AddDays(1) {
		want++
	}
	before, err := svc.Dashboard(ctx, team, 7)
	if err != nil || len(before.LiveDays) == 0 {
		t.Fatalf("Dashboard before the run: %d live days, err %v; want some", len(before.LiveDays), err)
	}
	if got, err := svc.Snapshots(ctx, scope, analytics.Daily, svcDataStart, today.AddDays(-1)); err != nil || len(got) != 0 {
		t.Fatalf("Snapshots before the run: %d, %v; want none", len(got), err)
	}
	all := func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := svcDataStart; d.Before(analytics.DateOf(svcNow.In(loc))); d = d.AddDays(1) {
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
	after, err := svc.Dashboard(ctx, team, 7)
	if err != nil || len(after.LiveDays) != 0 {
		t.Errorf("Dashboard right after the run: live days %v, err %v; want none (every finished day from its snapshot)", after.LiveDays, err)
	}
	got, err := svc.Snapshots(ctx, scope, analytics.Daily, svcDataStart, today.AddDays(-1))
	if err != nil || len(got) != want {
		t.Errorf("Snapshots right after the run: %d, %v; want the run's %d", len(got), err, want)
	}
}
