package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestCrossCheckWithMemstore loads one generated dataset (60 teams in the
// generator's zones, with half-hour offsets, +14:00, and both 2026 daylight
// saving changes inside its five weeks) into Postgres and into memstore, and
// requires the two stores to return identical Metrics, with the sketches of
// active contacts, for every scope of every team and every daily, weekly
// and monthly period of the range. Two teams of three have working hours
// (giveHours), read back from the teams table to measure business times;
// the traffic heatmaps are compared too.
func TestCrossCheckWithMemstore(t *testing.T) {
	t.Parallel()
	crossCheckWithMemstore(t, envOptions{}, nil)
}

// crossCheckWithMemstore is TestCrossCheckWithMemstore on the source
// schema of o, with the dataset's configuration changed by edit when it is
// not nil. It returns the database it loaded.
func crossCheckWithMemstore(t *testing.T, o envOptions, edit func(*synth.Config)) *bun.DB {
	ctx := context.Background()
	cfg := synth.Config{Seed: 7, Teams: 60, AccountsPerTeam: 3, Start: analytics.NewDate(2026, 3, 2), Days: 35, MessagesPerDay: 6000}
	if edit != nil {
		edit(&cfg)
	}
	teams, act, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]bool{}
	for _, tm := range teams {
		zones[tm.TimeZone] = true
	}
	for _, z := range []string{"Asia/Kolkata", "America/New_York", "Europe/Berlin", "Pacific/Kiritimati"} {
		if !zones[z] {
			t.Fatalf("the dataset has no team in %s; zones: %v", z, zones)
		}
	}

	giveHours(teams)
	o.hours = true
	mem := memOf(t, teams, act)
	e := newEnv(t, teams, &act, o)
	pg := e.store
	// The statements are written for the recommended indexes; without them
	// every one of the ~300 period groups scans whole tables.
	if err := pg.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.DB().ExecContext(ctx, `ANALYZE messages, conversations, contacts, campaigns`); err != nil {
		t.Fatal(err)
	}

	items, err := allItems(teams, cfg.Start.In(time.UTC), cfg.Days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items, Sketches: true, // the sketches of active contacts too
		WorkingHours: storedHours(t, pg, teams)}
	t0 := time.Now()
	want, err := mem.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	got, err := pg.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("memstore %v, pgstore %v", t1.Sub(t0), time.Since(t1))
	var messages, business int64
	diffs := 0
	for i, it := range items {
		if it.Scope.TeamWide() && it.Period.Type == analytics.Daily {
			messages += want[i].Messages.Total
			business += want[i].Conversations.BusinessResponseCount
		}
		if d := cmp.Diff(want[i], got[i]); d != "" {
			diffs++
			if diffs <= 3 {
				t.Errorf("%s %s: memstore (-) vs pgstore (+):\n%s", it.Scope, it.Period, d)
			}
		}
	}
	if diffs > 0 {
		t.Fatalf("%d of %d items differ", diffs, len(items))
	}
	checkTrafficCovered(t, items, want)
	// The comparison is only as good as the data: most messages of the
	// dataset must have been counted, in both stores.
	if messages < int64(len(act.Messages))*9/10 {
		t.Fatalf("daily team-wide items count %d of %d messages", messages, len(act.Messages))
	}
	if business == 0 {
		t.Fatal("no business response time was measured")
	}
	t.Log(fmt.Sprintf("%d items over %d teams and %d messages: identical", len(items), len(teams), len(act.Messages)))
	return e.db
}

