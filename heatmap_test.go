package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TestHeatmap runs the heatmap behaviour against every cache arrangement.
func TestHeatmap(t *testing.T) {
	t.Parallel()
	for _, setup := range serviceSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			t.Run("MatchesReference", func(t *testing.T) {
				t.Parallel()
				testHeatmapReference(t, setup)
			})
			t.Run("SnapshotsWithoutTraffic", func(t *testing.T) {
				t.Parallel()
				testHeatmapOldSnapshots(t, setup)
			})
			t.Run("Cached", func(t *testing.T) {
				t.Parallel()
				testHeatmapCached(t, setup)
			})
			t.Run("Arguments", func(t *testing.T) {
				t.Parallel()
				testHeatmapArguments(t, setup)
			})
		})
	}
}

// checkHeatmap compares r, the heatmap of scope over days days read now,
// with the reference: store.ComputeMetrics of scope over [the start of the
// day days-1 days ago, now) in the team's zone, read as one period.
func checkHeatmap(t *testing.T, f *svcFixture, scope analytics.Scope, days int, r analytics.TrafficReport) {
	t.Helper()
	now := f.clock.Now()
	name := fmt.Sprintf("%s, %d days", scope, days)
	start := f.dayStart(t, scope.TeamID, -(days - 1))
	want := f.computeAll(t, span{scope, start, now})[0]
	if r.TeamID != scope.TeamID || r.AccountID != scope.AccountID || r.Days != days || !r.GeneratedAt.Equal(now) ||
		r.TimeZone != f.teams[scope.TeamID].TimeZone || !r.Range.Start.Equal(start) || !r.Range.End.Equal(now) {
		t.Errorf("%s: got %s/%s, %d days, zone %s, %v–%v, generated %v", name, r.TeamID, r.AccountID, r.Days, r.TimeZone,
			r.Range.Start, r.Range.End, r.GeneratedAt)
	}
	if d := cmp.Diff(want.Traffic.Heatmap(), r.Traffic.Heatmap()); d != "" {
		t.Errorf("%s: cells (-want +got):\n%s", name, d)
	}
	wantTotal := analytics.TrafficCell{Inbound: want.Messages.Inbound, Outbound: want.Messages.Outbound, Conversations: want.Conversations.Total}
	if r.Total != wantTotal {
		t.Errorf("%s: Total %+v, want the messages and conversations of the range, %+v", name, r.Total, wantTotal)
	}
	if wantTotal.Inbound == 0 || wantTotal.Outbound == 0 || wantTotal.Conversations == 0 || r.Traffic.Len() < 2 {
		t.Errorf("%s: %+v in %d cells; the test would prove little", name, wantTotal, r.Traffic.Len())
	}
}

// testHeatmapReference: the heatmap equals the reference over the range,
// for New York (west of UTC, its change to daylight time on 03-08 inside
// the 14 days) and Kolkata (+05:30), team-wide and per account, with one
// day's snapshots missing.
func testHeatmapReference(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	missing := analytics.NewDate(2026, 3, 12)
	f.generateDaily(t, func(d analytics.Date) bool { return d != missing })
	for _, team := range []string{newYorkTeam, kolkataTeam} {
		for _, scope := range f.teams[team].Scopes() {
			for _, days := range []int{1, 7, 14} {
				r, err := f.svc.Heatmap(ctx, scope, days)
				if err != nil {
					t.Fatalf("Heatmap(%s, %d): %v", scope, days, err)
				}
				checkHeatmap(t, f, scope, days, r)
				var wantLive []analytics.Date
				if days > 3 {
					wantLive = []analytics.Date{missing}
				}
				if !cmp.Equal(r.LiveDays, wantLive) {
					t.Errorf("Heatmap(%s, %d): LiveDays %v, want %v", scope, days, r.LiveDays, wantLive)
				}
			}
		}
	}
}

