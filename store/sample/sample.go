// Package sample generates small, deterministic activity for demos, load
// tests and a host's own test suites: teams in several time zones with
// WhatsApp accounts, and their messages, conversations, contacts and
// campaigns as store.Activity, ready for memstore.Store.Add or for
// inserting into a host's own tables. The same arguments always give the
// same activity, on every platform.
package sample

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Zones are the time zones Teams gives its teams, round robin: whole-hour,
// half-hour and quarter-hour offsets, west and east of UTC, north and south
// of the equator.
var Zones = []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu"}

// Teams returns n teams "team-0001", "team-0002", … in Zones, round robin,
// each with the given number of WhatsApp accounts (see Team). n ≤ 0 gives
// none.
func Teams(n, accounts int) []analytics.Team {
	teams := make([]analytics.Team, max(n, 0))
	for i := range teams {
		teams[i] = Team(fmt.Sprintf("team-%04d", i+1), Zones[i%len(Zones)], accounts)
	}
	return teams
}

// Team returns team id in zone (an IANA name, "" for UTC) with the given
// number of WhatsApp accounts "<id>-acc-1", "<id>-acc-2", …; accounts ≤ 0
// gives none.
func Team(id, zone string, accounts int) analytics.Team {
	t := analytics.Team{ID: id, TimeZone: zone}
	for a := range max(accounts, 0) {
		t.AccountIDs = append(t.AccountIDs, id+"-acc-"+strconv.Itoa(a+1))
	}
	return t
}

// Activity generates days local days of activity from start (each day in
// its team's zone) for teams: perDay messages a day across all teams,
// shared evenly (the first perDay mod len(teams) teams get one more), in
// conversations of one to six messages that alternate between contact and
// business, started between 08:00 and 20:00 local time (±1 h on a
// daylight-saving day); one conversation in three comes from a new contact.
// Every team runs one completed campaign a day, on its first account; the
// business messages of every third conversation of the day (the first,
// the fourth, …) carry that campaign's reference. Outbound messages are
// read, delivered, sent or failed; inbound ones read.
//
// Every team needs a loadable zone and at least one account; days and
// perDay must not be negative. Otherwise the error wraps
// analytics.ErrInvalidArgument and names the argument. No teams, or zero
// days, give empty activity.
func Activity(teams []analytics.Team, start analytics.Date, days, perDay int) (store.Activity, error) {
	var a store.Activity
	if days < 0 || perDay < 0 {
		return a, store.InvalidArgument("days", "days %d and perDay %d must not be negative", days, perDay)
	}
	for i, t := range teams {
		loc, err := t.Location()
		if err != nil {
			return store.Activity{}, err
		}
		if len(t.AccountIDs) == 0 {
			return store.Activity{}, store.InvalidArgument(fmt.Sprintf("teams[%d].AccountIDs", i), "team %q needs at least one account", t.ID)
		}
		r := rand.New(rand.NewPCG(uint64(i), 1))
		share := perDay / len(teams)
		if i < perDay%len(teams) {
			share++
		}
		first := len(a.Contacts) // the team's contacts are a.Contacts[first:]
		for d := range days {
			day := start.AddDays(d)
			morning := day.In(loc).Add(8 * time.Hour)
			addCampaign(&a, t, day, morning.Add(2*time.Hour), r)
			for n, c := 0, 0; n < share; c++ {
				id := fmt.Sprintf("%s-%s-c%d", t.ID, day, c)
				at := morning.Add(time.Duration(r.IntN(12*3600)) * time.Second)
				k := len(a.Messages)
				n += addConversation(&a, t, first, id, at, min(1+r.IntN(6), share-n), r)
				if c%3 == 0 {
					for j := k; j < len(a.Messages); j++ {
						if !a.Messages[j].Inbound {
							a.Messages[j].CampaignID = campaignID(t, day)
						}
					}
				}
			}
		}
	}
	return a, nil
}

// addConversation adds conversation id of team t, whose contacts are
// a.Contacts[first:], with msgs messages from at, and returns msgs.
func addConversation(a *store.Activity, t analytics.Team, first int, id string, at time.Time, msgs int, r *rand.Rand) int {
	account := t.AccountIDs[r.IntN(len(t.AccountIDs))]
	var contact string
	if known := len(a.Contacts) - first; known > 0 && r.IntN(3) > 0 {
		contact = a.Contacts[first+r.IntN(known)].ID
	} else {
		contact = fmt.Sprintf("%s-ct%d", t.ID, known+1)
		a.Contacts = append(a.Contacts, store.Contact{ID: contact, TeamID: t.ID, CreatedAt: at, LastContactedAt: at})
	}
	a.Conversations = append(a.Conversations, store.Conversation{ID: id, TeamID: t.ID, AccountID: account,
		ContactID: contact, Status: store.ConversationOpen, CreatedAt: at})
	for k := range msgs {
		inbound := k%2 == 0
		status := store.StatusRead
		if !inbound {
			status = []string{store.StatusRead, store.StatusRead, store.StatusDelivered, store.StatusSent, store.StatusFailed}[r.IntN(5)]
		}
		a.Messages = append(a.Messages, store.Message{ID: fmt.Sprintf("%s-m%d", id, k), TeamID: t.ID, AccountID: account,
			ConversationID: id, Status: status, Inbound: inbound, CreatedAt: at})
		at = at.Add(time.Duration(1+r.IntN(40)) * time.Minute)
	}
	return msgs
}

// campaignID is the ID of team t's campaign of day.
func campaignID(t analytics.Team, day analytics.Date) string {
	return fmt.Sprintf("%s-%s-camp", t.ID, day)
}

// addCampaign adds team t's campaign of day, created at at.
func addCampaign(a *store.Activity, t analytics.Team, day analytics.Date, at time.Time, r *rand.Rand) {
	sent := int64(40 + r.IntN(60))
	a.Campaigns = append(a.Campaigns, store.Campaign{ID: campaignID(t, day), TeamID: t.ID,
		AccountID: t.AccountIDs[0], Status: store.CampaignCompleted, TotalRecipients: sent + 5, MessagesSent: sent,
		MessagesDelivered: sent * 9 / 10, MessagesRead: sent * 6 / 10, CreatedAt: at})
}
