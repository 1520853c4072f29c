package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// cell is one expected traffic cell: weekday, local hour, counts.
type cell struct {
	wd             time.Weekday
	hour           int
	in, out, convs int64
}

// heatmapOf returns the Heatmap holding cells.
func heatmapOf(cells ...cell) analytics.Heatmap {
	var h analytics.Heatmap
	for _, c := range cells {
		h.Add(c.wd, c.hour, analytics.TrafficCell{Inbound: c.in, Outbound: c.out, Conversations: c.convs})
	}
	return h
}

// trafficAddsUp returns an error unless m's traffic cells add up to its
// inbound and outbound messages and its conversations.
func trafficAddsUp(m analytics.Metrics) error {
	tot := m.Traffic.Total()
	want := analytics.TrafficCell{Inbound: m.Messages.Inbound, Outbound: m.Messages.Outbound, Conversations: m.Conversations.Total}
	if tot != want {
		return fmt.Errorf("traffic adds up to %+v, want %+v", tot, want)
	}
	return nil
}

// TestTraffic checks the traffic heatmap against hand-computed cells: days
// of New York's daylight-saving changes, a +05:45 and a −02:30 zone, and a
// St John's week that crosses its change to daylight time. Every instant's
// local reading is in its comment.
func TestTraffic(t *testing.T) {
	t.Parallel()
	a := trafficActivity()
	ny, ktm, stj := mustZone(t, "America/New_York"), mustZone(t, "Asia/Kathmandu"), mustZone(t, "America/St_Johns")
	tests := []struct {
		name  string
		scope analytics.Scope
		p     analytics.Period
		want  analytics.Heatmap
	}{
		{"New York, fall back", analytics.TeamScope("ny"), periodOf(t, analytics.Daily, "2026-11-01", ny), heatmapOf(
			cell{time.Sunday, 0, 0, 1, 0},
			cell{time.Sunday, 1, 2, 1, 2}, // f2 f3 in, f4 out, k1 k2: both 01:xx hours
			cell{time.Sunday, 2, 0, 1, 0},
			cell{time.Sunday, 23, 1, 0, 0},
		)},
		{"New York, fall back, account wb", analytics.AccountScope("ny", "wb"), periodOf(t, analytics.Daily, "2026-11-01", ny), heatmapOf(
			cell{time.Sunday, 1, 0, 1, 1}, // f4, k2
		)},
		{"New York, spring forward", analytics.TeamScope("ny"), periodOf(t, analytics.Daily, "2026-03-08", ny), heatmapOf(
			cell{time.Sunday, 0, 0, 1, 0},
			cell{time.Sunday, 1, 1, 0, 0},
			cell{time.Sunday, 3, 1, 0, 0}, // no hour 2
			cell{time.Sunday, 23, 0, 1, 0},
		)},
		{"Kathmandu", analytics.TeamScope("ktm"), periodOf(t, analytics.Daily, "2026-03-10", ktm), heatmapOf(
			cell{time.Tuesday, 0, 1, 0, 0},
			cell{time.Tuesday, 8, 0, 1, 0},
			cell{time.Tuesday, 9, 0, 1, 0},
			cell{time.Tuesday, 23, 1, 0, 0},
		)},
		{"St John's, summer day", analytics.TeamScope("stj"), periodOf(t, analytics.Daily, "2026-07-15", stj), heatmapOf(
			cell{time.Wednesday, 0, 1, 0, 0},
			cell{time.Wednesday, 9, 0, 1, 0},
			cell{time.Wednesday, 10, 0, 1, 0},
		)},
		{"St John's, week", analytics.AccountScope("stj", "wa"), periodOf(t, analytics.Weekly, "2026-03-02", stj), heatmapOf(
			cell{time.Monday, 0, 1, 0, 0},
			cell{time.Thursday, 11, 0, 1, 0},
			cell{time.Sunday, 1, 0, 1, 0},
			cell{time.Sunday, 3, 1, 0, 1},
			cell{time.Sunday, 23, 1, 0, 0},
		)},
	}
	var req analytics.AggregateRequest
	for _, tt := range tests {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: tt.scope, Period: tt.p})
	}
	got, err := store.ComputeMetrics(a, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if d := cmp.Diff(tt.want, got[i].Traffic.Heatmap()); d != "" {
			t.Errorf("%s: traffic (-want +got):\n%s", tt.name, d)
		}
		if err := trafficAddsUp(got[i]); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// trafficActivity is TestTraffic's activity: New York's daylight-saving
// days of 2026, Kathmandu (+05:45), and St John's at −02:30 and across its
// change to daylight time. Every instant's local reading is in its comment.
func trafficActivity() *store.Activity {
	m := func(id, team, acct, conv string, inbound bool, at string) store.Message {
		return store.Message{ID: id, TeamID: team, AccountID: acct, ConversationID: conv, Inbound: inbound, Status: "sent", CreatedAt: parse(at)}
	}
	c := func(id, team, acct, at string) store.Conversation {
		return store.Conversation{ID: id, TeamID: team, AccountID: acct, ContactID: "x", Status: "open", CreatedAt: parse(at)}
	}
	const in, out = true, false
	return &store.Activity{
		Messages: []store.Message{
			// New York, Sunday 2026-11-01, 25 h: [04:00Z, 05:00Z next day).
			m("f0", "ny", "wa", "", out, "2026-11-01T03:59:59.999Z"),   // Sat 23:59:59.999 EDT: not the day's
			m("f1", "ny", "wa", "", out, "2026-11-01T04:00:00Z"),       // 00:00 EDT
			m("f2", "ny", "wa", "k1", in, "2026-11-01T05:30:00Z"),      // 01:30 EDT
			m("f3", "ny", "wa", "k2", in, "2026-11-01T06:30:00Z"),      // 01:30 EST, the repeated hour
			m("f4", "ny", "wb", "k2", out, "2026-11-01T06:59:59.999Z"), // 01:59:59.999 EST
			m("f5", "ny", "wa", "", out, "2026-11-01T07:00:00Z"),       // 02:00 EST
			m("f6", "ny", "wa", "", in, "2026-11-02T04:59:59.999Z"),    // 23:59:59.999 EST
			m("f7", "ny", "wa", "", in, "2026-11-02T05:00:00Z"),        // Mon 00:00 EST: not the day's
			// New York, Sunday 2026-03-08, 23 h: [05:00Z, 04:00Z next day).
			m("s1", "ny", "wa", "", out, "2026-03-08T05:00:00Z"),     // 00:00 EST
			m("s2", "ny", "wa", "", in, "2026-03-08T06:59:59.999Z"),  // 01:59:59.999 EST
			m("s3", "ny", "wa", "", in, "2026-03-08T07:00:00Z"),      // 03:00 EDT: 02:00 does not exist
			m("s4", "ny", "wa", "", out, "2026-03-09T03:59:59.999Z"), // 23:59:59.999 EDT
			// Kathmandu (+05:45), Tuesday 2026-03-10: [03-09T18:15Z, 03-10T18:15Z).
			m("k0", "ktm", "wa", "", in, "2026-03-09T18:14:59.999Z"),  // Mon 23:59:59.999: not the day's
			m("k1", "ktm", "wa", "", in, "2026-03-09T18:15:00Z"),      // 00:00
			m("k2", "ktm", "wa", "", out, "2026-03-10T03:14:59.999Z"), // 08:59:59.999
			m("k3", "ktm", "wa", "", out, "2026-03-10T03:15:00Z"),     // 09:00
			m("k4", "ktm", "wa", "", in, "2026-03-10T18:14:59.999Z"),  // 23:59:59.999
			// St John's, Wednesday 2026-07-15 at −02:30 (NDT): [02:30Z, 02:30Z next day).
			m("j1", "stj", "wa", "", in, "2026-07-15T02:30:00Z"),      // 00:00
			m("j2", "stj", "wa", "", out, "2026-07-15T12:29:59.999Z"), // 09:59:59.999
			m("j3", "stj", "wa", "", out, "2026-07-15T12:30:00Z"),     // 10:00
			// St John's, the week of Monday 2026-03-02, whose Sunday 03-08
			// goes from −03:30 to −02:30 at 02:00 local:
			// [03-02T03:30Z, 03-09T02:30Z).
			m("w0", "stj", "wa", "", in, "2026-03-02T03:29:59.999Z"), // Sun 03-01 23:59:59.999 NST: not the week's
			m("w1", "stj", "wa", "", in, "2026-03-02T03:30:00Z"),     // Mon 00:00 NST
			m("w2", "stj", "wa", "", out, "2026-03-05T15:29:59Z"),    // Thu 11:59:59 NST
			m("w3", "stj", "wa", "", out, "2026-03-08T05:29:59Z"),    // Sun 01:59:59 NST
			m("w4", "stj", "wa", "", in, "2026-03-08T05:30:00Z"),     // Sun 03:00 NDT
			m("w5", "stj", "wa", "", in, "2026-03-09T02:29:59.999Z"), // Sun 23:59:59.999 NDT
			m("w6", "stj", "wa", "", in, "2026-03-09T02:30:00Z"),     // Mon 03-09 00:00 NDT: not the week's
		},
		Conversations: []store.Conversation{
			c("k1", "ny", "wa", "2026-11-01T05:10:00Z"),  // 01:10 EDT
			c("k2", "ny", "wb", "2026-11-01T06:10:00Z"),  // 01:10 EST
			c("k3", "ny", "wa", "2026-11-02T05:00:00Z"),  // Mon 00:00 EST: not the day's
			c("kw", "stj", "wa", "2026-03-08T05:30:00Z"), // Sun 03:00 NDT
		},
	}
}

func parse(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := analytics.Team{TimeZone: name}.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func periodOf(t *testing.T, typ analytics.SnapshotType, day string, loc *time.Location) analytics.Period {
	t.Helper()
	d, err := analytics.ParseDate(day)
	if err != nil {
		t.Fatal(err)
	}
	p, err := analytics.PeriodForDate(typ, d, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
