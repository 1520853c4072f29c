package store_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// randomActivity returns seeded random activity of four teams (UTC,
// Asia/Kolkata, America/New_York, Europe/Berlin) from mid-February to
// mid-April 2026 and from mid-October to mid-November 2026, so that it
// covers the spring and autumn daylight-saving changes of New York and
// Berlin. Conversations are often created long after their contact, so that
// contacts join account scopes later than they are created; message gaps
// straddle the reply window and day boundaries.
func randomActivity(seed uint64) ([]analytics.Team, *store.Activity) {
	r := rand.New(rand.NewPCG(seed, 42))
	windows := []struct {
		start time.Time
		span  time.Duration
	}{
		{time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC), 57 * 24 * time.Hour},
		{time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC), 36 * 24 * time.Hour},
	}
	randTime := func() time.Time {
		w := windows[r.IntN(len(windows))]
		return w.start.Add(time.Duration(r.Int64N(int64(w.span/time.Millisecond))) * time.Millisecond)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	teams := []analytics.Team{
		{ID: "utc", TimeZone: "UTC", AccountIDs: []string{"utc-1", "utc-2"}},
		{ID: "kol", TimeZone: "Asia/Kolkata", AccountIDs: []string{"kol-1", "kol-2", "kol-3"}},
		{ID: "nyc", TimeZone: "America/New_York", AccountIDs: []string{"nyc-1"}},
		{ID: "ber", TimeZone: "Europe/Berlin", AccountIDs: []string{"ber-1", "ber-2"}},
	}
	a := &store.Activity{}
	for _, team := range teams {
		account := func() string {
			if r.IntN(6) == 0 {
				return ""
			}
			return team.AccountIDs[r.IntN(len(team.AccountIDs))]
		}
		const contacts = 60
		for i := range contacts {
			a.Contacts = append(a.Contacts, store.Contact{
				ID: fmt.Sprintf("c%d", i), TeamID: team.ID, CreatedAt: randTime().Add(-10 * 24 * time.Hour),
				Blocked: r.IntN(4) == 0, EngagementScore: r.Float64()*110 - 5,
			})
		}
		n := 0
		for i := range 120 {
			c := store.Conversation{
				ID: fmt.Sprintf("k%d", i), TeamID: team.ID, AccountID: account(),
				Status: pick("open", "closed", "other"), CreatedAt: randTime(),
			}
			if r.IntN(15) != 0 {
				c.ContactID = fmt.Sprintf("c%d", r.IntN(contacts))
			}
			a.Conversations = append(a.Conversations, c)
			at := c.CreatedAt.Add(time.Duration(r.IntN(3)-1) * time.Hour)
			for range r.IntN(14) {
				acc := c.AccountID
				if r.IntN(15) == 0 {
					acc = account()
				}
				a.Messages = append(a.Messages, store.Message{
					ID: fmt.Sprintf("m%d", n), TeamID: team.ID, AccountID: acc, ConversationID: c.ID,
					Status:  pick("sent", "delivered", "read", "failed", "pending"),
					Inbound: r.IntN(2) == 0, CreatedAt: at,
				})
				n++
				switch r.IntN(8) {
				case 0:
					at = at.Add(analytics.DefaultReplyWindow)
				case 1:
					at = at.Add(analytics.DefaultReplyWindow + time.Millisecond)
				case 2:
				case 3, 4:
					at = at.Add(time.Duration(r.Int64N(int64(30 * time.Hour))))
				default:
					at = at.Add(time.Duration(r.Int64N(int64(30 * time.Minute))))
				}
			}
		}
		for range 80 {
			a.Messages = append(a.Messages, store.Message{
				ID: fmt.Sprintf("m%d", n), TeamID: team.ID, AccountID: account(),
				Status: pick("sent", "read", "failed"), Inbound: r.IntN(2) == 0, CreatedAt: randTime(),
			})
			n++
		}
		for i := range 30 {
			sent := r.Int64N(500)
			del := r.Int64N(sent + 1)
			a.Campaigns = append(a.Campaigns, store.Campaign{
				ID: fmt.Sprintf("p%d", i), TeamID: team.ID, AccountID: account(),
				Status: pick("Running", "Completed", "Failed", "Draft"), TotalRecipients: sent + 5,
				MessagesSent: sent, MessagesDelivered: del, MessagesRead: r.Int64N(del + 1), CreatedAt: randTime(),
			})
		}
	}
	return teams, a
}

