package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// tcell is one expected traffic cell: weekday, local hour, inbound and
// outbound messages, conversations.
type tcell struct {
	wd             time.Weekday
	hour           int
	in, out, convs int64
}

// traffic returns the Traffic of cells (nil for none).
func traffic(cells ...tcell) *analytics.Traffic {
	var h analytics.Heatmap
	for _, c := range cells {
		h.Add(c.wd, c.hour, analytics.TrafficCell{Inbound: c.in, Outbound: c.out, Conversations: c.convs})
	}
	tr, err := analytics.NewTraffic(&h)
	if err != nil {
		panic(err)
	}
	return tr
}

// trafficAddsUp returns an error unless m's traffic cells add up to its
// inbound and outbound messages and its conversations, as the package
// documentation of analytics requires.
func trafficAddsUp(m analytics.Metrics) error {
	tot := m.Traffic.Total()
	want := analytics.TrafficCell{Inbound: m.Messages.Inbound, Outbound: m.Messages.Outbound, Conversations: m.Conversations.Total}
	if tot != want {
		return fmt.Errorf("traffic adds up to %+v, want %+v", tot, want)
	}
	return nil
}

// trafficTeams holds teams west of UTC (New York across both its 2026
// daylight-saving changes, St John's at −03:30/−02:30, Honolulu), at an
// odd offset (Kathmandu, +05:45), and Kiritimati (+14), whose midnights
// are Honolulu's a day later. Every instant's local reading is in its
// comment.
func trafficTeams() Dataset {
	const N, K, S, X, H = "tr-nyc", "tr-ktm", "tr-stj", "tr-kir", "tr-hnl"
	return Dataset{
		Teams: []analytics.Team{
			{ID: N, TimeZone: "America/New_York", AccountIDs: []string{"n-1"}},
			{ID: K, TimeZone: "Asia/Kathmandu", AccountIDs: []string{"k-1"}},
			{ID: S, TimeZone: "America/St_Johns", AccountIDs: []string{"s-1", "s-2"}},
			{ID: X, TimeZone: "Pacific/Kiritimati"},
			{ID: H, TimeZone: "Pacific/Honolulu"},
		},
		Activity: store.Activity{
			Conversations: []store.Conversation{
				conv("c0", N, "n-1", "x", "open", "2026-10-01T12:00:00.000Z"), // long before the scans
				conv("c1", N, "n-1", "x", "open", "2026-10-31T12:00:00.000Z"), // Sat 08:00 EDT
				conv("c2", N, "n-1", "x", "open", "2026-11-01T05:59:59.000Z"), // Sun 01:59:59 EDT
				conv("c3", N, "n-1", "x", "open", "2026-11-01T06:00:00.000Z"), // Sun 01:00 EST; no messages
				conv("c4", N, "n-1", "x", "open", "2026-03-08T07:30:00.000Z"), // Sun 03:30 EDT
				conv("kc", K, "k-1", "x", "open", "2026-03-10T03:14:00.000Z"), // Tue 08:59
			},
			Messages: []store.Message{
				msg("n1", N, "n-1", "c1", in, "read", "2026-11-01T05:30:00.000Z"),  // Sun 01:30 EDT
				msg("n2", N, "n-1", "c1", out, "read", "2026-11-01T06:30:00.000Z"), // Sun 01:30 EST
				msg("n3", N, "n-1", "c0", in, "read", "2026-11-01T06:45:00.000Z"),  // Sun 01:45 EST
				msg("n4", N, "n-1", "", out, "sent", "2026-11-01T07:00:00.000Z"),   // Sun 02:00 EST
				msg("n5", N, "n-1", "c2", in, "read", "2026-11-02T04:59:59.999Z"),  // Sun 23:59:59.999 EST
				msg("n6", N, "n-1", "c2", out, "read", "2026-11-02T05:00:00.000Z"), // Mon 00:00 EST
				msg("s1", N, "n-1", "", in, "read", "2026-03-08T06:59:59.000Z"),    // Sun 01:59:59 EST
				msg("s2", N, "n-1", "", out, "sent", "2026-03-08T07:00:00.000Z"),   // Sun 03:00 EDT
				msg("s3", N, "n-1", "c4", in, "read", "2026-03-08T07:30:00.000Z"),  // Sun 03:30 EDT

				msg("k0", K, "k-1", "", in, "read", "2026-03-09T18:14:59.999Z"),    // Mon 23:59:59.999
				msg("k1", K, "k-1", "", in, "read", "2026-03-09T18:15:00.000Z"),    // Tue 00:00
				msg("k2", K, "k-1", "kc", out, "read", "2026-03-10T03:14:59.999Z"), // Tue 08:59:59.999
				msg("k3", K, "k-1", "kc", in, "read", "2026-03-10T03:15:00.000Z"),  // Tue 09:00

				msg("j1", S, "s-1", "", in, "read", "2026-07-15T02:30:00.000Z"),  // Wed 00:00 NDT
				msg("j2", S, "s-2", "", out, "sent", "2026-07-15T12:29:59.999Z"), // Wed 09:59:59.999
				msg("j3", S, "s-2", "", out, "sent", "2026-07-15T12:30:00.000Z"), // Wed 10:00
				msg("j4", S, "", "", in, "read", "2026-07-15T20:00:00.000Z"),     // Wed 17:30
				msg("w0", S, "s-1", "", in, "read", "2026-03-02T03:29:59.999Z"),  // Sun 03-01 23:59:59.999 NST
				msg("w1", S, "s-1", "", in, "read", "2026-03-02T03:30:00.000Z"),  // Mon 00:00 NST
				msg("w2", S, "s-1", "", out, "sent", "2026-03-08T05:29:59.000Z"), // Sun 01:59:59 NST
				msg("w3", S, "s-1", "", in, "read", "2026-03-08T05:30:00.000Z"),  // Sun 03:00 NDT

				msg("x1", X, "", "", in, "read", "2026-03-09T10:30:00.000Z"), // Tue 03-10 00:30 in Kiritimati
				msg("y1", H, "", "", in, "read", "2026-03-09T10:30:00.000Z"), // Mon 03-09 00:30 in Honolulu
			},
		},
	}
}

