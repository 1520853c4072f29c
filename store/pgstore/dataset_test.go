package pgstore_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// crossZones are the zones of the cross-check's teams: half-hour and
// quarter-hour offsets, and daylight-saving changes inside the range
// (New York springs forward on 2024-03-10, Adelaide falls back on
// 2024-04-07, Berlin springs forward on 2024-03-31).
var crossZones = []string{"UTC", "Asia/Kolkata", "America/New_York", "Australia/Adelaide", "Asia/Kathmandu", "Europe/Berlin", ""}

// awkwardIDs are team and account ID material: quotes, SQL and LIKE
// metacharacters, array-literal metacharacters, unicode, mixed case.
var awkwardIDs = []string{
	`O'Brien "quoted"`, `semi;colon; DROP TABLE teams;--`, `100%_like\`, `{brace,comma}`,
	"ünïcødé-チーム", "Bravo", "alpha", "ZULU", "  spaced  ",
}

// genDataset makes a random but reproducible dataset for teams in
// crossZones, between from and from+days, with message gaps chosen around
// the reply windows ws (exact, one ms less, one ms more) so that every
// boundary of the definitions is hit.
//
// With micro set, message and conversation times get a random number of
// microseconds added, for sources whose columns hold microseconds.
func genDataset(seed uint64, from time.Time, days int, micro bool, ws ...time.Duration) ([]analytics.Team, *store.Activity) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	jitter := func(t time.Time) time.Time {
		if !micro {
			return t
		}
		return t.Add(time.Duration(r.IntN(1000)) * time.Microsecond)
	}
	span := time.Duration(days) * 24 * time.Hour
	ms := func(d time.Duration) time.Duration { return d.Truncate(time.Millisecond) }
	at := func(lo, hi time.Time) time.Time {
		return lo.Add(ms(time.Duration(r.Int64N(int64(hi.Sub(lo))))))
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }

	gaps := []time.Duration{0, time.Millisecond, time.Second, 4999 * time.Millisecond, 5 * time.Second,
		59 * time.Second, 10 * time.Minute, time.Hour, 2 * time.Hour, 25 * time.Hour, 49 * time.Hour}
	// Where a conversation's first message falls relative to its creation.
	firsts := []time.Duration{-time.Millisecond, 0, time.Millisecond}
	for _, w := range ws {
		gaps = append(gaps, w, w-time.Millisecond, w+time.Millisecond)
		firsts = append(firsts, w, w-time.Millisecond, w+time.Millisecond)
	}

	var teams []analytics.Team
	a := &store.Activity{}
	n := 0
	id := func(prefix string) string {
		n++
		// Mixed case and equal prefixes, so that byte order and linguistic
		// order differ.
		return fmt.Sprintf("%s-%s%03d", prefix, pick("a", "B", "c", "D"), n)
	}
	for ti, zone := range crossZones {
		team := analytics.Team{ID: fmt.Sprintf("%s #%d", awkwardIDs[ti%len(awkwardIDs)], ti), TimeZone: zone}
		for range ti % 4 { // team 0 has no account
			team.AccountIDs = append(team.AccountIDs, awkwardIDs[r.IntN(len(awkwardIDs))]+" acc "+id("x"))
		}
		teams = append(teams, team)
		accounts := append([]string{"", "not-an-account-of-the-team"}, team.AccountIDs...)
		for range len(team.AccountIDs) * 2 { // weight the real accounts
			accounts = append(accounts, team.AccountIDs...)
		}

		var contacts []string
		scores := []float64{-5, 0, 0.004, 0.005, 12.345, 49.995, 50, 99.994, 99.995, 100, 150,
			math.NaN(), math.Inf(1), math.Inf(-1), 33.333333333333336, 1.0 / 3}
		for range 12 {
			c := store.Contact{
				ID: id("ct"), TeamID: team.ID,
				CreatedAt:       at(from.Add(-10*24*time.Hour), from.Add(span)),
				Blocked:         r.IntN(4) == 0,
				EngagementScore: scores[r.IntN(len(scores))],
			}
			if r.IntN(2) == 0 {
				c.EngagementScore = float64(r.IntN(10001)) / 100
			}
			contacts = append(contacts, c.ID)
			a.Contacts = append(a.Contacts, c)
		}
		for range 25 {
			cv := store.Conversation{
				ID: id("cv"), TeamID: team.ID,
				AccountID: accounts[r.IntN(len(accounts))],
				Status:    pick(store.ConversationOpen, store.ConversationClosed, "pending"),
				CreatedAt: jitter(at(from.Add(-3*24*time.Hour), from.Add(span))),
			}
			if r.IntN(8) > 0 {
				cv.ContactID = contacts[r.IntN(len(contacts))]
			}
			a.Conversations = append(a.Conversations, cv)
			t := cv.CreatedAt.Add(ms(time.Duration(r.Int64N(int64(2*time.Hour))) - time.Hour))
			if r.IntN(2) == 0 {
				t = cv.CreatedAt.Add(firsts[r.IntN(len(firsts))])
			}
			for range r.IntN(14) {
				m := store.Message{
					ID: id("m"), TeamID: team.ID, ConversationID: cv.ID, AccountID: cv.AccountID,
					Status:    pick(store.StatusSent, store.StatusDelivered, store.StatusRead, store.StatusFailed, "pending"),
					Inbound:   r.IntN(2) == 0,
					CreatedAt: t,
				}
				if r.IntN(10) == 0 {
					m.AccountID = accounts[r.IntN(len(accounts))]
				}
				a.Messages = append(a.Messages, m)
				t = jitter(t.Add(gaps[r.IntN(len(gaps))]))
			}
		}
		for range 15 { // messages outside any conversation, or in another team's or an unknown one
			m := store.Message{
				ID: id("m"), TeamID: team.ID, AccountID: accounts[r.IntN(len(accounts))],
				Status:    pick(store.StatusSent, store.StatusRead, store.StatusFailed),
				Inbound:   r.IntN(2) == 0,
				CreatedAt: at(from, from.Add(span)),
			}
			switch r.IntN(3) {
			case 1:
				if len(a.Conversations) > 0 {
					m.ConversationID = a.Conversations[r.IntN(len(a.Conversations))].ID
				}
			case 2:
				m.ConversationID = "no-such-conversation"
			}
			a.Messages = append(a.Messages, m)
		}
		for range 6 {
			c := store.Campaign{
				ID: id("cp"), TeamID: team.ID, AccountID: accounts[r.IntN(len(accounts))],
				Status:          pick(store.CampaignRunning, store.CampaignCompleted, store.CampaignFailed, "Draft"),
				TotalRecipients: r.Int64N(1000), MessagesSent: r.Int64N(1000),
				MessagesDelivered: r.Int64N(900), MessagesRead: r.Int64N(500),
				CreatedAt: at(from, from.Add(span)),
			}
			a.Campaigns = append(a.Campaigns, c)
		}
	}
	return teams, a
}

// allItems returns every scope of every team for every daily period in
// [from, from+days) and every weekly and monthly period that overlaps it,
// each in the team's own zone.
func allItems(teams []analytics.Team, from time.Time, days int) ([]analytics.ScopePeriod, error) {
	var items []analytics.ScopePeriod
	for _, t := range teams {
		loc, err := t.Location()
		if err != nil {
			return nil, err
		}
		seen := map[analytics.Period]bool{}
		for d := 0; d < days; d++ {
			day := analytics.DateOf(from.In(loc)).AddDays(d)
			for _, typ := range analytics.SnapshotTypes() {
				p, err := analytics.PeriodOf(typ, day.In(loc).Add(12*time.Hour), loc)
				if err != nil {
					return nil, err
				}
				if seen[p] {
					continue
				}
				seen[p] = true
				for _, sc := range t.Scopes() {
					items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
				}
			}
		}
	}
	return items, nil
}