// rollUp is one period and the smaller periods that tile it.
type rollUp struct {
	whole analytics.ScopePeriod
	parts []analytics.ScopePeriod
}

// days returns the Daily periods that tile p.
func days(t *testing.T, p analytics.Period) []analytics.Period {
	t.Helper()
	var out []analytics.Period
	d, err := analytics.PeriodForDate(analytics.Daily, p.Date, p.Location())
	if err != nil {
		t.Fatal(err)
	}
	for ; d.Start.Before(p.End); d = d.Next() {
		out = append(out, d)
	}
	if !out[len(out)-1].End.Equal(p.End) {
		t.Fatalf("the days of %s end at %v", p, out[len(out)-1].End)
	}
	return out
}

// TestMergeDaysEqualsPeriod is the roll-up property: for every scope,
// merging the daily metrics of a week or a month with Merge gives what
// ComputeMetrics gives for the week or month itself, on every field except
// Contacts.Active, a distinct count that Merge can only bound.
func TestMergeDaysEqualsPeriod(t *testing.T) {
	t.Parallel()
	teams, a := randomActivity(7)
	r := rand.New(rand.NewPCG(7, 8))
	weeks := []string{"2026-02-23", "2026-03-02", "2026-03-09", "2026-03-23", "2026-03-30", "2026-10-19", "2026-10-26"}
	months := []string{"2026-03-01", "2026-10-01"}
	var rollUps []rollUp
	for _, team := range teams {
		loc, err := team.Location()
		if err != nil {
			t.Fatal(err)
		}
		scopes := append(team.Scopes(), analytics.AccountScope(team.ID, "no-such-account"))
		for _, sc := range scopes {
			for _, set := range []struct {
				typ   analytics.SnapshotType
				dates []string
			}{{analytics.Weekly, weeks}, {analytics.Monthly, months}} {
				for _, ds := range set.dates {
					d, err := analytics.ParseDate(ds)
					if err != nil {
						t.Fatal(err)
					}
					p, err := analytics.PeriodForDate(set.typ, d, loc)
					if err != nil {
						t.Fatal(err)
					}
					ru := rollUp{whole: analytics.ScopePeriod{Scope: sc, Period: p}}
					for _, day := range days(t, p) {
						ru.parts = append(ru.parts, analytics.ScopePeriod{Scope: sc, Period: day})
					}
					rollUps = append(rollUps, ru)
				}
			}
		}
	}
	var req analytics.AggregateRequest
	for _, ru := range rollUps {
		req.Items = append(req.Items, ru.whole)
		req.Items = append(req.Items, ru.parts...)
	}
	ms, err := store.ComputeMetrics(a, req)
	if err != nil {
		t.Fatal(err)
	}

	var seen analytics.Metrics // sums over every whole period, to show the data is not trivial
	var accountNew, lateJoins int64
	i := 0
	for _, ru := range rollUps {
		whole := ms[i]
		parts := ms[i+1 : i+1+len(ru.parts)]
		i += 1 + len(ru.parts)
		seen = analytics.Merge(seen, whole)
		name := fmt.Sprintf("%s %s %s", ru.whole.Scope, ru.whole.Period.Type, ru.whole.Period.Date)
		if err := trafficAddsUp(whole); err != nil {
			t.Errorf("%s: %v", name, err)
		}

		// Merge in a random order: the result must not depend on it.
		order := r.Perm(len(parts))
		var merged analytics.Metrics
		var maxActive, sumActive int64
		for _, j := range order {
			merged = analytics.Merge(merged, parts[j])
			maxActive = max(maxActive, parts[j].Contacts.Active)
			sumActive += parts[j].Contacts.Active
		}
		if merged.Contacts.Active != maxActive {
			t.Errorf("%s: merged Contacts.Active = %d, want the largest daily value %d", name, merged.Contacts.Active, maxActive)
		}
		if w := whole.Contacts.Active; w < maxActive || w > sumActive {
			t.Errorf("%s: Contacts.Active = %d, want it between the largest daily value %d and their sum %d", name, w, maxActive, sumActive)
		}
		merged.Contacts.Active = whole.Contacts.Active
		if d := cmp.Diff(whole, merged); d != "" {
			t.Errorf("%s: merging its %d days differs from aggregating it (-whole +merged):\n%s", name, len(parts), d)
		}
		if !ru.whole.Scope.TeamWide() {
			accountNew += whole.Contacts.New
			// Contacts of the account created before the period but
			// joining it inside: the case that needs the join time.
			lateJoins += whole.Contacts.New - countCreatedIn(a, ru.whole)
		}
	}
	c := seen.Conversations
	for _, v := range []struct {
		name string
		n    int64
	}{
		{"messages", seen.Messages.Total}, {"replied", seen.Messages.Replied}, {"failed", seen.Messages.Failed},
		{"responses", c.ResponseCount}, {"unanswered turns", c.Unanswered}, {"first responses", c.FirstResponseCount},
		{"conversations", c.Total}, {"campaigns", seen.Campaigns.Total}, {"new contacts", seen.Contacts.New},
		{"new account contacts", accountNew}, {"contacts joining an account after creation", lateJoins},
		{"traffic cells", int64(seen.Traffic.Len())},
	} {
		if v.n == 0 {
			t.Errorf("the random activity has no %s: the property is checked on nothing", v.name)
		}
	}
}

