package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var aggregateTests = []subtest{
	{"HandComputed", testHandComputed},
	{"ReplyWindow", testReplyWindow},
	{"Contacts", testContacts},
	{"TimeZones", testTimeZones},
	{"Traffic", testTraffic},
	{"Tenants", testTenants},
	{"MatchesComputeMetrics", testMatchesComputeMetrics},
	{"Sketches", testAggregateSketches},
	{"NoActivity", testNoActivity},
	{"InvalidRequest", testInvalidAggregate},
}

// merge joins datasets whose team IDs differ.
func merge(ds ...Dataset) Dataset {
	var out Dataset
	for _, d := range ds {
		out.Teams = append(out.Teams, d.Teams...)
		a := &out.Activity
		a.Messages = append(a.Messages, d.Activity.Messages...)
		a.Conversations = append(a.Conversations, d.Activity.Conversations...)
		a.Contacts = append(a.Contacts, d.Activity.Contacts...)
		a.Campaigns = append(a.Campaigns, d.Activity.Campaigns...)
	}
	return out
}

// generated returns pseudo-random activity of three teams in zones with and
// without daylight saving, from 2026-02-16 to 2026-04-13, built to hit the
// edges of the definitions: reply gaps of exactly the window and a
// millisecond more, simultaneous messages, conversations created before or
// after their contact, messages on another account than their
// conversation's, with no conversation or a conversation that does not
// exist. New York and Kolkata have working hours (genHours). The same seed
// gives the same dataset.
func generated(seed uint64) Dataset {
	g := &generator{
		r:     rand.New(rand.NewPCG(seed, 0x5eed)),
		start: ts("2026-02-16T00:00:00.000Z"),
	}
	for _, team := range []struct{ id, zone string }{
		{"gen-kolkata", "Asia/Kolkata"}, {"gen-new-york", "America/New_York"}, {"gen-berlin", "Europe/Berlin"},
	} {
		t := &genTeam{generator: g, id: team.id, accounts: []string{team.id + "-wa2", team.id + "-wa1"}}
		g.d.Teams = append(g.d.Teams, analytics.Team{ID: t.id, TimeZone: team.zone, AccountIDs: t.accounts, Hours: genHours(team.zone)})
		t.contacts()
		t.conversations()
		t.looseMessages()
		t.campaigns()
	}
	return g.d
}

// genHours are the working hours of generated's team in zone: for New
// York, weekdays 08:30–12:00 and 12:45–18:00 and Sunday 01:00–04:00 (the
// hours of its clock changes), closed on 2026-03-09; for Kolkata, every
// day 10:00–22:00; none for the others.
func genHours(zone string) *analytics.WorkingHours {
	h := &analytics.WorkingHours{}
	switch zone {
	case "America/New_York":
		for wd := time.Monday; wd <= time.Friday; wd++ {
			h.Days[wd] = []analytics.ClockRange{{Start: 8*60 + 30, End: 12 * 60}, {Start: 12*60 + 45, End: 18 * 60}}
		}
		h.Days[time.Sunday] = []analytics.ClockRange{{Start: 60, End: 4 * 60}}
		h.Closed = []analytics.Date{analytics.NewDate(2026, time.March, 9)}
	case "Asia/Kolkata":
		for wd := range h.Days {
			h.Days[wd] = []analytics.ClockRange{{Start: 10 * 60, End: 22 * 60}}
		}
	default:
		return nil
	}
	return h
}

// hoursOf returns the working hours of the teams that have some, by ID.
func hoursOf(teams []analytics.Team) map[string]*analytics.WorkingHours {
	out := map[string]*analytics.WorkingHours{}
	for _, t := range teams {
		if t.Hours != nil {
			out[t.ID] = t.Hours
		}
	}
	return out
}

// genSpan is how long generated's activity runs from its start.
const genSpan = 8 * 7 * 24 * time.Hour

// generator is generated's state: its random source and the dataset so far.
type generator struct {
	r     *rand.Rand
	start time.Time
	d     Dataset
}

// randTime returns a random instant in [from, from+d), in whole ms.
func (g *generator) randTime(from time.Time, d time.Duration) time.Time {
	return from.Add(time.Duration(g.r.Int64N(int64(d/time.Millisecond))) * time.Millisecond)
}

