package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// everyZone has a team in each of the zones far apart or odd: UTC−11,
// New York and Santiago (daylight saving north and south, Santiago's
// changing at midnight), UTC, Berlin (its 02:00 skipped in March and
// repeated in October), +05:30, +05:45, Chatham (+12:45/+13:45, changing
// at 02:45) and UTC+14.
var everyZone = []analytics.Team{
	{ID: "pago", TimeZone: "Pacific/Pago_Pago"},
	{ID: "newyork", TimeZone: "America/New_York", AccountIDs: []string{"ny-wa"}},
	{ID: "santiago", TimeZone: "America/Santiago"},
	{ID: "utc", TimeZone: "UTC"},
	{ID: "berlin", TimeZone: "Europe/Berlin"},
	{ID: "kolkata", TimeZone: "Asia/Kolkata"},
	{ID: "kathmandu", TimeZone: "Asia/Kathmandu"},
	{ID: "chatham", TimeZone: "Pacific/Chatham"},
	{ID: "kiritimati", TimeZone: "Pacific/Kiritimati"},
}

// TestDueInEveryZone drives the scheduler on a fake clock over fifteen
// months, crossing every daylight-saving change of its zones, and checks
// that every team-wide day, week and month falling due in that time is
// generated exactly once, never before it ended, and no more than
// TickEvery after it fell due at the job's wall-clock time in the team's
// zone. It logs the largest lateness per zone and type (go test -v).
func TestDueInEveryZone(t *testing.T) {
	t.Parallel()
	testDueInEveryZone(t, memBackend, ts("2026-01-01T00:00:00Z"), ts("2027-04-01T00:00:00Z"), scheduler.Config{})
}

// TestDueInEveryZonePostgres is TestDueInEveryZone over six weeks of
// March and April, when New York, Berlin, Santiago and Chatham change
// their clocks, on the Postgres job-runs table. The lookback windows are
// short, so that the catch-up at the start stays quick.
func TestDueInEveryZonePostgres(t *testing.T) {
	t.Parallel()
	testDueInEveryZone(t, pgBackend, ts("2026-03-01T00:00:00Z"), ts("2026-04-12T00:00:00Z"), scheduler.Config{
		Daily: scheduler.JobConfig{Lookback: 2}, Weekly: scheduler.JobConfig{Lookback: -1}, Monthly: scheduler.JobConfig{Lookback: -1}})
}

// testDueInEveryZone runs one scheduler with cfg, the daily job's trailing
// days turned off, from start to end.
func testDueInEveryZone(t *testing.T, b backend, start, end time.Time, cfg scheduler.Config) {
	h := newHarness(t, b, start, everyZone)
	cfg.Daily.Trailing, cfg.Retry.Attempts = -1, 1
	h.start(1, cfg)
	for next := h.replicas[0].next; !next.After(end); next = h.replicas[0].next {
		h.advance(next)
	}
	h.stopAll()

	writes := map[analytics.SnapshotKey][]write{}
	for _, w := range h.rec.take() {
		writes[w.key] = append(writes[w.key], w)
		if w.at.Before(w.end) {
			t.Errorf("%v written at %v, before its period ended at %v", w.key, w.at, w.end)
		}
	}
	for k, ws := range writes {
		if len(ws) != 1 {
			t.Errorf("%s %s %s written %d times", k.Scope, k.Type, k.Date, len(ws))
		}
	}
	type cell struct {
		n    int
		late time.Duration
	}
	lateness := map[string]map[analytics.SnapshotType]*cell{}
	for _, tm := range everyZone {
		loc := mustLoc(tm.TimeZone)
		lateness[tm.TimeZone] = map[analytics.SnapshotType]*cell{}
		for _, typ := range analytics.SnapshotTypes() {
			c := &cell{}
			lateness[tm.TimeZone][typ] = c
			p, err := analytics.Schedule{}.LastDue(typ, start, loc)
			if err != nil {
				t.Fatal(err)
			}
			for p = p.Next(); ; p = p.Next() {
				due, err := analytics.Schedule{}.DueAt(p)
				if err != nil {
					t.Fatal(err)
				}
				if due.After(end) {
					break
				}
				k := analytics.SnapshotKey{Scope: analytics.TeamScope(tm.ID), Type: typ, Date: p.Date}
				ws := writes[k]
				if len(ws) == 0 {
					t.Errorf("%s %s %s (due %v) was never generated", tm.ID, typ, p.Date, due.UTC())
					continue
				}
				late := ws[0].at.Sub(due)
				if late < 0 || late > scheduler.TickEvery {
					t.Errorf("%s %s %s due %v generated at %v", tm.ID, typ, p.Date, due.UTC(), ws[0].at.UTC())
				}
				c.n++
				c.late = max(c.late, late)
			}
		}
	}
	var tb strings.Builder
	fmt.Fprintf(&tb, "largest lateness (generated − due), %s to %s, %s:\n", start.Format("2006-01-02"), end.Format("2006-01-02"), b.name)
	fmt.Fprintf(&tb, "%-20s %14s %14s %14s\n", "zone", "daily", "weekly", "monthly")
	for _, tm := range everyZone {
		fmt.Fprintf(&tb, "%-20s", tm.TimeZone)
		for _, typ := range analytics.SnapshotTypes() {
			c := lateness[tm.TimeZone][typ]
			fmt.Fprintf(&tb, " %6v (n=%3d)", c.late, c.n)
		}
		tb.WriteString("\n")
	}
	t.Log(tb.String())

	// Every run succeeded, one per tick with work.
	for _, j := range []string{scheduler.DailyJob, scheduler.WeeklyJob, scheduler.MonthlyJob} {
		for _, r := range allRuns(t, h.runs, j, start.AddDate(0, -4, 0), end) {
			if r.Status != scheduler.JobSucceeded {
				t.Errorf("run %s %s: %+v", r.Job, r.Period, r)
			}
		}
	}
}

