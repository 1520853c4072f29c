package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// marsStore reports team "mars" with a time zone that does not exist, as
// a host's teams table may.
type marsStore struct{ analytics.Store }

func (m marsStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	teams, err := m.Store.Teams(ctx, after, limit)
	for i := range teams {
		if teams[i].ID == "mars" {
			teams[i].TimeZone = "Mars/Olympus"
		}
	}
	return teams, err
}

func (m marsStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	t, err := m.Store.Team(ctx, id)
	if t.ID == "mars" {
		t.TimeZone = "Mars/Olympus"
	}
	return t, err
}

var marsBackend = backend{"memstore", func(t *testing.T, clock analytics.Clock, teams []analytics.Team) (analytics.Store, scheduler.JobRunStore) {
	s, runs := memBackend.open(t, clock, teams)
	return marsStore{s}, runs
}}

// TestBadZoneDoesNotPoisonRuns runs the scheduler for six days with a team
// whose stored time zone is invalid: every run records that team's data
// error and succeeds, no run is repeated for it, and the other team gets
// each of its days once, on time.
func TestBadZoneDoesNotPoisonRuns(t *testing.T) {
	t.Parallel()
	start, end := ts("2026-03-10T00:00:00Z"), ts("2026-03-16T00:00:00Z")
	teams := []analytics.Team{{ID: "earth", AccountIDs: []string{"earth-wa"}}, {ID: "mars"}}
	h := newHarness(t, marsBackend, start, teams)
	cfg := scheduler.Config{Daily: scheduler.JobConfig{Trailing: -1, Lookback: 3}, Retry: scheduler.Retry{Attempts: 2}}
	h.start(1, cfg)
	for next := h.replicas[0].next; !next.After(end); next = h.replicas[0].next {
		h.advance(next)
	}
	h.stopAll()

	seen := map[analytics.SnapshotKey]int{}
	for _, w := range h.rec.take() {
		if w.key.Scope.TeamID == "mars" {
			t.Errorf("mars written: %v", w.key)
		}
		if w.key.Type == analytics.Daily {
			seen[w.key]++
			if tick := w.end.Add(2 * time.Hour); !w.at.Equal(tick) && !w.at.Equal(start) {
				t.Errorf("%v written at %v, want at its tick %v", w.key, w.at, tick)
			}
		}
	}
	// The lookback's 3 days at the start (03-06 to 03-08), then one a day.
	for d := date("2026-03-06"); d.Before(date("2026-03-15")); d = d.AddDays(1) {
		for _, sc := range teams[0].Scopes() {
			if n := seen[analytics.SnapshotKey{Scope: sc, Type: analytics.Daily, Date: d}]; n != 1 {
				t.Errorf("%s %s written %d times, want once", sc, d, n)
			}
		}
	}
	// The runs of the ticks 03-09 (the latest at the start) to 03-15; the
	// lookback's earlier days are the start's catch-up's.
	runs := allRuns(t, h.runs, scheduler.DailyJob, start.AddDate(0, 0, -4), end)
	if len(runs) != 7 {
		t.Errorf("%d daily runs, want 7: %+v", len(runs), runs)
	}
	for _, r := range runs {
		tick := time.Date(r.Period.Year, r.Period.Month, r.Period.Day, 2, 0, 0, 0, time.UTC)
		if r.Status != scheduler.JobSucceeded || r.Failed != 1 || r.Teams != 2 || !strings.Contains(r.Error, `team "mars"`) ||
			!strings.Contains(r.Error, "for bad data (not repeated)") {
			t.Errorf("run %s %s: %+v, want succeeded with mars's error recorded", r.Job, r.Period, r)
		}
		// Claimed once, at its tick (or at the start for the lookback):
		// never repeated.
		if !r.ClaimedAt.Equal(tick) && !r.ClaimedAt.Equal(start) {
			t.Errorf("run %s %s claimed at %v, want at its tick %v", r.Job, r.Period, r.ClaimedAt, tick)
		}
	}
	// The report names the team and its error, a data error.
	r := h.newScheduler(cfg)
	res, err := r.s.TriggerJob(context.Background(), scheduler.DailyJob)
	if err != nil || res.Run.Status != scheduler.JobSucceeded || len(res.Errors) != 1 || res.Errors[0].TeamID != "mars" ||
		!(errors.Is(res.Errors[0], analytics.ErrCorrupt) || errors.Is(res.Errors[0], analytics.ErrInvalidArgument)) ||
		!strings.Contains(res.Errors[0].Error(), "Mars/Olympus") {
		t.Errorf("TriggerJob: %+v, %v; want succeeded, with mars's zone error reported", res, err)
	}
}
