package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

// checkDashboard compares d, the dashboard of team over days days read now,
// with the reference: Current is store.ComputeMetrics over [the start of the
// day days-1 days ago, now), team-wide; Previous the days days before it,
// its last day cut at now's local time of day; one Series entry per day;
// LiveDays the finished days of both windows with no snapshot in stored,
// except the previous window's last day, which is always aggregated live.
func checkDashboard(t *testing.T, f *svcFixture, team string, days int, stored map[analytics.Date]bool, d analytics.Dashboard) {
	t.Helper()
	now := f.clock.Now()
	scope := analytics.TeamScope(team)
	name := fmt.Sprintf("%s, %d days", team, days)
	if d.TeamID != team || d.Days != days || !d.AsOf.Equal(now) {
		t.Errorf("%s: TeamID %q, Days %d, AsOf %v; want %q, %d, %v", name, d.TeamID, d.Days, d.AsOf, team, days, now)
	}

	// One reference call: the two windows, then each day of Current.
	spans := []span{
		{scope, f.dayStart(t, team, -(days - 1)), now},
		{scope, f.dayStart(t, team, -(2*days - 1)), f.sameTime(t, team, -days)},
	}
	for off := -(days - 1); off <= 0; off++ {
		end := f.dayStart(t, team, off+1)
		if off == 0 {
			end = now
		}
		spans = append(spans, span{scope, f.dayStart(t, team, off), end})
	}
	ref := f.computeAll(t, spans...)
	cur, prev := ref[0], ref[1]
	cur.GeneratedAt = now
	if diff := cmp.Diff(cur, d.Current); diff != "" {
		t.Errorf("%s: Current (-want +got):\n%s", name, diff)
	}
	if diff := cmp.Diff(prev, d.Previous, ignoreGeneratedAt); diff != "" {
		t.Errorf("%s: Previous (-want +got):\n%s", name, diff)
	}
	if cur.Messages.Total == 0 || cur.Messages.Total == prev.Messages.Total {
		t.Errorf("%s: the windows hold %d and %d messages; the test would prove little", name, cur.Messages.Total, prev.Messages.Total)
	}

	today := f.today(t, team)
	var wantSeries []analytics.DayMetrics
	var maxActive int64
	for i, m := range ref[2:] {
		wantSeries = append(wantSeries, analytics.DayMetrics{Date: today.AddDays(i - (days - 1)), Metrics: m})
		maxActive = max(maxActive, m.Contacts.Active)
	}
	if diff := cmp.Diff(wantSeries, d.Series, ignoreGeneratedAt); diff != "" {
		t.Errorf("%s: Series (-want +got):\n%s", name, diff)
	}
	// Current and Previous were compared whole, contacts.active included:
	// the window's distinct count, which no day's count reaches here over
	// more than one day.
	if days > 1 && maxActive >= cur.Contacts.Active {
		t.Errorf("%s: the largest daily count of active contacts %d is the window's %d; the test would not tell them apart",
			name, maxActive, cur.Contacts.Active)
	}

	var wantLive []analytics.Date
	for off := -(2*days - 1); off < 0; off++ {
		if dt := today.AddDays(off); off != -days && !stored[dt] {
			wantLive = append(wantLive, dt)
		}
	}
	if diff := cmp.Diff(wantLive, d.LiveDays, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: LiveDays (-want +got):\n%s", name, diff)
	}

	if g := d.Growth.Messages; g != analytics.GrowthRate(float64(cur.Messages.Total), float64(prev.Messages.Total)) {
		t.Errorf("%s: Growth.Messages = %v for %d messages after %d", name, g, cur.Messages.Total, prev.Messages.Total)
	}
	if diff := cmp.Diff(analytics.GrowthOf(d.Current, d.Previous), d.Growth); diff != "" {
		t.Errorf("%s: Growth is not GrowthOf(Current, Previous) (-want +got):\n%s", name, diff)
	}
}

// testDashboard: dashboards of 1, 7 and 30 days equal the reference, for
// both teams, with team-wide and per-account snapshots stored (the
// per-account rows must not be added into the team's totals).
func testDashboard(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	stored := f.generateDaily(t, nil)
	for _, team := range []string{kolkataTeam, newYorkTeam} {
		// Per-account rows exist and hold messages, so adding them in
		// would change the totals.
		today := f.today(t, team)
		var accountMsgs int64
		for _, acc := range f.teams[team].AccountIDs {
			snaps, err := f.mem.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.AccountScope(team, acc),
				Type: analytics.Daily, From: today.AddDays(-6), To: today})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range snaps {
				accountMsgs += s.Metrics.Messages.Total
			}
		}
		if accountMsgs == 0 {
			t.Fatalf("%s: no per-account snapshot holds a message", team)
		}
		for _, days := range []int{1, 7, 30} {
			d, err := f.svc.Dashboard(ctx, team, days)
			if err != nil {
				t.Fatalf("Dashboard(%s, %d): %v", team, days, err)
			}
			checkDashboard(t, f, team, days, stored, d)
		}
	}
	// A second read within the dashboard TTL is the same dashboard.
	first, err := f.svc.Dashboard(ctx, newYorkTeam, 7)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(analytics.DefaultDashboardTTL - time.Second)
	a0, s0 := f.store.calls()
	again, err := f.svc.Dashboard(ctx, newYorkTeam, 7)
	if err != nil {
		t.Fatal(err)
	}
	a1, s1 := f.store.calls()
	if setup.cached() {
		if a1 != a0 || s1 != s0 {
			t.Errorf("a read within the TTL made %d Aggregate and %d Snapshots calls", a1-a0, s1-s0)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("a read within the TTL differs (-first +again):\n%s", diff)
		}
	} else if a1-a0 != 1 || s1-s0 != 1 {
		t.Errorf("without a cache a read made %d Aggregate and %d Snapshots calls, want 1 and 1", a1-a0, s1-s0)
	}
	f.clock.Advance(time.Second)
	d, err := f.svc.Dashboard(ctx, newYorkTeam, 7)
	if err != nil {
		t.Fatal(err)
	}
	checkDashboard(t, f, newYorkTeam, 7, stored, d)
}

