package analytics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

// A team in Berlin, a morning of messages, and a nightly run: at 02:00
// local time on Wednesday, GenerateAll writes Tuesday's snapshots for the
// team and its account.
func ExampleSnapshotter_GenerateAll() {
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 11, 1, 0, 0, 0, time.UTC)) // 02:00 in Berlin
	mem := memstore.New(&memstore.Config{Clock: clock})

	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(hour, min, sec int) time.Time { return time.Date(2026, 3, 10, hour, min, sec, 0, berlin) }
	msg := func(id string, inbound bool, status string, t time.Time) store.Message {
		return store.Message{ID: id, TeamID: "acme", AccountID: "wa-1", ConversationID: "conv-1",
			Inbound: inbound, Status: status, CreatedAt: t}
	}
	err := mem.AddTeams(analytics.Team{ID: "acme", TimeZone: "Europe/Berlin", AccountIDs: []string{"wa-1"}})
	if err == nil {
		err = mem.Add(store.Activity{
			Contacts: []store.Contact{{ID: "contact-1", TeamID: "acme", CreatedAt: at(8, 0, 0), EngagementScore: 62.5}},
			Conversations: []store.Conversation{{ID: "conv-1", TeamID: "acme", AccountID: "wa-1",
				ContactID: "contact-1", Status: store.ConversationOpen, CreatedAt: at(9, 0, 0)}},
			Messages: []store.Message{
				msg("m1", true, store.StatusRead, at(9, 0, 0)),         // the customer writes
				msg("m2", false, store.StatusRead, at(9, 2, 30)),       // answered in 150 s
				msg("m3", true, store.StatusRead, at(10, 0, 0)),        // replies to m2
				msg("m4", false, store.StatusDelivered, at(10, 0, 30)), // answered in 30 s
				msg("m5", false, store.StatusFailed, at(18, 0, 0)),
			},
		})
	}
	if err != nil {
		fmt.Println(err)
		return
	}

	snapshotter, err := analytics.NewSnapshotter(mem, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := snapshotter.GenerateAll(ctx, analytics.Daily, clock.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d team, %d snapshots written, %d failed\n", rep.Teams, rep.Succeeded, rep.Failed)

	tuesday := analytics.NewDate(2026, 3, 10)
	snaps, err := mem.Snapshots(ctx, analytics.SnapshotQuery{
		Scope: analytics.TeamScope("acme"), Type: analytics.Daily, From: tuesday, To: tuesday})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := snaps[0]
	m, c := s.Metrics.Messages, s.Metrics.Conversations
	fmt.Printf("%s %s: %d messages, %d sent, %d replied\n", s.Scope, s.Date, m.Total, m.Sent, m.Replied)
	fmt.Printf("delivery %v%%, read %v%%, reply %v%%, failure %v%%\n", m.DeliveryRate, m.ReadRate, m.ReplyRate, m.FailureRate)
	fmt.Printf("response time: mean %vs, median %vs, p90 %vs, first %vs\n",
		c.AvgResponseTime, c.MedianResponseTime, c.P90ResponseTime, c.AvgFirstResponseTime)
	fmt.Printf("contacts: %d, %d new, %d active, mean score %v\n", s.Metrics.Contacts.Total,
		s.Metrics.Contacts.New, s.Metrics.Contacts.Active, s.Metrics.Contacts.AvgEngagementScore)
	// Output:
	// 1 team, 2 snapshots written, 0 failed
	// acme 2026-03-10: 5 messages, 4 sent, 1 replied
	// delivery 100%, read 75%, reply 25%, failure 20%
	// response time: mean 90s, median 60s, p90 300s, first 150s
	// contacts: 1, 1 new, 1 active, mean score 62.5
}