// allRuns returns the runs of job recorded for the ticks in [from, to].
func allRuns(t *testing.T, runs scheduler.JobRunStore, job string, from, to time.Time) []scheduler.JobRun {
	t.Helper()
	var out []scheduler.JobRun
	for tod := time.Duration(0); tod < 24*time.Hour; tod += scheduler.TickEvery {
		name, _ := scheduler.RunKey(job, from.Truncate(24*time.Hour).Add(tod))
		got, err := runs.JobRuns(context.Background(), name, analytics.DateOf(from.UTC()), analytics.DateOf(to.UTC()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got...)
	}
	return out
}

// TestProcessZoneDoesNotMatter runs the scheduler, with a daily spec of
// its own, in a process whose local zone is Pacific/Kiritimati: every day
// is still generated when it falls due in its team's zone. It changes
// time.Local, so it does not run in parallel.
func TestProcessZoneDoesNotMatter(t *testing.T) {
	local := time.Local
	time.Local = mustLoc("Pacific/Kiritimati")
	defer func() { time.Local = local }()
	start, end := ts("2026-03-05T00:00:00Z"), ts("2026-03-12T00:00:00Z")
	h := newHarness(t, memBackend, start, everyZone)
	h.start(1, scheduler.Config{Daily: scheduler.JobConfig{Spec: "30 1 * * *", Trailing: -1}})
	for next := h.replicas[0].next; !next.After(end); next = h.replicas[0].next {
		h.advance(next)
	}
	h.stopAll()
	sched, err := cron.ParseStandard("30 1 * * *")
	if err != nil {
		t.Fatal(err)
	}
	at := map[analytics.SnapshotKey]time.Time{}
	for _, w := range h.rec.take() {
		if w.key.Type == analytics.Daily && w.key.Scope.TeamWide() {
			at[w.key] = w.at
		}
	}
	n := 0
	for _, tm := range everyZone {
		loc := mustLoc(tm.TimeZone)
		for d := date("2026-03-06"); d.Before(date("2026-03-10")); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				t.Fatal(err)
			}
			due, err := analytics.Schedule{Daily: sched}.DueAt(p)
			if err != nil {
				t.Fatal(err)
			}
			if w := wallOf(due.In(loc)); w.Hour() != 1 || w.Minute() != 30 {
				t.Fatalf("%s %s is due at %v local", tm.ID, d, w)
			}
			n++
			k := analytics.SnapshotKey{Scope: analytics.TeamScope(tm.ID), Type: analytics.Daily, Date: d}
			if got := at[k]; !got.Equal(due) {
				t.Errorf("%s %s generated at %v, want %v", tm.ID, d, got.UTC(), due.UTC())
			}
		}
	}
	if n != 36 {
		t.Errorf("checked %d days", n)
	}
}

func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
}
