package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

var snapshotDatesTests = []subtest{
	{"TeamWideOnly", testTeamSnapshotDates},
	{"Invalid", testTeamSnapshotDatesInvalid},
}

// testTeamSnapshotDates checks that TeamSnapshotDates (if the store is an
// analytics.SnapshotDatesReader) returns the dates of the team-wide
// snapshots of the type and teams asked for within the range, both ends
// included, in date order, and nothing for account rows, other types,
// other teams or dates outside the range.
func testTeamSnapshotDates(t *testing.T, open Open) {
	s := open(t, snapTeams())
	r, ok := s.(analytics.SnapshotDatesReader)
	if !ok {
		t.Skip("the store is not an analytics.SnapshotDatesReader")
	}
	created := ts("2026-04-02T02:00:00.000Z")
	team, acc := analytics.TeamScope("snap"), analytics.AccountScope("snap", "snap-acc-1")
	other := analytics.TeamScope("snap-other")
	upsert(t, s,
		snap(team, analytics.Daily, "2026-03-31", "UTC", 1, "", created),
		snap(team, analytics.Daily, "2026-03-10", "UTC", 1, "", created),
		snap(team, analytics.Daily, "2026-03-01", "UTC", 1, "", created),
		snap(team, analytics.Daily, "2026-02-28", "UTC", 1, "", created),  // before the range
		snap(team, analytics.Daily, "2026-04-01", "UTC", 1, "", created),  // after it
		snap(acc, analytics.Daily, "2026-03-11", "UTC", 1, "", created),   // an account's
		snap(team, analytics.Weekly, "2026-03-09", "UTC", 1, "", created), // another type
		snap(other, analytics.Daily, "2026-03-12", "Asia/Kolkata", 1, "", created),
		snap(analytics.AccountScope("snap-other", "other-acc"), analytics.Daily, "2026-03-13", "Asia/Kolkata", 1, "", created),
	)
	ctx := context.Background()
	got, err := r.TeamSnapshotDates(ctx, []string{"snap", "snap-other", "nobody"}, analytics.Daily, date("2026-03-01"), date("2026-03-31"))
	if err != nil {
		t.Fatalf("TeamSnapshotDates: %v", err)
	}
	want := map[string][]analytics.Date{
		"snap":       {date("2026-03-01"), date("2026-03-10"), date("2026-03-31")},
		"snap-other": {date("2026-03-12")},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("TeamSnapshotDates (-want +got):\n%s", d)
	}
	got, err = r.TeamSnapshotDates(ctx, []string{"snap-other"}, analytics.Weekly, date("2026-03-01"), date("2026-03-31"))
	if err != nil || len(got) != 0 {
		t.Errorf("TeamSnapshotDates of a team with no weekly snapshot: %v, %v; want none", got, err)
	}
	got, err = r.TeamSnapshotDates(ctx, nil, analytics.Daily, date("2026-03-01"), date("2026-03-31"))
	if err != nil || len(got) != 0 {
		t.Errorf("TeamSnapshotDates of no teams: %v, %v; want none", got, err)
	}
}

// testTeamSnapshotDatesInvalid checks that TeamSnapshotDates refuses an
// unknown type, a reversed range and a team ID that is not an ID.
func testTeamSnapshotDatesInvalid(t *testing.T, open Open) {
	s := open(t, snapTeams())
	r, ok := s.(analytics.SnapshotDatesReader)
	if !ok {
		t.Skip("the store is not an analytics.SnapshotDatesReader")
	}
	ctx := context.Background()
	_, err := r.TeamSnapshotDates(ctx, []string{"snap"}, analytics.SnapshotType(99), date("2026-03-01"), date("2026-03-31"))
	wantErr(t, "TeamSnapshotDates of an unknown type", err, analytics.ErrInvalidArgument)
	_, err = r.TeamSnapshotDates(ctx, []string{"snap"}, analytics.Daily, date("2026-03-31"), date("2026-03-01"))
	wantErr(t, "TeamSnapshotDates of a reversed range", err, analytics.ErrInvalidArgument)
	_, err = r.TeamSnapshotDates(ctx, []string{""}, analytics.Daily, date("2026-03-01"), date("2026-03-31"))
	wantErr(t, "TeamSnapshotDates of an empty team ID", err, analytics.ErrInvalidArgument)
}
