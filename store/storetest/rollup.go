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

// wrapSpy returns a spy over s with s's ActiveContactsCounter and
// SnapshotRangeReader capabilities, if it has them.
func wrapSpy(s analytics.Store) (*spy, analytics.Store) {
	sp := &spy{Store: s, runs: map[string]bool{}, counted: map[string]bool{}}
	c, ok := s.(analytics.ActiveContactsCounter)
	if !ok {
		return sp, sp
	}
	if r, ok := s.(analytics.SnapshotRangeReader); ok {
		return sp, spyCounterRange{sp, countingSpy{sp, c}, r}
	}
	return sp, spyCounter{sp, countingSpy{sp, c}}
}

// testRollUpMatchesAggregate generates daily snapshots, then weekly and
// monthly ones, which a Snapshotter rolls up from the dailies when the
// store can count active contacts alone (analytics.ActiveContactsCounter),
// and checks every scope of every week and month against Aggregate over
// the same period. Three days have no daily snapshot and three were
// generated before their replies were settled: those must be aggregated
// from activity, and only those.
func testRollUpMatchesAggregate(t *testing.T, open Open) {
	d := merge(acme(), zones(), generated(2))
	s := open(t, d)
	ctx := context.Background()
	sp, wrapped := wrapSpy(s)
	_, counts := s.(analytics.ActiveContactsCounter)

	first, last := date("2026-02-01"), date("2026-04-19")
	missing := map[analytics.Date]bool{date("2026-03-10"): true, date("2026-03-11"): true, date("2026-03-12"): true}
	early := map[analytics.Date]bool{date("2026-03-29"): true, date("2026-03-30"): true, date("2026-03-31"): true}
	later := ts("2026-04-25T00:00:00Z")
	clock := analytics.NewFakeClock(later)
	sn, err := analytics.NewSnapshotter(wrapped, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	days := func(keep func(analytics.Date) bool) analytics.PeriodPicker {
		return func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			var ps []analytics.Period
			for day := first; !day.After(last); day = day.AddDays(1) {
				if keep(day) {
					p, err := analytics.PeriodForDate(analytics.Daily, day, loc)
					if err != nil {
						return nil, err
					}
					ps = append(ps, p)
				}
			}
			return ps, nil
		}
	}
	run := func(typ analytics.SnapshotType, pick analytics.PeriodPicker) {
		t.Helper()
		rep, err := sn.Run(ctx, typ, pick)
		if err != nil || rep.Failed > 0 {
			t.Fatalf("Run %s: %+v, %v", typ, rep, err)
		}
	}
	// Settled dailies, generated long after their days.
	run(analytics.Daily, days(func(day analytics.Date) bool { return !missing[day] && !early[day] }))
	// Dailies generated an hour after their day ended, as a 01:00 job
	// would: their replies may still change.
	for day := range early {
		clock.Set(day.AddDays(1).In(time.UTC).Add(14 * time.Hour)) // after the day in every zone of the data
		run(analytics.Daily, days(func(x analytics.Date) bool { return x == day }))
	}
	clock.Set(later)

	weeks := []string{"2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06", "2026-04-13"}
	months := []string{"2026-02-01", "2026-03-01"}
	pick := func(typ analytics.SnapshotType, dates []string) analytics.PeriodPicker {
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
	sp.reset()
	run(analytics.Weekly, pick(analytics.Weekly, weeks))
	run(analytics.Monthly, pick(analytics.Monthly, months))
	if counts {
		// Only the runs of days without a settled daily are aggregated:
		// 03-10..12 (missing; in the week of 03-09 and in March), 03-29
		// (early; week of 03-23), 03-30..31 (early; week of 03-30) and
		// 03-29..31 (early; March), for every scope.
		want := map[string]bool{}
		for _, team := range d.Teams {
			for _, sc := range (analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}).Scopes() {
				for _, r := range []string{"2026-03-10+3", "2026-03-29+1", "2026-03-30+2", "2026-03-29+3"} {
					want[fmt.Sprintf("%s %s", sc, r)] = true
				}
			}
		}
		sp.mu.Lock()
		if dd := diff(want, sp.runs); dd != "" {
			t.Errorf("rolling up aggregated other periods than the days without a settled daily (-want +got):\n%s", dd)
		}
		// Every daily has a sketch of its active contacts: with a
		// SnapshotRangeReader to read them, no period is counted again.
		if _, ok := s.(analytics.SnapshotRangeReader); ok && len(sp.counted) > 0 {
			t.Errorf("rolling up counted active contacts of %d items although every day had a sketch: %v", len(sp.counted), sp.counted)
		}
		sp.mu.Unlock()
	}

	var items []analytics.ScopePeriod
	for _, team := range d.Teams {
		tz := team.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		for _, sc := range (analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}).Scopes() {
			for _, set := range []struct {
				typ   analytics.SnapshotType
				dates []string
			}{{analytics.Weekly, weeks}, {analytics.Monthly, months}} {
				for _, x := range set.dates {
					items = append(items, analytics.ScopePeriod{Scope: sc, Period: period(set.typ, x, tz)})
				}
			}
		}
	}
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
	ctx := context.Background()
	sp, wrapped := wrapSpy(s)
	clock := analytics.NewFakeClock(ts("2026-04-25T00:00:00Z"))
	sn, err := analytics.NewSnapshotter(wrapped, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	pick := func(typ analytics.SnapshotType, dates ...string) analytics.PeriodPicker {
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
	var days []string
	for day := date("2026-02-28"); !day.After(date("2026-04-01")); day = day.AddDays(1) {
		days = append(days, day.String())
	}
	run := func(typ analytics.SnapshotType, pick analytics.PeriodPicker) {
		t.Helper()
		rep, err := sn.Run(ctx, typ, pick)
		if err != nil || rep.Failed > 0 {
			t.Fatalf("Run %s: %+v, %v", typ, rep, err)
		}
	}
	run(analytics.Daily, pick(analytics.Daily, days...))

	// Strip the sketches of 03-05 and 03-06 by upserting the snapshots as
	// Snapshots reads them (without); give 03-20 a sketch of other
	// contacts, one more than it counts.
	stripped := map[string]bool{"2026-03-05": true, "2026-03-06": true, "2026-03-20": true}
	var rewrite []analytics.Snapshot
	for _, team := range d.Teams {
		for _, sc := range (analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}).Scopes() {
			for x := range stripped {
				got, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: date(x), To: date(x)})
				if err != nil || len(got) != 1 {
					t.Fatalf("Snapshots %s %s: %v, %v", sc, x, got, err)
				}
				if x == "2026-03-20" {
					bogus := make([]string, got[0].Metrics.Contacts.Active+1)
					for i := range bogus {
						bogus[i] = fmt.Sprintf("bogus-%d", i)
					}
					got[0].Metrics.ActiveSketch = analytics.SketchOf(bogus...)
				}
				rewrite = append(rewrite, got[0])
			}
		}
	}
	if err := s.UpsertSnapshots(ctx, rewrite); err != nil {
		t.Fatal(err)
	}

	weeks := []string{"2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"}
	sp.reset()
	run(analytics.Weekly, pick(analytics.Weekly, weeks...))
	run(analytics.Monthly, pick(analytics.Monthly, "2026-03-01"))

	var items []analytics.ScopePeriod
	want := map[string]bool{}
	for _, team := range d.Teams {
		tz := team.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		for _, sc := range (analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}).Scopes() {
			for _, p := range []analytics.Period{period(analytics.Weekly, weeks[0], tz), period(analytics.Weekly, weeks[1], tz),
				period(analytics.Weekly, weeks[2], tz), period(analytics.Weekly, weeks[3], tz), period(analytics.Monthly, "2026-03-01", tz)} {
				items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
				for x := range stripped {
					if !date(x).Before(p.Date) && date(x).Before(p.Date.AddDays(int(p.End.Sub(p.Start).Hours()/24+0.5))) {
						want[fmt.Sprintf("%s %s %s", sc, p.Type, p.Date)] = true
					}
				}
			}
		}
	}
	sp.mu.Lock()
	if dd := diff(want, sp.counted); dd != "" {
		t.Errorf("rolling up counted active contacts for other periods than those with a day without a usable sketch (-want +got):\n%s", dd)
	}
	if len(sp.runs) > 0 {
		t.Errorf("rolling up settled days aggregated %v", sp.runs)
	}
	sp.mu.Unlock()

	agg := aggregate(t, s, analytics.AggregateRequest{Items: items})
	for i, it := range items {
		got, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: it.Scope, Type: it.Period.Type, From: it.Period.Date, To: it.Period.Date})
		if err != nil || len(got) != 1 {
			t.Fatalf("Snapshots %s: %d, %v", describe(it), len(got), err)
		}
		m := got[0].Metrics
		m.GeneratedAt = time.Time{}
		if dd := diff(agg[i], m); dd != "" {
			t.Errorf("snapshot %s differs from Aggregate (-want +got):\n%s", describe(it), dd)
		}
	}
}
