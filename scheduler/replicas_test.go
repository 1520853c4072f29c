package scheduler_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// zoneTeams are teams far apart: UTC+14, UTC-11, two zones with daylight
// saving (changing on different dates) and UTC.
var zoneTeams = []analytics.Team{
	{ID: "berlin", TimeZone: "Europe/Berlin"},
	{ID: "kiritimati", TimeZone: "Pacific/Kiritimati", AccountIDs: []string{"ki-wa"}},
	{ID: "newyork", TimeZone: "America/New_York"},
	{ID: "pago", TimeZone: "Pacific/Pago_Pago"},
	{ID: "utc", TimeZone: "UTC", AccountIDs: []string{"utc-wa1", "utc-wa2"}},
}

// backends are the stores the scheduler is tested on; pg_test.go adds
// Postgres.
var backends = []backend{memBackend}

func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// TestReplicasGenerateEachPeriodOnce runs three schedulers on one store,
// all woken at the same ticks, and checks that every tick's snapshots are
// written once, by one replica, and only after their periods ended in each
// team's zone.
func TestReplicasGenerateEachPeriodOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, ts("2026-03-25T12:00:00Z"), zoneTeams)
		cfg := scheduler.Config{
			Daily:   scheduler.JobConfig{Lookback: -1},
			Weekly:  scheduler.JobConfig{Lookback: -1},
			Monthly: scheduler.JobConfig{Lookback: -1},
			Retry:   scheduler.Retry{Attempts: 1},
		}
		h.start(3, cfg)

		// Per tick, what each job must write: the periods of each team that
		// ended since the job's previous tick (for New York's February,
		// which ends at 05:00 UTC on March 1, the April 1 04:00 run), and,
		// for the daily job, each team's latest complete day and the two
		// before it.
		type tick struct{ at, prev time.Time }
		expect := func(daily, weekly, monthly tick) []analytics.SnapshotKey {
			var want []analytics.SnapshotKey
			for _, x := range []struct {
				typ analytics.SnapshotType
				tk  tick
			}{{analytics.Daily, daily}, {analytics.Weekly, weekly}, {analytics.Monthly, monthly}} {
				if x.tk.at.IsZero() {
					continue
				}
				want = append(want, teamKeys(zoneTeams, x.typ, func(loc *time.Location) []analytics.Period {
					ps := endingIn(x.typ, x.tk.prev, x.tk.at, loc)
					if x.typ == analytics.Daily {
						ps = union(ps, lastN(analytics.Daily, x.tk.at, loc, 3))
					}
					return ps
				})...)
			}
			sortKeys(want)
			return want
		}
		check := func(when string, want []analytics.SnapshotKey) {
			t.Helper()
			ws := h.rec.take()
			if d := gocmp.Diff(want, keysOf(ws)); d != "" {
				t.Errorf("%s: snapshots written (-want +got; a key twice is a double generation):\n%s", when, d)
			}
			writers := map[analytics.SnapshotType]map[int]bool{}
			for _, w := range ws {
				if w.at.Before(w.end) {
					t.Errorf("%s: %v written at %v, before its period ended at %v", when, w.key, w.at, w.end)
				}
				if writers[w.key.Type] == nil {
					writers[w.key.Type] = map[int]bool{}
				}
				writers[w.key.Type][w.replica] = true
			}
			for typ, rs := range writers {
				if len(rs) != 1 {
					t.Errorf("%s: the %s snapshots were written by replicas %v, want one", when, typ, rs)
				}
			}
		}
		// On start each job runs its latest due period.
		check("start", expect(
			tick{ts("2026-03-25T02:00:00Z"), ts("2026-03-24T02:00:00Z")},
			tick{ts("2026-03-23T03:00:00Z"), ts("2026-03-16T03:00:00Z")},
			tick{ts("2026-03-01T04:00:00Z"), ts("2026-02-01T04:00:00Z")}))

		ticks := []struct{ daily, weekly, monthly string }{
			{"2026-03-26T02:00:00Z", "", ""},
			{"2026-03-27T02:00:00Z", "", ""},
			{"2026-03-28T02:00:00Z", "", ""},
			{"2026-03-29T02:00:00Z", "", ""}, // Berlin springs forward today
			{"2026-03-30T02:00:00Z", "", ""},
			{"", "2026-03-30T03:00:00Z", ""},
			{"2026-03-31T02:00:00Z", "", ""},
			{"2026-04-01T02:00:00Z", "", ""},
			{"", "", "2026-04-01T04:00:00Z"},
			{"2026-04-02T02:00:00Z", "", ""},
		}
		parse := func(s string, prev func(time.Time) time.Time) tick {
			if s == "" {
				return tick{}
			}
			at := ts(s)
			return tick{at, prev(at)}
		}
		for _, tk := range ticks {
			daily := parse(tk.daily, func(t time.Time) time.Time { return t.AddDate(0, 0, -1) })
			weekly := parse(tk.weekly, func(t time.Time) time.Time { return t.AddDate(0, 0, -7) })
			monthly := parse(tk.monthly, func(t time.Time) time.Time { return t.AddDate(0, -1, 0) })
			at := slices.MaxFunc([]time.Time{daily.at, weekly.at, monthly.at}, time.Time.Compare)
			h.advance(at)
			check(at.Format(time.RFC3339), expect(daily, weekly, monthly))
		}

		// One run per key, succeeded, with the counts of what it wrote:
		// 8 scopes, 3 days each.
		runs := h.jobRuns(scheduler.DailyJob, date("2026-03-01"), date("2026-04-30"))
		var keys []string
		for _, r := range runs {
			keys = append(keys, r.Period.String())
			if r.Status != analytics.JobSucceeded || r.Teams != 5 || r.Scopes != 24 || r.Succeeded != 24 || r.Failed != 0 || r.Error != "" {
				t.Errorf("daily run %s: %+v, want succeeded with 5 teams, 24 scopes", r.Period, r)
			}
			if r.FinishedAt.Before(r.ClaimedAt) {
				t.Errorf("daily run %s finished at %v, before it was claimed at %v", r.Period, r.FinishedAt, r.ClaimedAt)
			}
		}
		var want []string
		for d := date("2026-03-24"); !d.After(date("2026-04-01")); d = d.AddDays(1) {
			want = append(want, d.String())
		}
		if d := gocmp.Diff(want, keys); d != "" {
			t.Errorf("daily runs recorded (-want +got):\n%s", d)
		}
		for job, want := range map[string][]string{
			scheduler.WeeklyJob:  {"2026-03-16", "2026-03-23"},
			scheduler.MonthlyJob: {"2026-02-01", "2026-03-01"},
		} {
			var got []string
			for _, r := range h.jobRuns(job, date("2026-01-01"), date("2026-04-30")) {
				got = append(got, r.Period.String())
				if r.Status != analytics.JobSucceeded {
					t.Errorf("%s run %s: %+v, want succeeded", job, r.Period, r)
				}
			}
			if d := gocmp.Diff(want, got); d != "" {
				t.Errorf("%s runs recorded (-want +got):\n%s", job, d)
			}
		}
	})
}

