package analytics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

// A team in Berlin at 14:00 on Wednesday 2026-03-11. The nightly run has
// stored Tuesday's snapshot; RealTime counts today so far, and a two-day
// Dashboard adds Tuesday's snapshot to today and compares them with Sunday
// and Monday, Monday cut at 14:00 as today is. A memory-only cache serves
// repeated reads.
func ExampleService() {
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, berlin) }
	clock := analytics.NewFakeClock(at(11, 14))
	mem := memstore.New(&memstore.Config{Clock: clock})

	msg := func(id, status string, t time.Time) store.Message {
		return store.Message{ID: id, TeamID: "acme", AccountID: "wa-1", Status: status, CreatedAt: t}
	}
	err := mem.AddTeams(analytics.Team{ID: "acme", TimeZone: "Europe/Berlin", AccountIDs: []string{"wa-1"}})
	if err == nil {
		err = mem.Add(store.Activity{Messages: []store.Message{
			msg("m1", store.StatusDelivered, at(9, 10)), // Monday
			msg("m2", store.StatusRead, at(9, 11)),
			msg("m3", store.StatusFailed, at(9, 18)), // after 14:00: not compared
			msg("m4", store.StatusRead, at(10, 9)),   // Tuesday
			msg("m5", store.StatusRead, at(10, 9)),
			msg("m6", store.StatusDelivered, at(10, 12)),
			msg("m7", store.StatusFailed, at(10, 16)),
			msg("m8", store.StatusRead, at(11, 8)), // today
			msg("m9", store.StatusDelivered, at(11, 9)),
			msg("m10", store.StatusSent, at(11, 13)),
		}})
	}
	if err != nil {
		fmt.Println(err)
		return
	}

	cache, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock, Cache: cache})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The nightly run, writing Tuesday, through the Service so that it
	// refreshes the cache.
	if _, err := svc.Snapshotter().GenerateAll(ctx, analytics.Daily, clock.Now()); err != nil {
		fmt.Println(err)
		return
	}

	rt, err := svc.RealTime(ctx, analytics.TeamScope("acme"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := rt.Messages
	fmt.Printf("today %s to %s: %d messages, %d delivered, %d read; delivery %v%%, read %v%%\n",
		rt.Range.Start.In(berlin).Format("Jan 2 15:04"), rt.Range.End.In(berlin).Format("15:04"),
		m.Total, m.Delivered, m.Read, m.DeliveryRate, m.ReadRate)

	d, err := svc.Dashboard(ctx, "acme", 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	cur, prev := d.Current.Messages, d.Previous.Messages
	fmt.Printf("last %d days as of %s: %d messages (%d before, %+g%%)\n",
		d.Days, d.AsOf.In(berlin).Format("15:04"), cur.Total, prev.Total, d.Growth.Messages)
	fmt.Printf("delivery %v%% (%+g points), read %v%% (%+g points), failure %v%% (%+g points)\n",
		cur.DeliveryRate, d.Growth.DeliveryRate, cur.ReadRate, d.Growth.ReadRate, cur.FailureRate, d.Growth.FailureRate)
	for _, day := range d.Series {
		fmt.Printf("%s: %d messages\n", day.Date, day.Metrics.Messages.Total)
	}
	fmt.Println("aggregated live for want of a snapshot:", d.LiveDays)
	// Output:
	// today Mar 11 00:00 to 14:00: 3 messages, 2 delivered, 1 read; delivery 66.67%, read 50%
	// last 2 days as of 14:00: 7 messages (2 before, +250%)
	// delivery 83.33% (-16.67 points), read 60% (+10 points), failure 14.29% (+14.29 points)
	// 2026-03-10: 4 messages
	// 2026-03-11: 3 messages
	// aggregated live for want of a snapshot: [2026-03-08]
}
