package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

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

// TestReplicasGenerateEachPeriodOnce runs three schedulers on one store,
// all woken at the same ticks, across Berlin's change to summer time, a
// Monday and a 1st, and checks that each tick's snapshots are written by
// one replica, each week and month once, each day at its tick and then
// twice more as a trailing day, and nothing before its period ended.
func TestReplicasGenerateEachPeriodOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		start, end := ts("2026-03-25T12:00:00Z"), ts("2026-04-02T12:00:00Z")
		h := newHarness(t, b, start, zoneTeams)
		cfg := scheduler.Config{
			Daily:   scheduler.JobConfig{Lookback: -1},
			Weekly:  scheduler.JobConfig{Lookback: -1},
			Monthly: scheduler.JobConfig{Lookback: -1},
			Retry:   scheduler.Retry{Attempts: 1},
		}
		h.start(3, cfg)
		for next := h.replicas[0].next; !next.After(end); next = h.replicas[0].next {
			h.advance(next)
		}
		type writeAt struct {
			typ analytics.SnapshotType
			at  time.Time
		}
		writers := map[writeAt]map[int]bool{}
		first := map[analytics.SnapshotKey]time.Time{}
		count := map[analytics.SnapshotKey]int{}
		for _, w := range h.rec.take() {
			if w.at.Before(w.end) {
				t.Errorf("%v written at %v, before its period ended at %v", w.key, w.at, w.end)
			}
			k := writeAt{w.key.Type, w.at}
			if writers[k] == nil {
				writers[k] = map[int]bool{}
			}
			writers[k][w.replica] = true
			count[w.key]++
			if f, ok := first[w.key]; !ok || w.at.Before(f) {
				first[w.key] = w.at
			}
		}
		for k, rs := range writers {
			// At the start the replicas share the catch-up's ticks.
			if len(rs) != 1 && !k.at.Equal(start) {
				t.Errorf("the %s snapshots at %v were written by replicas %v, want one", k.typ, k.at, rs)
			}
		}
		checked := 0
		for _, tm := range zoneTeams {
			loc := mustLoc(tm.TimeZone)
			for _, typ := range analytics.SnapshotTypes() {
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
					for _, sc := range tm.Scopes() {
						k := analytics.SnapshotKey{Scope: sc, Type: typ, Date: p.Date}
						checked++
						if !first[k].Equal(due) {
							t.Errorf("%s %s %s first written at %v, want at %v", sc, typ, p.Date, first[k], due)
						}
						want := 1
						if typ == analytics.Daily { // and as a trailing day of the next two days
							for q := p.Next(); want < 3; q = q.Next() {
								if d, _ := (analytics.Schedule{}).DueAt(q); d.After(end) {
									break
								}
								want++
							}
						}
						if count[k] != want {
							t.Errorf("%s %s %s written %d times, want %d", sc, typ, p.Date, count[k], want)
						}
					}
				}
			}
		}
		if checked < 8*8+8+2 {
			t.Errorf("checked %d periods only", checked)
		}
	})
}

// TestExternalReplicasGenerateOnce calls the daily job's Run from three
// "replicas" at once, as a host's own cron would on each of them: each
// tick's run is done by one of them.
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
		// One replica runs the tick, one the catch-up of the days that fell
		// due at earlier ticks; the others skip both.
		ran, caughtUp := 0, 0
		for _, r := range results {
			if !r.Tick.Equal(at) {
				t.Errorf("a replica reports the tick %v, want %v", r.Tick, at)
			}
			if !r.Skipped {
				ran++
			}
			caughtUp += len(r.CatchUp)
			for _, x := range append([]scheduler.RunResult{r}, r.CatchUp...) {
				if !x.Skipped && x.Run.Status != scheduler.JobSucceeded {
					t.Errorf("the run that was done: %+v", x)
				}
			}
		}
		if ran != 1 || caughtUp != 1 {
			t.Errorf("%d replicas ran the tick and %d caught up, want 1 and 1", ran, caughtUp)
		}
		// Each day written once (keysOf keeps duplicates).
		want := teamKeys(zoneTeams, analytics.Daily, func(loc *time.Location) []analytics.Period {
			p, err := analytics.Schedule{}.LastDue(analytics.Daily, at, loc)
			if err != nil {
				t.Fatal(err)
			}
			return []analytics.Period{p.Prev().Prev(), p.Prev(), p}
		})
		if d := gocmp.Diff(want, keysOf(h.rec.take())); d != "" {
			t.Errorf("snapshots written (-want +got):\n%s", d)
		}
	})
}

// TestTimeZonesNoDayMissed drives one scheduler over seven weeks, with an
// outage of a week in the middle, and checks that every local day, week
// and month of teams far apart is generated, never before it ended in the
// team's zone, and on time: at its tick, or at the restart for those that
// fell due in the outage.
func TestTimeZonesNoDayMissed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, testTimeZones)
}

func testTimeZones(t *testing.T, b backend) {
	start := ts("2026-02-20T00:00:00Z")
	outage := ts("2026-03-14T12:00:00Z")
	restart := ts("2026-03-21T09:30:00Z")
	end := ts("2026-04-10T00:00:00Z")
	h := newHarness(t, b, start, zoneTeams)
	cfg := scheduler.Config{Retry: scheduler.Retry{Attempts: 1}}

	h.start(1, cfg)
	drive := func(until time.Time) {
		for next := h.replicas[0].next; !next.After(until); next = h.replicas[0].next {
			h.advance(next)
		}
	}
	drive(outage)
	h.stopAll()
	h.clock.Set(restart)
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
	// Each period should first be generated when it falls due, or at the
	// first start if that came before it, or at the restart if it fell
	// due in the outage.
	dueAt := func(p analytics.Period) time.Time {
		due, err := analytics.Schedule{}.DueAt(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case due.Before(start):
			return start
		case due.After(outage) && due.Before(restart):
			return restart
		}
		return due
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
}