// testDashboardLiveDays: finished days with no snapshot are aggregated
// live, listed in LiveDays, and counted all the same.
func testDashboardLiveDays(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		missing []analytics.Date
		none    bool
	}{
		// 2026-03-12 is in the current 7-day window, 2026-03-05 in the
		// previous one.
		{name: "two missing", missing: []analytics.Date{analytics.NewDate(2026, 3, 5), analytics.NewDate(2026, 3, 12)}},
		{name: "none stored", none: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newSvcFixture(t, setup, nil)
			stored := map[analytics.Date]bool{}
			if !tt.none {
				stored = f.generateDaily(t, func(d analytics.Date) bool {
					for _, m := range tt.missing {
						if d == m {
							return false
						}
					}
					return true
				})
			}
			for _, team := range []string{kolkataTeam, newYorkTeam} {
				d, err := f.svc.Dashboard(ctx, team, 7)
				if err != nil {
					t.Fatal(err)
				}
				checkDashboard(t, f, team, 7, stored, d)
				if !tt.none && !cmp.Equal(d.LiveDays, tt.missing) {
					t.Errorf("%s: LiveDays = %v, want %v", team, d.LiveDays, tt.missing)
				}
			}
		})
	}
}

// TestDashboardHandMade checks a dashboard worked out by hand, in New York
// a week after its change to daylight-saving time: the previous window's
// last day, 2026-03-08, is 23 hours long and is cut at now's local time of
// day, 10:30.
func TestDashboardHandMade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour, min int) time.Time { return time.Date(2026, 3, day, hour, min, 0, 0, ny) }
	clock := analytics.NewFakeClock(at(15, 10, 30))
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(analytics.Team{ID: "hand", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	msg := func(id, status string, t time.Time) store.Message {
		return store.Message{ID: id, TeamID: "hand", Status: status, CreatedAt: t}
	}
	err = mem.Add(store.Activity{
		Messages: []store.Message{
			// Previous window, 2026-03-02 to 2026-03-08 10:30.
			msg("p1", store.StatusDelivered, at(3, 12, 0)),
			msg("p2", store.StatusRead, at(8, 10, 0)),
			msg("p3", store.StatusFailed, at(8, 11, 0)), // after 10:30 (though within 10.5 h of midnight)
			msg("p4", store.StatusRead, at(8, 20, 0)),
			// Current window, 2026-03-09 to now.
			msg("c1", store.StatusRead, at(10, 9, 0)),
			msg("c2", store.StatusDelivered, at(12, 9, 0)),
			msg("c3", store.StatusSent, at(14, 23, 30)),
			msg("c4", store.StatusRead, at(15, 8, 0)),
			msg("c5", store.StatusFailed, at(15, 11, 0)), // after now
		},
		Contacts: []store.Contact{
			{ID: "k1", TeamID: "hand", CreatedAt: at(4, 9, 0)},
			{ID: "k2", TeamID: "hand", CreatedAt: at(11, 9, 0)},
			{ID: "k3", TeamID: "hand", CreatedAt: at(13, 9, 0)},
		},
		Campaigns: []store.Campaign{{ID: "x1", TeamID: "hand", Status: store.CampaignCompleted,
			MessagesSent: 10, MessagesDelivered: 8, CreatedAt: at(5, 9, 0)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	// Snapshots of the odd days only: the rest are aggregated live.
	_, err = svc.Snapshotter().Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for day := 1; day < 15; day += 2 {
			p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, day), loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	d, err := svc.Dashboard(ctx, "hand", 7)
	if err != nil {
		t.Fatal(err)
	}
	type counts struct{ Total, Sent, Delivered, Read, Failed, NewContacts, Campaigns int64 }
	of := func(m analytics.Metrics) counts {
		return counts{m.Messages.Total, m.Messages.Sent, m.Messages.Delivered, m.Messages.Read, m.Messages.Failed,
			m.Contacts.New, m.Campaigns.Total}
	}
	if diff := cmp.Diff(counts{Total: 4, Sent: 4, Delivered: 3, Read: 2, NewContacts: 2}, of(d.Current)); diff != "" {
		t.Errorf("Current (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts{Total: 2, Sent: 2, Delivered: 2, Read: 1, NewContacts: 1, Campaigns: 1}, of(d.Previous)); diff != "" {
		t.Errorf("Previous (-want +got):\n%s", diff)
	}
	wantGrowth := analytics.Growth{
		Messages: 100, Sent: 100, Delivered: 50, Read: 100, Outbound: 100,
		NewContacts: 100, Campaigns: -100,
		DeliveryRate:     -25,   // 75 % after 100 %
		ReadRate:         16.67, // 66.67 % after 50 %
		CampaignDelivery: -80,   // no campaign after 80 %
	}
	if diff := cmp.Diff(wantGrowth, d.Growth); diff != "" {
		t.Errorf("Growth (-want +got):\n%s", diff)
	}
	var series []int64
	for _, s := range d.Series {
		series = append(series, s.Metrics.Messages.Total)
	}
	if diff := cmp.Diff([]int64{0, 1, 0, 1, 0, 1, 1}, series); diff != "" {
		t.Errorf("Series message totals, 2026-03-09 to 03-15 (-want +got):\n%s", diff)
	}
	wantLive := []analytics.Date{analytics.NewDate(2026, 3, 2), analytics.NewDate(2026, 3, 4), analytics.NewDate(2026, 3, 6),
		analytics.NewDate(2026, 3, 10), analytics.NewDate(2026, 3, 12), analytics.NewDate(2026, 3, 14)}
	if diff := cmp.Diff(wantLive, d.LiveDays); diff != "" {
		t.Errorf("LiveDays (-want +got):\n%s", diff)
	}
	if want := at(8, 10, 30); !d.Previous.Range.End.Equal(want) {
		t.Errorf("Previous ends at %v, want %v", d.Previous.Range.End.In(ny), want)
	}
	if want := at(2, 0, 0); !d.Previous.Range.Start.Equal(want) {
		t.Errorf("Previous starts at %v, want %v", d.Previous.Range.Start.In(ny), want)
	}
}

// TestGrowthOf: counts compare as percent changes, rates as differences in
// percentage points, average response times as percent changes.
func TestGrowthOf(t *testing.T) {
	t.Parallel()
	metrics := func(edit func(*analytics.Metrics)) analytics.Metrics {
		var m analytics.Metrics
		edit(&m)
		m.Derive()
		return m
	}
	cur := metrics(func(m *analytics.Metrics) {
		m.Messages = analytics.MessageMetrics{Total: 150, Sent: 120, Delivered: 90, Read: 45, Failed: 6, Replied: 30, Inbound: 30, Outbound: 120}
		m.Conversations = analytics.ConversationMetrics{Total: 10, ResponseCount: 3, ResponseTimeMs: 90_000}
		m.Contacts.New = 3
		m.Campaigns = analytics.CampaignMetrics{Total: 2, MessagesSent: 200, MessagesDelivered: 150}
	})
	prev := metrics(func(m *analytics.Metrics) {
		m.Messages = analytics.MessageMetrics{Total: 100, Sent: 80, Delivered: 72, Read: 18, Failed: 10, Inbound: 20, Outbound: 80}
		m.Conversations = analytics.ConversationMetrics{Total: 8, ResponseCount: 1, ResponseTimeMs: 40_000}
		m.Contacts.New = 4
		m.Campaigns = analytics.CampaignMetrics{MessagesSent: 3, MessagesDelivered: 1}
	})
	for _, tt := range []struct {
		name      string
		cur, prev analytics.Metrics
		want      analytics.Growth
	}{
		{"mixed", cur, prev, analytics.Growth{
			Messages: 50, Sent: 50, Delivered: 25, Read: 150, Replied: 100, Failed: -40, Inbound: 50, Outbound: 50,
			Conversations: 25, NewContacts: -25, Campaigns: 100,
			DeliveryRate:     -15,   // 75 % after 90 %
			ReadRate:         25,    // 50 % after 25 %
			ReplyRate:        25,    // 25 % after 0 %
			FailureRate:      -6,    // 4 % after 10 %
			AvgResponseTime:  -25,   // 30 s after 40 s
			CampaignDelivery: 41.67, // 75 % after 33.33 %
		}},
		{"to nothing", analytics.Metrics{}, prev, analytics.Growth{
			Messages: -100, Sent: -100, Delivered: -100, Read: -100, Failed: -100, Inbound: -100, Outbound: -100,
			Conversations: -100, NewContacts: -100,
			DeliveryRate: -90, ReadRate: -25, FailureRate: -10, AvgResponseTime: -100, CampaignDelivery: -33.33,
		}},
		{"nothing either side", analytics.Metrics{}, analytics.Metrics{}, analytics.Growth{}},
	} {
		if diff := cmp.Diff(tt.want, analytics.GrowthOf(tt.cur, tt.prev)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
