package storetest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics"
)

var rollUpTests = []subtest{
	{"MatchesAggregate", testRollUpMatchesAggregate},
	{"MatchesAggregateWithoutStream", testRollUpMatchesAggregateWithoutStream},
	{"WithoutSketches", testRollUpWithoutSketches},
}

// spy is a Store that records the longest period it was asked to
// Aggregate, keeping the optional capabilities of the store it wraps (see
// wrapSpy).
type spy struct {
	analytics.Store
	mu      sync.Mutex
	runs    map[string]bool // "scope first-local-date+days" of every item aggregated
	counted map[string]bool // "scope type date" of every item ActiveContacts counted
}

func (s *spy) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	s.mu.Lock()
	for _, it := range req.Items {
		days := int(math.Round(it.Period.End.Sub(it.Period.Start).Hours() / 24))
		s.runs[fmt.Sprintf("%s %s+%d", it.Scope, it.Period.Date, days)] = true
	}
	s.mu.Unlock()
	return s.Store.Aggregate(ctx, req)
}

// reset forgets the items seen so far.
func (s *spy) reset() {
	s.mu.Lock()
	s.runs = map[string]bool{}
	s.counted = map[string]bool{}
	s.mu.Unlock()
}

// countingSpy records the items the wrapped ActiveContactsCounter counts.
type countingSpy struct {
	sp *spy
	c  analytics.ActiveContactsCounter
}

func (c countingSpy) ActiveContacts(ctx context.Context, req analytics.AggregateRequest) ([]int64, error) {
	c.sp.mu.Lock()
	for _, it := range req.Items {
		c.sp.counted[fmt.Sprintf("%s %s %s", it.Scope, it.Period.Type, it.Period.Date)] = true
	}
	c.sp.mu.Unlock()
	return c.c.ActiveContacts(ctx, req)
}

type spyCounter struct {
	*spy
	countingSpy
}

type spyCounterRange struct {
	*spy
	countingSpy
	analytics.SnapshotRangeReader
}

type spyCounterStream struct {
	*spy
	countingSpy
	analytics.SnapshotStreamer
}

// wrapSpy returns a spy over s with s's ActiveContactsCounter and
// SnapshotStreamer or else SnapshotRangeReader capabilities, if it has
// them. With noStream, it hides SnapshotStreamer: roll-ups then read
// through SnapshotRangeReader.
func wrapSpy(s analytics.Store, noStream bool) (*spy, analytics.Store) {
	sp := &spy{Store: s, runs: map[string]bool{}, counted: map[string]bool{}}
	c, ok := s.(analytics.ActiveContactsCounter)
	if !ok {
		return sp, sp
	}
	if st, ok := s.(analytics.SnapshotStreamer); ok && !noStream {
		return sp, spyCounterStream{sp, countingSpy{sp, c}, st}
	}
	if r, ok := s.(analytics.SnapshotRangeReader); ok {
		return sp, spyCounterRange{sp, countingSpy{sp, c}, r}
	}
	return sp, spyCounter{sp, countingSpy{sp, c}}
}

// rollUpFirst and rollUpLast are the first and last days of which
// testRollUpMatchesAggregate generates daily snapshots.
var rollUpFirst, rollUpLast = date("2026-02-01"), date("2026-04-19")

// testRollUpMatchesAggregate generates daily snapshots, then weekly and
// monthly ones, which a Snapshotter rolls up from the dailies when the
// store can count active contacts alone (analytics.ActiveContactsCounter),
// and checks every scope of every week and month against Aggregate over
// the same period. Three days have no daily snapshot and three were
// generated before their replies were settled: those must be aggregated
// from activity, and only those.
func testRollUpMatchesAggregate(t *testing.T, open Open) {
	rollUpMatchesAggregate(t, open, false)
}

// testRollUpMatchesAggregateWithoutStream is testRollUpMatchesAggregate
// with the store's SnapshotStreamer hidden, so that roll-ups read the
// daily snapshots with SnapshotsOfTeams.
func testRollUpMatchesAggregateWithoutStream(t *testing.T, open Open) {
	rollUpMatchesAggregate(t, open, true)
}

