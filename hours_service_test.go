package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

// bizFixture is a memstore with team "biz" in New York, open Monday to
// Friday 09:00–17:00, and two answered turns on Monday 2026-03-02: 10:00
// to 10:30 EST (30 min, all in hours) and 16:30 EST to Tuesday 09:15 (16 h
// 45 min, of which 30 + 15 min in hours); 75 min = 4,500,000 ms of business
// time, each conversation's first response too.
func bizFixture(t *testing.T, now time.Time) (*memstore.Store, *analytics.FakeClock) {
	t.Helper()
	clock := analytics.NewFakeClock(now)
	mem := memstore.New(&memstore.Config{Clock: clock})
	h := &analytics.WorkingHours{}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h.Days[wd] = []analytics.ClockRange{{Start: 9 * 60, End: 17 * 60}}
	}
	if err := mem.AddTeams(analytics.Team{ID: "biz", TimeZone: "America/New_York", Hours: h}); err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		x, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	m := func(id, conv string, inbound bool, s string) store.Message {
		return store.Message{ID: id, TeamID: "biz", ConversationID: conv, Inbound: inbound, Status: "read", CreatedAt: at(s)}
	}
	err := mem.Add(store.Activity{
		Conversations: []store.Conversation{
			{ID: "c1", TeamID: "biz", Status: "open", CreatedAt: at("2026-03-02T15:00:00Z")},
			{ID: "c2", TeamID: "biz", Status: "open", CreatedAt: at("2026-03-02T21:30:00Z")},
		},
		Messages: []store.Message{
			m("m1", "c1", true, "2026-03-02T15:00:00Z"), m("m2", "c1", false, "2026-03-02T15:30:00Z"),
			m("m3", "c2", true, "2026-03-02T21:30:00Z"), m("m4", "c2", false, "2026-03-03T14:15:00Z"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return mem, clock
}

// business returns the business counts of m: turns, their sum in ms, first
// responses and their sum.
func business(m analytics.Metrics) [4]int64 {
	cv := m.Conversations
	return [4]int64{cv.BusinessResponseCount, cv.BusinessResponseTimeMs, cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs}
}

// TestSnapshotBusinessHours checks that the Snapshotter measures business
// times against the team's hours, that its daily snapshots keep them when
// the hours change, that regenerating applies the new hours, and that a
// weekly roll-up adds the days.
func TestSnapshotBusinessHours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, clock := bizFixture(t, time.Date(2026, 3, 12, 12, 0, 0, 0, time.UTC))
	sn, err := analytics.NewSnapshotter(mem, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	mon, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 2), ny)
	snap, err := sn.Generate(ctx, analytics.TeamScope("biz"), mon)
	if err != nil {
		t.Fatal(err)
	}
	want := [4]int64{2, 4500000, 2, 4500000}
	if got := business(snap.Metrics); got != want {
		t.Errorf("daily snapshot business counts = %v, want %v", got, want)
	}
	for d := 3; d <= 8; d++ {
		p, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, d), ny)
		if _, err := sn.Generate(ctx, analytics.TeamScope("biz"), p); err != nil {
			t.Fatal(err)
		}
	}
	week, _ := analytics.PeriodForDate(analytics.Weekly, analytics.NewDate(2026, 3, 2), ny)
	ws, err := sn.Generate(ctx, analytics.TeamScope("biz"), week)
	if err != nil {
		t.Fatal(err)
	}
	if got := business(ws.Metrics); got != want {
		t.Errorf("weekly snapshot business counts = %v, want %v", got, want)
	}

	// New hours leave the stored snapshot as it was…
	if err := mem.SetTeamHours("biz", nil); err != nil {
		t.Fatal(err)
	}
	stored, err := mem.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("biz"), Type: analytics.Daily, From: mon.Date, To: mon.Date})
	if err != nil || len(stored) != 1 {
		t.Fatalf("Snapshots: %v, %v", stored, err)
	}
	if got := business(stored[0].Metrics); got != want {
		t.Errorf("stored snapshot after new hours = %v, want %v", got, want)
	}
	// …until it is generated again.
	snap, err = sn.Generate(ctx, analytics.TeamScope("biz"), mon)
	if err != nil {
		t.Fatal(err)
	}
	if got := business(snap.Metrics); got != [4]int64{} {
		t.Errorf("regenerated without hours = %v, want zeros", got)
	}
}

// TestServiceBusinessHours checks that RealTime and Dashboard measure
// business times against the team's hours: at Monday 17:00 EST, today so
// far holds both turns (the store already has the second's answer).
func TestServiceBusinessHours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, clock := bizFixture(t, time.Date(2026, 3, 2, 22, 0, 0, 0, time.UTC))
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := svc.RealTime(ctx, analytics.TeamScope("biz"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := business(rt), [4]int64{2, 4500000, 2, 4500000}; got != want {
		t.Errorf("RealTime business counts = %v, want %v", got, want)
	}
	clock.Set(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	d, err := svc.Dashboard(ctx, "biz", 7)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := business(d.Current), [4]int64{2, 4500000, 2, 4500000}; got != want {
		t.Errorf("Dashboard business counts = %v, want %v", got, want)
	}
	if got := d.Current.Conversations.AvgBusinessResponseTime; got != 2250 {
		t.Errorf("Dashboard avgBusinessResponseTime = %v, want 2250", got)
	}
}
