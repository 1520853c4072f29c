package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store/memstore"
)

// movingStore is a memstore whose team "mover" reports the zone to once
// the clock reaches at: a host that updates a team's zone.
type movingStore struct {
	*memstore.Store
	clock analytics.Clock
	mu    sync.Mutex
	at    time.Time
	to    string
}

func (m *movingStore) move(tm analytics.Team) analytics.Team {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tm.ID == "mover" && !m.at.IsZero() && !m.clock.Now().Before(m.at) {
		tm.TimeZone = m.to
	}
	return tm
}

func (m *movingStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	ts, err := m.Store.Teams(ctx, after, limit)
	for i := range ts {
		ts[i] = m.move(ts[i])
	}
	return ts, err
}

func (m *movingStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	tm, err := m.Store.Team(ctx, id)
	if err == nil {
		tm = m.move(tm)
	}
	return tm, err
}

// TestZoneChangeDoesNotLoseAPeriod moves a team from New York to Kolkata
// after Kolkata's month and week fell due (22:30 UTC on the 31st, 21:30
// UTC on Sunday) and before New York's did (08:00 UTC on the 1st, 07:00
// UTC on Monday), with another team in Kolkata whose tick's run has
// succeeded, and with none: the team's month and week are generated all
// the same, by the catch-up.
func TestZoneChangeDoesNotLoseAPeriod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typ    analytics.SnapshotType
		move   time.Time
		period analytics.Date
	}{
		{analytics.Monthly, ts("2026-03-31T23:00:00Z"), date("2026-03-01")},
		{analytics.Weekly, ts("2026-03-29T22:00:00Z"), date("2026-03-23")},
	} {
		for _, coTenant := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/co-tenant=%v", c.typ, coTenant), func(t *testing.T) {
				t.Parallel()
				start, end := ts("2026-03-20T00:00:00Z"), ts("2026-04-08T00:00:00Z")
				teams := []analytics.Team{{ID: "mover", TimeZone: "America/New_York"}, {ID: "utc"}}
				if coTenant {
					teams = append(teams, analytics.Team{ID: "kolkata", TimeZone: "Asia/Kolkata"})
				}
				mb := backend{"moving", func(t *testing.T, clock analytics.Clock, teams []analytics.Team) (analytics.Store, scheduler.JobRunStore) {
					s := memstore.New(&memstore.Config{Clock: clock})
					if err := s.AddTeams(teams...); err != nil {
						t.Fatal(err)
					}
					return &movingStore{Store: s, clock: clock, at: c.move, to: "Asia/Kolkata"}, s
				}}
				h := newHarness(t, mb, start, teams)
				h.start(1, scheduler.Config{})
				for next := h.replicas[0].next; next.Before(end); next = h.replicas[0].next {
					h.advance(next)
				}
				h.stopAll()
				n := 0
				for _, w := range h.rec.take() {
					if w.key == (analytics.SnapshotKey{Scope: analytics.TeamScope("mover"), Type: c.typ, Date: c.period}) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("mover's %s %s was written %d times, want once", c.typ, c.period, n)
				}
			})
		}
	}
}