// rollUpMatchesAggregate is testRollUpMatchesAggregate, with the store's
// SnapshotStreamer hidden when noStream is set.
func rollUpMatchesAggregate(t *testing.T, open Open, noStream bool) {
	d := merge(acme(), zones(), generated(2))
	s := open(t, d)
	sp, wrapped := wrapSpy(s, noStream)
	_, counts := s.(analytics.ActiveContactsCounter)
	later := ts("2026-04-25T00:00:00Z")
	clock := analytics.NewFakeClock(later)
	sn := newSnapshotter(t, wrapped, clock)
	generateDailies(t, sn, clock)
	clock.Set(later)

	weeks := []string{"2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06", "2026-04-13"}
	months := []string{"2026-02-01", "2026-03-01"}
	sp.reset()
	mustRun(t, sn, analytics.Weekly, datesPicker(analytics.Weekly, weeks...))
	mustRun(t, sn, analytics.Monthly, datesPicker(analytics.Monthly, months...))
	if counts {
		checkRolledUpRuns(t, s, sp, d)
	}

	var items []analytics.ScopePeriod
	forEachScope(d, func(sc analytics.Scope, tz string) {
		for _, x := range weeks {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: period(analytics.Weekly, x, tz)})
		}
		for _, x := range months {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: period(analytics.Monthly, x, tz)})
		}
	})
	checkSnapshotsMatch(t, s, items)
}

// generateDailies runs sn for the daily snapshots of rollUpFirst to
// rollUpLast, settled (generated long after their days, at clock's time),
// but for 03-10 to 03-12, which get none, and 03-29 to 03-31, which are
// generated an hour after their day ended, as a 01:00 job would: their
// replies may still change.
func generateDailies(t *testing.T, sn *analytics.Snapshotter, clock *analytics.FakeClock) {
	t.Helper()
	missing := map[analytics.Date]bool{date("2026-03-10"): true, date("2026-03-11"): true, date("2026-03-12"): true}
	early := map[analytics.Date]bool{date("2026-03-29"): true, date("2026-03-30"): true, date("2026-03-31"): true}
	days := func(keep func(analytics.Date) bool) analytics.PeriodPicker {
		var dates []string
		for day := rollUpFirst; !day.After(rollUpLast); day = day.AddDays(1) {
			if keep(day) {
				dates = append(dates, day.String())
			}
		}
		return datesPicker(analytics.Daily, dates...)
	}
	mustRun(t, sn, analytics.Daily, days(func(day analytics.Date) bool { return !missing[day] && !early[day] }))
	for day := range early {
		clock.Set(day.AddDays(1).In(time.UTC).Add(14 * time.Hour)) // after the day in every zone of the data
		mustRun(t, sn, analytics.Daily, days(func(x analytics.Date) bool { return x == day }))
	}
}

// checkRolledUpRuns checks what rolling up testRollUpMatchesAggregate's
// weeks and months asked s for, as sp saw it: only the runs of days
// without a settled daily are aggregated: 03-10..12 (missing; in the week
// of 03-09 and in March), 03-29 (early; week of 03-23), 03-30..31 (early;
// week of 03-30) and 03-29..31 (early; March), for every scope. Every
// daily has a sketch of its active contacts: with a SnapshotRangeReader to
// read them, no period is counted again.
func checkRolledUpRuns(t *testing.T, s analytics.Store, sp *spy, d Dataset) {
	t.Helper()
	want := map[string]bool{}
	forEachScope(d, func(sc analytics.Scope, _ string) {
		for _, r := range []string{"2026-03-10+3", "2026-03-29+1", "2026-03-30+2", "2026-03-29+3"} {
			want[fmt.Sprintf("%s %s", sc, r)] = true
		}
	})
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if dd := diff(want, sp.runs); dd != "" {
		t.Errorf("rolling up aggregated other periods than the days without a settled daily (-want +got):\n%s", dd)
	}
	if _, ok := s.(analytics.SnapshotRangeReader); ok && len(sp.counted) > 0 {
		t.Errorf("rolling up counted active contacts of %d items although every day had a sketch: %v", len(sp.counted), sp.counted)
	}
}