// pick returns one of xs at random.
func (g *generator) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// genContacts is the number of contacts of each generated team.
const genContacts = 30

// genTeam generates one team's activity.
type genTeam struct {
	*generator
	id       string
	accounts []string
	mid      int // the number of the next message
}

// account returns one of the team's accounts, or "" one time in 8.
func (t *genTeam) account() string {
	if t.r.IntN(8) == 0 {
		return ""
	}
	return t.accounts[t.r.IntN(len(t.accounts))]
}

// contacts adds the team's contacts, some created before the start.
func (t *genTeam) contacts() {
	a := &t.d.Activity
	for i := range genContacts {
		a.Contacts = append(a.Contacts, store.Contact{
			ID: fmt.Sprintf("%s-c%d", t.id, i), TeamID: t.id,
			CreatedAt:       t.randTime(t.start.Add(-14*24*time.Hour), genSpan),
			Blocked:         t.r.IntN(5) == 0,
			EngagementScore: float64(t.r.IntN(100_001)) / 1000, // three decimals, 0–100
		})
	}
}

// message adds a message of conversation conv on account acc at at.
func (t *genTeam) message(conv, acc string, at time.Time) {
	t.d.Activity.Messages = append(t.d.Activity.Messages, store.Message{
		ID: fmt.Sprintf("%s-m%04d", t.id, t.mid), TeamID: t.id, AccountID: acc, ConversationID: conv,
		Status:  t.pick("sent", "delivered", "read", "read", "failed", "pending", "received"),
		Inbound: t.r.IntN(2) == 0, CreatedAt: at,
	})
	t.mid++
}

// conversations adds the team's conversations with their messages: gaps of
// exactly the reply window, a millisecond more, none, or random.
func (t *genTeam) conversations() {
	for i := range 40 {
		c := store.Conversation{
			ID: fmt.Sprintf("%s-k%d", t.id, i), TeamID: t.id, AccountID: t.account(),
			Status:    t.pick("open", "closed", "pending"),
			CreatedAt: t.randTime(t.start, genSpan),
		}
		if t.r.IntN(20) != 0 {
			c.ContactID = fmt.Sprintf("%s-c%d", t.id, t.r.IntN(genContacts))
		}
		t.d.Activity.Conversations = append(t.d.Activity.Conversations, c)
		at := c.CreatedAt
		if t.r.IntN(10) == 0 {
			at = at.Add(-time.Hour) // a message older than its conversation
		}
		for range t.r.IntN(12) {
			acc := c.AccountID
			if t.r.IntN(20) == 0 {
				acc = t.account()
			}
			t.message(c.ID, acc, at)
			switch t.r.IntN(10) {
			case 0:
				at = at.Add(analytics.DefaultReplyWindow) // exactly the window
			case 1:
				at = at.Add(analytics.DefaultReplyWindow + time.Millisecond)
			case 2:
				// the same instant: order by ID
			case 3, 4:
				at = t.randTime(at, 30*time.Hour)
			default:
				at = t.randTime(at, 20*time.Minute)
			}
		}
	}
}

// looseMessages adds messages with no conversation or one the team does
// not have.
func (t *genTeam) looseMessages() {
	for range 30 {
		conv := ""
		if t.r.IntN(5) == 0 {
			conv = t.id + "-missing" // a conversation the team does not have
		}
		t.message(conv, t.account(), t.randTime(t.start, genSpan))
	}
}

// campaigns adds the team's campaigns.
func (t *genTeam) campaigns() {
	for i := range 10 {
		sent := t.r.Int64N(1000)
		delivered := t.r.Int64N(sent + 1)
		t.d.Activity.Campaigns = append(t.d.Activity.Campaigns, store.Campaign{
			ID: fmt.Sprintf("%s-p%d", t.id, i), TeamID: t.id, AccountID: t.account(),
			Status:          t.pick("Running", "Completed", "Failed", "Draft"),
			TotalRecipients: sent + t.r.Int64N(100), MessagesSent: sent,
			MessagesDelivered: delivered, MessagesRead: t.r.Int64N(delivered + 1),
			CreatedAt: t.randTime(t.start, genSpan),
		})
	}
}