// TestFirstStartRegeneratesNothingDone starts a scheduler on a store whose
// snapshots of every due period exist, as after an upgrade from a version
// that keyed its runs otherwise (an old-style row is there) or a change of
// the jobs' specs: the first start generates the runs of the latest ticks
// alone (alpha's day with its trailing days, alpha's week and month: the
// latest ticks are UTC's, under either spec), not the lookback window
// again.
func TestFirstStartRegeneratesNothingDone(t *testing.T) {
	t.Parallel()
	for _, cfg := range []scheduler.Config{
		{},
		{Daily: scheduler.JobConfig{Spec: "30 2 * * *"}, Monthly: scheduler.JobConfig{Spec: "0 4 3 * *"}},
	} {
		t.Run(cfg.Daily.Spec+cfg.Monthly.Spec, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b backend) {
				ctx := context.Background()
				at := ts("2026-03-11T03:00:00Z")
				h := newHarness(t, b, at, twoTeams)
				// Every period of the last 60 that is due, in each team's
				// zone, under the default specs.
				fill, err := analytics.NewSnapshotter(h.store, &analytics.SnapshotterConfig{Clock: h.clock})
				if err != nil {
					t.Fatal(err)
				}
				for _, typ := range analytics.SnapshotTypes() {
					_, err := fill.Run(ctx, typ, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
						p, err := analytics.Schedule{}.LastDue(typ, at, loc)
						var out []analytics.Period
						for range 60 {
							out = append(out, p)
							p = p.Prev()
						}
						return out, err
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				old := scheduler.JobClaim{Job: scheduler.DailyJob, Period: date("2026-03-10"), Owner: "old/1", Now: at.Add(-25 * time.Hour), StaleAfter: time.Minute}
				run, ok, err := h.runs.ClaimJobRun(ctx, old)
				if err != nil || !ok {
					t.Fatalf("old-style claim: %v, %v", ok, err)
				}
				run.Status, run.FinishedAt = scheduler.JobSucceeded, old.Now
				if err := h.runs.FinishJobRun(ctx, run); err != nil {
					t.Fatal(err)
				}
				r := h.newScheduler(cfg)
				if _, err := r.s.RunDue(ctx, at); err != nil {
					t.Fatal(err)
				}
				var got []analytics.SnapshotKey
				for _, w := range h.rec.take() {
					if w.key.Scope.TeamWide() {
						got = append(got, w.key)
					}
				}
				sortKeys(got)
				alpha := analytics.TeamScope("alpha")
				want := []analytics.SnapshotKey{
					{Scope: alpha, Type: analytics.Daily, Date: date("2026-03-08")},
					{Scope: alpha, Type: analytics.Daily, Date: date("2026-03-09")},
					{Scope: alpha, Type: analytics.Daily, Date: date("2026-03-10")},
					{Scope: alpha, Type: analytics.Weekly, Date: date("2026-03-02")},
					{Scope: alpha, Type: analytics.Monthly, Date: date("2026-02-01")},
				}
				sortKeys(want)
				if d := gocmp.Diff(want, got); d != "" {
					t.Errorf("the first start wrote (-want +got):\n%s", d)
				}
			})
		})
	}
}

// TestOutageBeyondLookbackWarns runs the daily job, stops for longer than
// its lookback (3 days), and starts again: the start logs a warning
// naming the job and the periods beyond the window. A shorter outage does
// not.
func TestOutageBeyondLookbackWarns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		down  time.Duration
		warns bool
	}{
		{10 * 24 * time.Hour, true},
		{2 * 24 * time.Hour, false},
	} {
		t.Run(c.down.String(), func(t *testing.T) {
			t.Parallel()
			start := ts("2026-03-10T00:00:00Z")
			h := newHarness(t, memBackend, start, twoTeams[:1])
			cfg := oneJob(3)
			h.start(1, cfg)
			h.advance(h.replicas[0].next)
			h.stopAll()
			h.clock.Set(h.clock.Now().Add(c.down))
			var logs syncBuffer
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			h.start(1, cfg)
			h.stopAll()
			w := warnings(logs.String(), "lookback")
			if c.warns && (len(w) != 1 || !strings.Contains(w[0], "job="+scheduler.DailyJob) || !strings.Contains(w[0], "periods_per_team=")) {
				t.Errorf("restart after %v: warnings %q, want one naming %s and the periods", c.down, w, scheduler.DailyJob)
			}
			if !c.warns && len(w) != 0 {
				t.Errorf("restart after %v warned: %q", c.down, w)
			}
			if c.warns && len(w) == 1 && !strings.Contains(w[0], "periods_per_team=7") {
				t.Errorf("warning %q, want 7 days beyond the window", w[0])
			}
		})
	}
}