// countCreatedIn counts the contacts of sp's team created in sp's period
// that have a conversation on sp's account.
func countCreatedIn(a *store.Activity, sp analytics.ScopePeriod) int64 {
	on := map[string]bool{}
	for _, c := range a.Conversations {
		if c.TeamID == sp.Scope.TeamID && c.AccountID == sp.Scope.AccountID && c.CreatedAt.Before(sp.Period.End) {
			on[c.ContactID] = true
		}
	}
	var n int64
	for _, c := range a.Contacts {
		if c.TeamID == sp.Scope.TeamID && on[c.ID] && sp.Period.Contains(c.CreatedAt) {
			n++
		}
	}
	return n
}

func TestComputeMetricsArguments(t *testing.T) {
	t.Parallel()
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 10), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// No activity at all gives zero counts over the item's period.
	ms, err := store.ComputeMetrics(nil, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("t"), Period: p}}})
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}}
	if d := cmp.Diff([]analytics.Metrics{want}, ms); d != "" {
		t.Errorf("ComputeMetrics(nil) (-want +got):\n%s", d)
	}
	_, err = store.ComputeMetrics(nil, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Period: p}}})
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != "Items[0].Scope.TeamID" {
		t.Errorf("ComputeMetrics with no team: %v, want a FieldError naming Items[0].Scope.TeamID", err)
	}
}

func TestScoreCenti(t *testing.T) {
	t.Parallel()
	tests := []struct {
		score float64
		want  int64
	}{
		{0, 0},
		{80.51, 8051},
		{50.5, 5050},
		// Halves round away from zero, read at 15 significant digits as
		// Postgres' round((score*100)::numeric) does: 12.345*100 is
		// 1234.4999999999998 in binary, 1234.5 to 15 digits.
		{12.345, 1235},
		{0.125, 13},    // exactly 12.5
		{33.335, 3334}, // 3333.4999999999995
		{2.675, 268},   // 267.49999999999997
		{1.005, 101},   // 100.49999999999999
		{0.005, 1},
		{0.004, 0},
		{99.995, 10000},
		{100, 10000},
		// Out of range: clamped to [0, 100].
		{100.7, 10000},
		{1e300, 10000},
		{math.Inf(1), 10000},
		{-0.001, 0},
		{-50, 0},
		{math.Inf(-1), 0},
		{math.NaN(), 0},
	}
	for _, tt := range tests {
		if got := store.ScoreCenti(tt.score); got != tt.want {
			t.Errorf("ScoreCenti(%v) = %d, want %d", tt.score, got, tt.want)
		}
	}
}