// testRollUpWithoutSketches rolls weeks and months up from daily snapshots
// some of which have no sketch of their active contacts (as rows written
// before sketches were kept) or one that disagrees with their own count
// (left behind by a writer that replaced the metrics alone). The roll-ups
// must still equal Aggregate, counting active contacts again for exactly
// the periods that hold such a day.
func testRollUpWithoutSketches(t *testing.T, open Open) {
	d := merge(acme(), generated(4))
	s := open(t, d)
	if _, ok := s.(analytics.ActiveContactsCounter); !ok {
		return // no roll-ups: weeks and months are aggregated
	}
	sp, wrapped := wrapSpy(s, false)
	sn := newSnapshotter(t, wrapped, analytics.NewFakeClock(ts("2026-04-25T00:00:00Z")))
	var days []string
	for day := date("2026-02-28"); !day.After(date("2026-04-01")); day = day.AddDays(1) {
		days = append(days, day.String())
	}
	mustRun(t, sn, analytics.Daily, datesPicker(analytics.Daily, days...))
	stripped := []string{"2026-03-05", "2026-03-06", "2026-03-20"}
	spoilSketches(t, s, d, stripped)

	weeks := []string{"2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"}
	sp.reset()
	mustRun(t, sn, analytics.Weekly, datesPicker(analytics.Weekly, weeks...))
	mustRun(t, sn, analytics.Monthly, datesPicker(analytics.Monthly, "2026-03-01"))

	var items []analytics.ScopePeriod
	want := map[string]bool{}
	forEachScope(d, func(sc analytics.Scope, tz string) {
		ps := []analytics.Period{period(analytics.Monthly, "2026-03-01", tz)}
		for _, x := range weeks {
			ps = append(ps, period(analytics.Weekly, x, tz))
		}
		for _, p := range ps {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
			for _, x := range stripped {
				if !date(x).Before(p.Date) && date(x).Before(p.Date.AddDays(int(p.End.Sub(p.Start).Hours()/24+0.5))) {
					want[fmt.Sprintf("%s %s %s", sc, p.Type, p.Date)] = true
				}
			}
		}
	})
	sp.mu.Lock()
	if dd := diff(want, sp.counted); dd != "" {
		t.Errorf("rolling up counted active contacts for other periods than those with a day without a usable sketch (-want +got):\n%s", dd)
	}
	if len(sp.runs) > 0 {
		t.Errorf("rolling up settled days aggregated %v", sp.runs)
	}
	sp.mu.Unlock()
	checkSnapshotsMatch(t, s, items)
}

// spoilSketches rewrites the daily snapshots of dates of every scope of d:
// the last date's gets a sketch of other contacts, one more than it
// counts; the others are upserted as Snapshots reads them, without one.
func spoilSketches(t *testing.T, s analytics.Store, d Dataset, dates []string) {
	t.Helper()
	ctx := context.Background()
	var rewrite []analytics.Snapshot
	forEachScope(d, func(sc analytics.Scope, _ string) {
		for i, x := range dates {
			got, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: date(x), To: date(x)})
			if err != nil || len(got) != 1 {
				t.Fatalf("Snapshots %s %s: %v, %v", sc, x, got, err)
			}
			if i == len(dates)-1 {
				bogus := make([]string, got[0].Metrics.Contacts.Active+1)
				for i := range bogus {
					bogus[i] = fmt.Sprintf("bogus-%d", i)
				}
				got[0].Metrics.ActiveSketch = analytics.SketchOf(bogus...)
			}
			rewrite = append(rewrite, got[0])
		}
	})
	if err := s.UpsertSnapshots(ctx, rewrite); err != nil {
		t.Fatal(err)
	}
}

// newSnapshotter returns a Snapshotter over s on clock.
func newSnapshotter(t *testing.T, s analytics.Store, clock analytics.Clock) *analytics.Snapshotter {
	t.Helper()
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// mustRun runs sn for the typ periods pick picks, failing the test on an
// error or a failed team.
func mustRun(t *testing.T, sn *analytics.Snapshotter, typ analytics.SnapshotType, pick analytics.PeriodPicker) {
	t.Helper()
	rep, err := sn.Run(context.Background(), typ, pick)
	if err != nil || rep.Failed > 0 {
		t.Fatalf("Run %s: %+v, %v", typ, rep, err)
	}
}

// datesPicker picks the typ periods that start on dates, in each team's
// zone.
func datesPicker(typ analytics.SnapshotType, dates ...string) analytics.PeriodPicker {
	return func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for _, x := range dates {
			p, err := analytics.PeriodForDate(typ, date(x), loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	}
}

// forEachScope calls f with every scope of every team of d and the team's
// zone ("UTC" if unset).
func forEachScope(d Dataset, f func(sc analytics.Scope, tz string)) {
	for _, team := range d.Teams {
		tz := team.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		for _, sc := range (analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}).Scopes() {
			f(sc, tz)
		}
	}
}

// checkSnapshotsMatch checks that the stored snapshot of each item equals
// Aggregate over the item, reporting the first five that differ.
func checkSnapshotsMatch(t *testing.T, s analytics.Store, items []analytics.ScopePeriod) {
	t.Helper()
	ctx := context.Background()
	want := aggregate(t, s, analytics.AggregateRequest{Items: items})
	bad := 0
	for i, it := range items {
		got, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: it.Scope, Type: it.Period.Type, From: it.Period.Date, To: it.Period.Date})
		if err != nil || len(got) != 1 {
			t.Fatalf("Snapshots %s: %d, %v", describe(it), len(got), err)
		}
		m := got[0].Metrics
		m.GeneratedAt = time.Time{}
		if dd := diff(want[i], m); dd != "" {
			bad++
			if bad <= 5 {
				t.Errorf("snapshot %s differs from Aggregate (-want +got):\n%s", describe(it), dd)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... and %d more of %d snapshots differ", bad-5, len(items))
	}
}