// giveHours gives two teams of every three working hours, by index, each
// in its own zone: office hours with a lunch break and a closed Monday;
// long days, all of Sunday, and the European change of 2026-03-29 closed;
// and nights around the hours the clocks change, with Sunday 01:00–04:00.
func giveHours(teams []analytics.Team) {
	weekdays := func(rs ...analytics.ClockRange) (d [7][]analytics.ClockRange) {
		for wd := time.Monday; wd <= time.Friday; wd++ {
			d[wd] = rs
		}
		return d
	}
	office := &analytics.WorkingHours{Days: weekdays(analytics.ClockRange{Start: 9 * 60, End: 12 * 60}, analytics.ClockRange{Start: 13 * 60, End: 17*60 + 30}),
		Closed: []analytics.Date{analytics.NewDate(2026, 3, 9)}}
	long := &analytics.WorkingHours{Days: weekdays(analytics.ClockRange{Start: 8 * 60, End: 20 * 60}),
		Closed: []analytics.Date{analytics.NewDate(2026, 3, 29)}}
	long.Days[time.Sunday] = []analytics.ClockRange{{Start: 0, End: 24 * 60}}
	nights := &analytics.WorkingHours{Days: weekdays(analytics.ClockRange{Start: 60, End: 3*60 + 30}, analytics.ClockRange{Start: 22 * 60, End: 24 * 60})}
	nights.Days[time.Saturday] = nights.Days[time.Monday]
	nights.Days[time.Sunday] = []analytics.ClockRange{{Start: 60, End: 4 * 60}}
	for i := range teams {
		switch i % 3 {
		case 1:
			teams[i].Hours = []*analytics.WorkingHours{office, long, nights}[i/3%3]
		case 2:
			teams[i].Hours = []*analytics.WorkingHours{long, nights, office}[i/3%3]
		}
	}
}

// storedHours returns the working hours of teams as s's Teams reads them,
// by team ID, after checking that they are those the teams were given.
func storedHours(t *testing.T, s *pgstore.Store, teams []analytics.Team) map[string]*analytics.WorkingHours {
	t.Helper()
	read, err := s.Teams(context.Background(), "", len(teams)+1)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*analytics.WorkingHours{}
	zones := map[string]bool{}
	for _, tm := range read {
		if tm.Hours != nil {
			out[tm.ID] = tm.Hours
			zones[tm.TimeZone] = true
		}
	}
	for _, tm := range teams {
		if d := cmp.Diff(tm.Hours, out[tm.ID]); d != "" {
			t.Fatalf("team %s: stored Hours (-given +read):\n%s", tm.ID, d)
		}
	}
	for _, z := range []string{"Asia/Kolkata", "America/New_York", "Europe/Berlin"} {
		if !zones[z] {
			t.Fatalf("no team with working hours in %s; zones: %v", z, zones)
		}
	}
	return out
}

// checkTrafficCovered fails t unless every item's traffic adds up to its
// inbound and outbound messages and its conversations, and the weeks of
// 2026's daylight-saving changes of New York (03-08), Berlin (03-29) and
// Adelaide (04-05) have traffic in their zone: the comparison then covered
// hours read across each change.
func checkTrafficCovered(t *testing.T, items []analytics.ScopePeriod, ms []analytics.Metrics) {
	t.Helper()
	dstWeeks := map[string]analytics.Date{
		"America/New_York":   analytics.NewDate(2026, 3, 2),
		"Europe/Berlin":      analytics.NewDate(2026, 3, 23),
		"Australia/Adelaide": analytics.NewDate(2026, 3, 30),
	}
	for i, it := range items {
		m := ms[i]
		tot := m.Traffic.Total()
		if tot.Inbound != m.Messages.Inbound || tot.Outbound != m.Messages.Outbound || tot.Conversations != m.Conversations.Total {
			t.Errorf("%s %s: traffic adds up to %+v; messages in %d, out %d, conversations %d",
				it.Scope, it.Period, tot, m.Messages.Inbound, m.Messages.Outbound, m.Conversations.Total)
		}
		zone := it.Period.Location().String()
		if d, ok := dstWeeks[zone]; ok && it.Period.Type == analytics.Weekly && it.Period.Date == d && it.Scope.TeamWide() && m.Traffic.Len() > 0 {
			delete(dstWeeks, zone)
		}
	}
	for zone, d := range dstWeeks {
		t.Errorf("no team-wide week of %s in %s has traffic", d, zone)
	}
}