// items returns, for every team of d, each scope (team-wide, each account
// and an account the team does not have) over a set of days (including
// daylight-saving days), weeks and months in the team's zone.
func items(t *testing.T, d Dataset) []analytics.ScopePeriod {
	var out []analytics.ScopePeriod
	days := []string{"2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12",
		"2026-03-28", "2026-03-29", "2026-03-30", "2026-11-01"}
	weeks := []string{"2026-03-02", "2026-03-09", "2026-03-23", "2026-10-26"}
	months := []string{"2026-02-01", "2026-03-01", "2026-11-01"}
	for _, team := range d.Teams {
		scopes := append(analytics.Team{ID: team.ID, AccountIDs: team.AccountIDs}.Scopes(),
			analytics.AccountScope(team.ID, "no-such-account"))
		for _, sc := range scopes {
			for _, set := range []struct {
				typ   analytics.SnapshotType
				dates []string
			}{{analytics.Daily, days}, {analytics.Weekly, weeks}, {analytics.Monthly, months}} {
				for _, day := range set.dates {
					tz := team.TimeZone
					if tz == "" {
						tz = "UTC"
					}
					out = append(out, analytics.ScopePeriod{Scope: sc, Period: period(set.typ, day, tz)})
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no items")
	}
	return out
}

// testMatchesComputeMetrics checks Aggregate against the reference
// definition on generated activity and on the hand-computed datasets
// together, with every item in one call.
func testMatchesComputeMetrics(t *testing.T, open Open) {
	d := merge(acme(), zones(), generated(1))
	s := open(t, d)
	for _, window := range []time.Duration{0, time.Hour} {
		req := analytics.AggregateRequest{Items: items(t, d), ReplyWindow: window, WorkingHours: hoursOf(d.Teams)}
		want, err := store.ComputeMetrics(&d.Activity, req)
		if err != nil {
			t.Fatal(err)
		}
		got := aggregate(t, s, req)
		bad := 0
		for i := range want {
			if dd := diff(want[i], got[i]); dd != "" {
				bad++
				if bad <= 5 {
					t.Errorf("Aggregate %s, window %v, differs from ComputeMetrics (-want +got):\n%s", describe(req.Items[i]), req.Window(), dd)
				}
			}
		}
		if bad > 5 {
			t.Errorf("... and %d more of %d items differ", bad-5, len(want))
		}
	}
}

// testAggregateSketches checks the sketches of active contacts that
// Aggregate returns when asked (AggregateRequest.Sketches): equal to
// ComputeMetrics's, exact, counting Contacts.Active, with an empty sketch
// for a scope without active contacts; and none when not asked.
func testAggregateSketches(t *testing.T, open Open) {
	d := merge(acme(), zones(), generated(3))
	d.Teams = append(d.Teams, analytics.Team{ID: "quiet", TimeZone: "Europe/Berlin"})
	s := open(t, d)
	its := append(items(t, d), analytics.ScopePeriod{Scope: analytics.TeamScope("quiet"), Period: period(analytics.Daily, "2026-03-10", "Europe/Berlin")})
	req := analytics.AggregateRequest{Items: its, Sketches: true}
	want, err := store.ComputeMetrics(&d.Activity, req)
	if err != nil {
		t.Fatal(err)
	}
	got := aggregate(t, s, req)
	bad, nonEmpty := 0, 0
	for i := range want {
		sk := got[i].ActiveSketch
		if sk == nil || !sk.Exact() || sk.Count() != got[i].Contacts.Active {
			t.Errorf("Aggregate %s: sketch %v, want an exact one of the %d active contacts", describe(its[i]), sk, got[i].Contacts.Active)
			continue
		}
		if sk.Len() > 0 {
			nonEmpty++
		}
		if dd := diff(want[i], got[i]); dd != "" {
			bad++
			if bad <= 5 {
				t.Errorf("Aggregate %s with sketches differs from ComputeMetrics (-want +got):\n%s", describe(its[i]), dd)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... and %d more of %d items differ", bad-5, len(want))
	}
	if nonEmpty < 50 {
		t.Errorf("only %d of %d items have active contacts: the check is too weak", nonEmpty, len(its))
	}
	// The hand-computed day: acme's active contacts on 2026-03-10 are c1,
	// c2, c3 and c5 (see acmeDay), and the account wa-1's c1 and c2.
	day := period(analytics.Daily, "2026-03-10", "UTC")
	hand := aggregate(t, s, analytics.AggregateRequest{Sketches: true, Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("acme"), Period: day}, {Scope: analytics.AccountScope("acme", "wa-1"), Period: day}}})
	for i, ids := range [][]string{{"c1", "c2", "c3", "c5"}, {"c1", "c2"}} {
		if want := analytics.SketchOf(ids...); !hand[i].ActiveSketch.Equal(want) || hand[i].Contacts.Active != int64(len(ids)) {
			t.Errorf("acme's day, scope %d: sketch %v and %d active, want the sketch of %v", i, hand[i].ActiveSketch, hand[i].Contacts.Active, ids)
		}
	}
	for i, m := range aggregate(t, s, analytics.AggregateRequest{Items: its[:20]}) {
		if m.ActiveSketch != nil {
			t.Errorf("Aggregate %s without Sketches returned a sketch", describe(its[i]))
		}
	}
}

// testNoActivity checks that a team with no activity, and an account a
// team does not have, give zero counts, and that no items give no metrics.
func testNoActivity(t *testing.T, open Open) {
	d := acme()
	d.Teams = append(d.Teams, analytics.Team{ID: "quiet", TimeZone: "Europe/Berlin"})
	s := open(t, d)
	day := period(analytics.Daily, "2026-03-29", "Europe/Berlin") // 23 h
	utcDay := period(analytics.Daily, "2026-03-10", "UTC")
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("quiet"), Period: day},
		{Scope: analytics.AccountScope("acme", "wa-3"), Period: utcDay},
	}}
	got := aggregate(t, s, req)
	for i, it := range req.Items {
		want := analytics.Metrics{Range: rangeOf(it.Period)}
		if d := diff(want, got[i]); d != "" {
			t.Errorf("Aggregate %s: want zero counts (-want +got):\n%s", describe(it), d)
		}
	}
	got, err := s.Aggregate(context.Background(), analytics.AggregateRequest{})
	if err != nil || len(got) != 0 {
		t.Errorf("Aggregate with no items = %v, %v; want no metrics and no error", got, err)
	}
}