// TestExternalReplicasGenerateOnce calls one job's Run from three
// "replicas" at once, as a host's own cron would on each of them.
func TestExternalReplicasGenerateOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		at := ts("2026-03-11T02:00:00Z")
		h := newHarness(t, b, at, zoneTeams)
		var results []scheduler.RunResult
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 3 {
			r := h.newScheduler(scheduler.Config{Daily: scheduler.JobConfig{Lookback: -1}})
			jobs := r.s.Jobs()
			wg.Go(func() {
				res, err := jobs[0].Run(context.Background(), at)
				if err != nil {
					t.Errorf("Run: %v", err)
				}
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
			})
		}
		wg.Wait()
		var ran int
		for _, r := range results {
			if !r.Skipped {
				ran++
				if r.Run.Status != analytics.JobSucceeded || r.Succeeded != 24 || r.Run.Period != date("2026-03-10") {
					t.Errorf("the run that was done: %+v", r)
				}
			} else if r.Run.Period != date("2026-03-10") {
				t.Errorf("a skipped run reports key %s, want 2026-03-10", r.Run.Period)
			}
		}
		if ran != 1 {
			t.Errorf("%d of 3 replicas ran the job, want 1: %+v", ran, results)
		}
		want := teamKeys(zoneTeams, analytics.Daily, func(loc *time.Location) []analytics.Period {
			return lastN(analytics.Daily, at, loc, 3)
		})
		if d := gocmp.Diff(want, keysOf(h.rec.take())); d != "" {
			t.Errorf("snapshots written (-want +got):\n%s", d)
		}
	})
}

// TestTimeZonesNoDayMissed drives one scheduler over seven weeks, with an
// outage of a week in the middle, and checks that every local day, week
// and month of teams far apart is generated, never before it ended in the
// team's zone, and on time: at the first tick at or after its end, or at
// the restart for those that fell in the outage.
func TestTimeZonesNoDayMissed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		location string
		daily    string
		memOnly  bool // Postgres adds nothing here but time
	}{
		{"UTC scheduler", "UTC", "", false},
		// 02:30 does not exist in New York on 2026-03-08.
		{"New York scheduler across its DST change", "America/New_York", "30 2 * * *", true},
		{"Kiritimati scheduler", "Pacific/Kiritimati", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.memOnly {
				testTimeZones(t, memBackend, mustLoc(tt.location), tt.daily)
				return
			}
			forEachBackend(t, func(t *testing.T, b backend) {
				testTimeZones(t, b, mustLoc(tt.location), tt.daily)
			})
		})
	}
}

