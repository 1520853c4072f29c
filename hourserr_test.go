package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// hoursErrStore is a Store whose team "bad" could not have its working
// hours read, as pgstore reports a stored value that does not parse.
type hoursErrStore struct{ analytics.Store }

var errBadHours = errors.New("working hours of team \"bad\": corrupt")

func (s hoursErrStore) mark(t analytics.Team) analytics.Team {
	if t.ID == "bad" {
		t.Hours, t.HoursErr = nil, errBadHours
	}
	return t
}

func (s hoursErrStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	t, err := s.Store.Team(ctx, id)
	return s.mark(t), err
}

func (s hoursErrStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	ts, err := s.Store.Teams(ctx, after, limit)
	for i := range ts {
		ts[i] = s.mark(ts[i])
	}
	return ts, err
}

// TestTeamHoursErr: a team whose working hours could not be read fails
// the reads that measure business time and its own snapshots, not those of
// other teams, and its heatmap is still served.
func TestTeamHoursErr(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := analytics.NewFakeClock(now)
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(analytics.Team{ID: "bad", TimeZone: "America/New_York"}, analytics.Team{ID: "good"}); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(hoursErrStore{mem}, &analytics.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RealTime(ctx, analytics.TeamScope("bad")); !errors.Is(err, errBadHours) {
		t.Errorf("RealTime: %v, want the hours error", err)
	}
	if _, err := svc.Dashboard(ctx, "bad", 7); !errors.Is(err, errBadHours) {
		t.Errorf("Dashboard: %v, want the hours error", err)
	}
	if _, err := svc.Heatmap(ctx, analytics.TeamScope("bad"), 7); err != nil {
		t.Errorf("Heatmap: %v, want it served", err)
	}
	if _, err := svc.RealTime(ctx, analytics.TeamScope("good")); err != nil {
		t.Errorf("RealTime of another team: %v", err)
	}
	rep, err := svc.Snapshotter().GenerateAll(ctx, analytics.Daily, now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Teams != 2 || rep.Succeeded != 1 || len(rep.Errors) != 1 || rep.Errors[0].TeamID != "bad" || !errors.Is(rep.Errors[0].Err, errBadHours) {
		t.Errorf("GenerateAll report %+v; want team bad failed with the hours error, good written", rep)
	}
	yesterday, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 12, 1), mustZone(t, "America/New_York"))
	if _, err := svc.Snapshotter().Generate(ctx, analytics.TeamScope("bad"), yesterday); !errors.Is(err, errBadHours) {
		t.Errorf("Generate: %v, want the hours error", err)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
