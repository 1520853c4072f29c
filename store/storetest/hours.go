package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// The business-hours dataset. Every expected time below was worked out by
// hand from the definition (analytics package documentation, Business
// hours); the comments give local times and the arithmetic.

const (
	hoursNY  = "hours-ny"  // America/New_York, west of UTC, with 2026-03-08's change
	hoursKTM = "hours-ktm" // Asia/Kathmandu, UTC+05:45 all year
)

// nyHours are Monday to Friday 09:00–17:00, Sunday 01:00–04:00 (which on
// 2026-03-08 is 01:00 EST to 04:00 EDT: two hours), closed on Thursday
// 2026-03-05.
func nyHours() *analytics.WorkingHours {
	h := &analytics.WorkingHours{Closed: []analytics.Date{analytics.NewDate(2026, time.March, 5)}}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h.Days[wd] = []analytics.ClockRange{{Start: 9 * 60, End: 17 * 60}}
	}
	h.Days[time.Sunday] = []analytics.ClockRange{{Start: 60, End: 4 * 60}}
	return h
}

// ktmHours are every day 10:00–18:00.
func ktmHours() *analytics.WorkingHours {
	h := &analytics.WorkingHours{}
	for wd := range h.Days {
		h.Days[wd] = []analytics.ClockRange{{Start: 10 * 60, End: 18 * 60}}
	}
	return h
}

// hoursDataset holds one conversation per case, each an inbound message
// that opens it and, but for h6, its answer.
func hoursDataset() Dataset {
	const N, K = hoursNY, hoursKTM
	c := func(id, team, acct, at string) store.Conversation { return conv(id, team, acct, "", "open", at) }
	return Dataset{
		Teams: []analytics.Team{
			{ID: N, TimeZone: "America/New_York", AccountIDs: []string{"hny-wa"}, Hours: nyHours()},
			{ID: K, TimeZone: "Asia/Kathmandu", AccountIDs: []string{"hktm-wa"}, Hours: ktmHours()},
		},
		Activity: store.Activity{
			Conversations: []store.Conversation{
				c("h1", N, "hny-wa", "2026-03-02T15:00:00.000Z"), c("h2", N, "hny-wa", "2026-03-02T21:30:00.000Z"),
				c("h3", N, "hny-wa", "2026-03-04T21:00:00.000Z"), c("h4", N, "hny-wa", "2026-03-06T12:00:00.000Z"),
				c("h5", N, "hny-wa", "2026-03-08T04:00:00.000Z"), c("h6", N, "hny-wa", "2026-03-06T15:00:00.000Z"),
				c("h8", N, "hny-wa", "2026-03-05T15:00:00.000Z"), c("h7", K, "hktm-wa", "2026-03-02T11:45:00.000Z"),
			},
			Messages: []store.Message{
				// Inside hours: Mon 10:00 EST to 10:45:30.250, all of it.
				msg("h1a", N, "hny-wa", "h1", in, "read", "2026-03-02T15:00:00.000Z"),
				msg("h1b", N, "hny-wa", "h1", out, "read", "2026-03-02T15:45:30.250Z"),
				// Over the close: Mon 16:30 EST to Tue 09:15, 30 + 15 min.
				msg("h2a", N, "hny-wa", "h2", in, "read", "2026-03-02T21:30:00.000Z"),
				msg("h2b", N, "hny-wa", "h2", out, "read", "2026-03-03T14:15:00.000Z"),
				// Over the closed Thursday: Wed 16:00 EST to Fri 09:30, 1 h + 0 + 30 min.
				msg("h3a", N, "hny-wa", "h3", in, "read", "2026-03-04T21:00:00.000Z"),
				msg("h3b", N, "hny-wa", "h3", out, "read", "2026-03-06T14:30:00.000Z"),
				// Answered before opening: Fri 07:00 EST to 08:30, 0.
				msg("h4a", N, "hny-wa", "h4", in, "read", "2026-03-06T12:00:00.000Z"),
				msg("h4b", N, "hny-wa", "h4", out, "read", "2026-03-06T13:30:00.000Z"),
				// Over the change to EDT: Sat 23:00 EST to Sun 05:00 EDT,
				// open 01:00 EST (06:00Z) to 04:00 EDT (08:00Z): 2 h.
				msg("h5a", N, "hny-wa", "h5", in, "read", "2026-03-08T04:00:00.000Z"),
				msg("h5b", N, "hny-wa", "h5", out, "read", "2026-03-08T09:00:00.000Z"),
				// Unanswered: Fri 10:00 EST.
				msg("h6a", N, "hny-wa", "h6", in, "received", "2026-03-06T15:00:00.000Z"),
				// On the closed Thursday: 10:00 EST to 11:00, 0.
				msg("h8a", N, "hny-wa", "h8", in, "read", "2026-03-05T15:00:00.000Z"),
				msg("h8b", N, "hny-wa", "h8", out, "read", "2026-03-05T16:00:00.000Z"),
				// Kathmandu, Mon 17:30 NPT to Tue 10:15, 30 + 15 min.
				msg("h7a", K, "hktm-wa", "h7", in, "read", "2026-03-02T11:45:00.000Z"),
				msg("h7b", K, "hktm-wa", "h7", out, "read", "2026-03-03T04:30:00.000Z"),
			},
		},
	}
}

