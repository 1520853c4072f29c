package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// plainStore offers a store's three roles alone, hiding its optional
// capabilities.
type plainStore struct{ analytics.Store }

// rangeStore offers SnapshotRangeReader besides, not SnapshotDatesReader.
type rangeStore struct {
	analytics.Store
	analytics.SnapshotRangeReader
}

// TestTeamSnapshotDates checks that Snapshotter.TeamSnapshotDates gives
// the same dates of team-wide snapshots whether the store reads them
// itself (SnapshotDatesReader), through SnapshotsOfTeams, or team by team
// with Snapshots, and checks its arguments.
func TestTeamSnapshotDates(t *testing.T) {
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC))
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(
		analytics.Team{ID: "a", AccountIDs: []string{"a-wa"}},
		analytics.Team{ID: "b", TimeZone: "Asia/Kolkata"},
		analytics.Team{ID: "c"},
	); err != nil {
		t.Fatal(err)
	}
	d := func(day int) analytics.Date { return analytics.NewDate(2026, time.March, day) }
	var snaps []analytics.Snapshot
	for _, k := range []struct {
		scope analytics.Scope
		day   int
	}{{analytics.TeamScope("a"), 10}, {analytics.TeamScope("a"), 12}, {analytics.AccountScope("a", "a-wa"), 11},
		{analytics.TeamScope("b"), 11}, {analytics.TeamScope("c"), 1}} {
		start := time.Date(2026, time.March, k.day, 0, 0, 0, 0, time.UTC)
		snaps = append(snaps, analytics.Snapshot{Scope: k.scope, Type: analytics.Daily, Date: d(k.day),
			Metrics: analytics.Metrics{Range: analytics.Range{Start: start, End: start.AddDate(0, 0, 1)}}})
	}
	if err := mem.UpsertSnapshots(ctx, snaps); err != nil {
		t.Fatal(err)
	}
	want := map[string][]analytics.Date{"a": {d(10), d(12)}, "b": {d(11)}}
	for name, store := range map[string]analytics.Store{
		"SnapshotDatesReader": mem,
		"SnapshotRangeReader": rangeStore{mem, mem},
		"Snapshots":           plainStore{mem},
	} {
		snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		got, err := snap.TeamSnapshotDates(ctx, []string{"a", "b", "c"}, analytics.Daily, d(5), d(15))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: TeamSnapshotDates (-want +got):\n%s", name, diff)
		}
		if _, err := snap.TeamSnapshotDates(ctx, []string{"a"}, analytics.Daily, d(15), d(5)); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: a reversed range: %v, want ErrInvalidArgument", name, err)
		}
	}
}