func testInvalidAggregate(t *testing.T, open Open) {
	s := open(t, acme())
	day := period(analytics.Daily, "2026-03-10", "UTC")
	ok := analytics.ScopePeriod{Scope: analytics.TeamScope("acme"), Period: day}
	tests := []struct {
		name string
		req  analytics.AggregateRequest
	}{
		{"empty team", analytics.AggregateRequest{Items: []analytics.ScopePeriod{ok, {Period: day}}}},
		{"team ID of 1025 bytes", analytics.AggregateRequest{Items: []analytics.ScopePeriod{
			{Scope: analytics.TeamScope(strings.Repeat("t", maxIDLength+1)), Period: day}}}},
		{"account ID of 1025 bytes", analytics.AggregateRequest{Items: []analytics.ScopePeriod{
			{Scope: analytics.AccountScope("acme", strings.Repeat("a", maxIDLength+1)), Period: day}}}},
		{"empty period", analytics.AggregateRequest{Items: []analytics.ScopePeriod{
			{Scope: ok.Scope, Period: analytics.Period{Type: analytics.Daily, Start: day.Start, End: day.Start, Date: day.Date}}}}},
		{"reversed period", analytics.AggregateRequest{Items: []analytics.ScopePeriod{
			{Scope: ok.Scope, Period: analytics.Period{Type: analytics.Daily, Start: day.End, End: day.Start, Date: day.Date}}}}},
		{"negative window", analytics.AggregateRequest{Items: []analytics.ScopePeriod{ok}, ReplyWindow: -time.Second}},
	}
	for _, tt := range tests {
		_, err := s.Aggregate(context.Background(), tt.req)
		wantErr(t, "Aggregate with "+tt.name, err, analytics.ErrInvalidArgument)
	}
}