// testHeatmapOldSnapshots: a day whose snapshot has activity but no
// traffic (stored before traffic was counted) is aggregated live, so the
// cells stay exact.
func testHeatmapOldSnapshots(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	f.generateDaily(t, nil)
	scope := analytics.TeamScope(newYorkTeam)
	old := analytics.NewDate(2026, 3, 10)
	snaps, err := f.mem.Snapshots(ctx, analytics.SnapshotQuery{Scope: scope, Type: analytics.Daily, From: old, To: old})
	if err != nil || len(snaps) != 1 || snaps[0].Metrics.Traffic.Len() == 0 {
		t.Fatalf("the snapshot of %s: %v, %v", old, snaps, err)
	}
	snaps[0].Metrics.Traffic = nil
	if err := f.mem.UpsertSnapshots(ctx, snaps); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Heatmap(ctx, scope, 7)
	if err != nil {
		t.Fatal(err)
	}
	checkHeatmap(t, f, scope, 7, r)
	if !cmp.Equal(r.LiveDays, []analytics.Date{old}) {
		t.Errorf("LiveDays %v, want %v", r.LiveDays, []analytics.Date{old})
	}
}

// testHeatmapCached: with a cache, a second read costs no store call, and
// InvalidateTeam makes the next read see new activity.
func testHeatmapCached(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	scope := analytics.AccountScope(newYorkTeam, f.teams[newYorkTeam].AccountIDs[0])
	if _, err := f.svc.Heatmap(ctx, scope, 7); err != nil {
		t.Fatal(err)
	}
	agg, snaps := f.store.calls()
	r, err := f.svc.Heatmap(ctx, scope, 7)
	if err != nil {
		t.Fatal(err)
	}
	agg2, snaps2 := f.store.calls()
	if setup.cached() != (agg2 == agg && snaps2 == snaps) {
		t.Errorf("second read: %d Aggregate and %d Snapshots calls more; cached: %v", agg2-agg, snaps2-snaps, setup.cached())
	}
	checkHeatmap(t, f, scope, 7, r)

	// An inbound message a minute ago, on the account.
	m := message(newYorkTeam, "heatmap-new", f.clock.Now().Add(-time.Minute))
	m.AccountID, m.Inbound = scope.AccountID, true
	f.add(t, store.Activity{Messages: []store.Message{m}})
	if err := f.svc.InvalidateTeam(ctx, newYorkTeam); err != nil {
		t.Fatal(err)
	}
	after, err := f.svc.Heatmap(ctx, scope, 7)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total.Inbound != r.Total.Inbound+1 {
		t.Errorf("after InvalidateTeam: %d inbound, want %d", after.Total.Inbound, r.Total.Inbound+1)
	}
	checkHeatmap(t, f, scope, 7, after)
}

// testHeatmapArguments: the errors of Heatmap.
func testHeatmapArguments(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	for _, tt := range []struct {
		scope analytics.Scope
		days  int
		want  error
	}{
		{analytics.TeamScope(newYorkTeam), 0, analytics.ErrInvalidArgument},
		{analytics.TeamScope(newYorkTeam), analytics.MaxDashboardDays + 1, analytics.ErrInvalidArgument},
		{analytics.TeamScope(""), 7, analytics.ErrInvalidArgument},
		{analytics.TeamScope("no-such-team"), 7, analytics.ErrNotFound},
		{analytics.AccountScope(newYorkTeam, "no-such-account"), 7, analytics.ErrNotFound},
	} {
		if _, err := f.svc.Heatmap(ctx, tt.scope, tt.days); !errors.Is(err, tt.want) {
			t.Errorf("Heatmap(%s, %d): %v, want %v", tt.scope, tt.days, err, tt.want)
		}
	}
	r, err := f.svc.Heatmap(ctx, analytics.TeamScope(newYorkTeam), analytics.MaxDashboardDays)
	if err != nil {
		t.Fatal(err)
	}
	checkHeatmap(t, f, analytics.TeamScope(newYorkTeam), analytics.MaxDashboardDays, r)
}