// testTraffic checks the traffic heatmap of days, weeks and a month of
// trafficTeams against hand-computed cells, in one request, and that the
// cells of every item add up to its message and conversation counts.
func testTraffic(t *testing.T, open Open) {
	s := open(t, trafficTeams())
	nyc, stj := "America/New_York", "America/St_Johns"
	fallBack := traffic(
		tcell{time.Sunday, 1, 2, 1, 2}, // n1 n3 in, n2 out, c2 c3: both 01:xx hours
		tcell{time.Sunday, 2, 0, 1, 0}, // n4, without a conversation
		tcell{time.Sunday, 23, 1, 0, 0},
	)
	tests := []struct {
		scope analytics.Scope
		p     analytics.Period
		want  *analytics.Traffic
	}{
		{analytics.TeamScope("tr-nyc"), period(analytics.Daily, "2026-11-01", nyc), fallBack},
		{analytics.AccountScope("tr-nyc", "n-1"), period(analytics.Daily, "2026-11-01", nyc), fallBack},
		// 23 h: nothing can be at 02:xx.
		{analytics.TeamScope("tr-nyc"), period(analytics.Daily, "2026-03-08", nyc), traffic(
			tcell{time.Sunday, 1, 1, 0, 0},
			tcell{time.Sunday, 3, 1, 1, 1}, // s3 in, s2 out, c4
		)},
		// The week of the fall-back Sunday adds c1 (Saturday 08:00).
		{analytics.TeamScope("tr-nyc"), period(analytics.Weekly, "2026-10-26", nyc), traffic(
			tcell{time.Sunday, 1, 2, 1, 2},
			tcell{time.Sunday, 2, 0, 1, 0},
			tcell{time.Sunday, 23, 1, 0, 0},
			tcell{time.Saturday, 8, 0, 0, 1},
		)},
		// November adds n6, Monday 00:00.
		{analytics.TeamScope("tr-nyc"), period(analytics.Monthly, "2026-11-01", nyc), traffic(
			tcell{time.Sunday, 1, 2, 1, 2},
			tcell{time.Sunday, 2, 0, 1, 0},
			tcell{time.Sunday, 23, 1, 0, 0},
			tcell{time.Monday, 0, 0, 1, 0},
		)},
		{analytics.TeamScope("tr-ktm"), period(analytics.Daily, "2026-03-10", "Asia/Kathmandu"), traffic(
			tcell{time.Tuesday, 0, 1, 0, 0},
			tcell{time.Tuesday, 8, 0, 1, 1}, // k2, kc
			tcell{time.Tuesday, 9, 1, 0, 0},
		)},
		{analytics.TeamScope("tr-stj"), period(analytics.Daily, "2026-07-15", stj), traffic(
			tcell{time.Wednesday, 0, 1, 0, 0},
			tcell{time.Wednesday, 9, 0, 1, 0},
			tcell{time.Wednesday, 10, 0, 1, 0},
			tcell{time.Wednesday, 17, 1, 0, 0}, // j4, no account: team-wide only
		)},
		{analytics.AccountScope("tr-stj", "s-2"), period(analytics.Daily, "2026-07-15", stj), traffic(
			tcell{time.Wednesday, 9, 0, 1, 0},
			tcell{time.Wednesday, 10, 0, 1, 0},
		)},
		{analytics.AccountScope("tr-stj", "s-1"), period(analytics.Weekly, "2026-03-02", stj), traffic(
			tcell{time.Monday, 0, 1, 0, 0},
			tcell{time.Sunday, 1, 0, 1, 0},
			tcell{time.Sunday, 3, 1, 0, 0},
		)},
		// One instant, the same period instants, a day apart.
		{analytics.TeamScope("tr-kir"), period(analytics.Daily, "2026-03-10", "Pacific/Kiritimati"), traffic(tcell{time.Tuesday, 0, 1, 0, 0})},
		{analytics.TeamScope("tr-hnl"), period(analytics.Daily, "2026-03-09", "Pacific/Honolulu"), traffic(tcell{time.Monday, 0, 1, 0, 0})},
	}
	req := analytics.AggregateRequest{}
	for _, tt := range tests {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: tt.scope, Period: tt.p})
	}
	got := aggregate(t, s, req)
	for i, tt := range tests {
		if d := diff(tt.want.Heatmap(), got[i].Traffic.Heatmap()); d != "" {
			t.Errorf("Aggregate %s: Traffic (-want +got):\n%s", describe(req.Items[i]), d)
		}
		if err := trafficAddsUp(got[i]); err != nil {
			t.Errorf("Aggregate %s: %v", describe(req.Items[i]), err)
		}
	}
}