// hoursView is the part of Metrics the business-hours cases check.
type hoursView struct {
	Conversations, ResponseCount, ResponseTimeMs, Unanswered int64
	FirstResponseCount, FirstResponseTimeMs                  int64
	BusinessResponseCount, BusinessResponseTimeMs            int64
	BusinessFirstResponseCount, BusinessFirstResponseTimeMs  int64
	BusinessHistogram                                        analytics.Histogram
	AvgBusinessResponseTime, AvgBusinessFirstResponseTime    float64
}

func viewHours(m analytics.Metrics) hoursView {
	cv := m.Conversations
	return hoursView{cv.Total, cv.ResponseCount, cv.ResponseTimeMs, cv.Unanswered, cv.FirstResponseCount, cv.FirstResponseTimeMs,
		cv.BusinessResponseCount, cv.BusinessResponseTimeMs, cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs,
		cv.BusinessHistogram, cv.AvgBusinessResponseTime, cv.AvgBusinessFirstResponseTime}
}

// histOf is the histogram of business times given in milliseconds.
func histOf(ms ...int64) analytics.Histogram {
	var h analytics.Histogram
	for _, x := range ms {
		h.Observe(time.Duration(x) * time.Millisecond)
	}
	return h
}

var hoursTests = []subtest{
	{"BusinessHours", testBusinessHours},
	{"TeamsHaveHours", testTeamsHaveHours},
}