func testTimeZones(t *testing.T, b backend, loc *time.Location, dailySpec string) {
	start := ts("2026-02-20T00:00:00Z")
	outage := ts("2026-03-14T12:00:00Z")
	restart := ts("2026-03-21T09:30:00Z")
	end := ts("2026-04-10T00:00:00Z")
	h := newHarness(t, b, start, zoneTeams)
	cfg := scheduler.Config{Location: loc, Daily: scheduler.JobConfig{Spec: dailySpec}, Retry: scheduler.Retry{Attempts: 1}}

	// ticks are the instants the clock was moved to: the starts and every
	// wake-up the scheduler asked for.
	ticks := []time.Time{start}
	h.start(1, cfg)
	drive := func(until time.Time) {
		for {
			next := h.replicas[0].next
			if next.After(until) {
				return
			}
			ticks = append(ticks, next)
			h.advance(next)
		}
	}
	drive(outage)
	h.stopAll()
	h.clock.Set(restart)
	ticks = append(ticks, restart)
	h.start(1, cfg)
	drive(end)
	h.stopAll()

	first := map[analytics.SnapshotKey]write{}
	count := map[analytics.SnapshotKey]int{}
	for _, w := range h.rec.take() {
		if w.at.Before(w.end) {
			t.Errorf("%v written at %v, before its period ended at %v", w.key, w.at, w.end)
		}
		count[w.key]++
		if f, ok := first[w.key]; !ok || w.at.Before(f.at) {
			first[w.key] = w
		}
	}
	// Each period should first be generated at its job's first tick at or
	// after its end, or at the first start if that tick came before it,
	// or at the restart if the tick fell in the outage.
	specs := map[analytics.SnapshotType]string{analytics.Daily: cmp.Or(dailySpec, scheduler.DefaultDailySpec),
		analytics.Weekly: scheduler.DefaultWeeklySpec, analytics.Monthly: scheduler.DefaultMonthlySpec}
	dueAt := func(p analytics.Period) time.Time {
		sched, err := cron.ParseStandard(specs[p.Type])
		if err != nil {
			t.Fatal(err)
		}
		tk := sched.Next(p.End.Add(-time.Nanosecond).In(loc))
		switch {
		case tk.Before(start):
			return start
		case tk.After(outage) && tk.Before(restart):
			return restart
		}
		return tk
	}
	// The lookback windows reach back to these from the first start.
	from := map[analytics.SnapshotType]analytics.Date{
		analytics.Daily: date("2026-01-17"), analytics.Weekly: date("2025-12-29"), analytics.Monthly: date("2025-12-01"),
	}
	generated := map[analytics.SnapshotType]int{}
	for _, tm := range zoneTeams {
		tl := mustLoc(tm.TimeZone)
		for _, typ := range analytics.SnapshotTypes() {
			p, err := analytics.PeriodForDate(typ, from[typ], tl)
			if err != nil {
				t.Fatal(err)
			}
			for ; ; p = p.Next() {
				want := dueAt(p)
				if want.After(end) {
					break
				}
				k := analytics.SnapshotKey{Scope: analytics.TeamScope(tm.ID), Type: typ, Date: p.Date}
				f, ok := first[k]
				if !ok {
					t.Errorf("%s %s %s (ends %v) was never generated", tm.ID, typ, p.Date, p.End.UTC())
					continue
				}
				generated[typ]++
				if !f.at.Equal(want) {
					t.Errorf("%s %s %s (ends %v) first generated at %v, want %v", tm.ID, typ, p.Date, p.End.UTC(), f.at, want)
				}
				if typ != analytics.Daily && count[k] != 1 {
					t.Errorf("%s %s %s generated %d times, want once", tm.ID, typ, p.Date, count[k])
				}
				delete(first, k)
			}
		}
	}
	// Nothing else was generated but periods older than those checked,
	// which the lookback reached: nothing ahead of its time.
	for k, w := range first {
		if !k.Date.Before(from[k.Type]) && k.Scope.TeamWide() {
			t.Errorf("%v generated at %v, not expected", k, w.at)
		}
	}
	if generated[analytics.Daily] < 5*75 || generated[analytics.Weekly] < 5*12 || generated[analytics.Monthly] < 5*3 {
		t.Errorf("checked only %v periods", generated)
	}
	if t.Failed() {
		t.Logf("ticks: %v", ticks)
	}
}