// testBusinessHours checks the business times of the hand-computed cases,
// with a 48-hour reply window (so that h3 spans the closed Thursday).
func testBusinessHours(t *testing.T, open Open) {
	d := hoursDataset()
	s := open(t, d)
	hours := map[string]*analytics.WorkingHours{hoursNY: nyHours(), hoursKTM: ktmHours()}
	nyWeek := period(analytics.Weekly, "2026-03-02", "America/New_York")
	nyMon := period(analytics.Daily, "2026-03-02", "America/New_York")
	utcMon := nyMon // the same instants, hours read in UTC
	utcMon.Start, utcMon.End = nyMon.Start.UTC(), nyMon.End.UTC()
	ktmMon := period(analytics.Daily, "2026-03-02", "Asia/Kathmandu")
	items := []analytics.ScopePeriod{
		{Scope: analytics.TeamScope(hoursNY), Period: nyWeek},
		{Scope: analytics.AccountScope(hoursNY, "hny-wa"), Period: nyWeek},
		{Scope: analytics.TeamScope(hoursNY), Period: nyMon},
		{Scope: analytics.TeamScope(hoursNY), Period: utcMon},
		{Scope: analytics.TeamScope(hoursKTM), Period: ktmMon},
	}
	// The week: h1…h5 and h8 answered, h6 not. Calendar times
	// 2,730,250 + 60,300,000 (16 h 45 min) + 149,400,000 (41 h 30 min) +
	// 5,400,000 + 18,000,000 (5 h) + 3,600,000 = 239,430,250 ms; business
	// 2,730,250 + 2,700,000 + 5,400,000 + 0 + 7,200,000 + 0 = 18,030,250 ms.
	// Each conversation opens with its turn, so first responses are the
	// same.
	week := hoursView{7, 6, 239430250, 1, 6, 239430250, 6, 18030250, 6, 18030250,
		histOf(2730250, 2700000, 5400000, 0, 7200000, 0), 3005.04, 3005.04}
	// Monday in New York: h1 and h2; business 2,730,250 + 2,700,000.
	mon := hoursView{2, 2, 63030250, 0, 2, 63030250, 2, 5430250, 2, 5430250,
		histOf(2730250, 2700000), 2715.13, 2715.13}
	// The same instants with the hours read in UTC: h1 15:00Z–15:45:30.250Z
	// is all inside 09:00–17:00; h2 21:30Z Mon to 14:15Z Tue is 0 + 5 h 15
	// min (18,900,000); 21,630,250 in all.
	utc := hoursView{2, 2, 63030250, 0, 2, 63030250, 2, 21630250, 2, 21630250,
		histOf(2730250, 18900000), 10815.13, 10815.13}
	// Kathmandu's Monday: h7, 60,300,000 calendar, 2,700,000 business.
	ktm := hoursView{1, 1, 60300000, 0, 1, 60300000, 1, 2700000, 1, 2700000, histOf(2700000), 2700, 2700}
	want := []hoursView{week, week, mon, utc, ktm}
	got := aggregate(t, s, analytics.AggregateRequest{Items: items, ReplyWindow: 48 * time.Hour, WorkingHours: hours})
	for i := range items {
		if dd := diff(want[i], viewHours(got[i])); dd != "" {
			t.Errorf("Aggregate %s (-want +got):\n%s", describe(items[i]), dd)
		}
	}
	// The week is the Merge of its days.
	var days []analytics.ScopePeriod
	for p := period(analytics.Daily, "2026-03-02", "America/New_York"); p.Start.Before(nyWeek.End); p = p.Next() {
		days = append(days, analytics.ScopePeriod{Scope: analytics.TeamScope(hoursNY), Period: p})
	}
	dms := aggregate(t, s, analytics.AggregateRequest{Items: days, ReplyWindow: 48 * time.Hour, WorkingHours: hours})
	if dd := diff(week, viewHours(analytics.Merge(dms...))); dd != "" {
		t.Errorf("Merge of the days of the week (-want +got):\n%s", dd)
	}
	// Without working hours in the request, every business field is 0.
	none := aggregate(t, s, analytics.AggregateRequest{Items: items[:1], ReplyWindow: 48 * time.Hour})
	week.BusinessResponseCount, week.BusinessResponseTimeMs, week.BusinessHistogram = 0, 0, analytics.Histogram{}
	week.BusinessFirstResponseCount, week.BusinessFirstResponseTimeMs = 0, 0
	week.AvgBusinessResponseTime, week.AvgBusinessFirstResponseTime = 0, 0
	if dd := diff(week, viewHours(none[0])); dd != "" {
		t.Errorf("Aggregate without working hours (-want +got):\n%s", dd)
	}
}

// testTeamsHaveHours checks that Teams and Team return the teams' working
// hours.
func testTeamsHaveHours(t *testing.T, open Open) {
	d := hoursDataset()
	s := open(t, d)
	ctx := context.Background()
	teams, err := s.Teams(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*analytics.WorkingHours{}
	for _, tm := range teams {
		byID[tm.ID] = tm.Hours
	}
	one, err := s.Team(ctx, hoursNY)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want *analytics.WorkingHours
	}{
		{"Teams " + hoursNY, byID[hoursNY], nyHours()},
		{"Teams " + hoursKTM, byID[hoursKTM], ktmHours()},
		{"Team " + hoursNY, one.Hours, nyHours()},
	} {
		if dd := diff(c.want, c.got); dd != "" {
			t.Errorf("%s: Hours (-want +got):\n%s", c.what, dd)
		}
	}
}
