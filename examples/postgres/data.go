package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// zones are the teams' time zones, given round robin: whole-hour,
// half-hour and quarter-hour offsets, north and south of the equator.
var zones = []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu"}

// makeTeams returns n teams "team-0001", "team-0002", … in zones, each with
// the given number of WhatsApp accounts "<team>-acc-1", "<team>-acc-2", ….
func makeTeams(n, accounts int) []analytics.Team {
	teams := make([]analytics.Team, n)
	for i := range teams {
		teams[i] = newTeam(fmt.Sprintf("team-%04d", i+1), zones[i%len(zones)], accounts)
	}
	return teams
}

// newTeam returns team id in zone with the given number of WhatsApp
// accounts "<id>-acc-1", "<id>-acc-2", ….
func newTeam(id, zone string, accounts int) analytics.Team {
	t := analytics.Team{ID: id, TimeZone: zone}
	for a := range accounts {
		t.AccountIDs = append(t.AccountIDs, id+"-acc-"+strconv.Itoa(a+1))
	}
	return t
}

// makeActivity generates days local days of activity from start for teams:
// perDay messages a day across all teams, shared evenly, in conversations of
// one to six messages that alternate between contact and business, started
// between 08:00 and 20:00 in the team's zone; one conversation in three comes
// from a new contact, and every team runs one campaign a day. The same
// arguments give the same activity.
func makeActivity(teams []analytics.Team, start analytics.Date, days, perDay int) (store.Activity, error) {
	var a store.Activity
	for i, t := range teams {
		loc, err := t.Location()
		if err != nil {
			return a, err
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
				n += addConversation(&a, t, first, id, at, min(1+r.IntN(6), share-n), r)
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

// addCampaign adds team t's campaign of day, created at at.
func addCampaign(a *store.Activity, t analytics.Team, day analytics.Date, at time.Time, r *rand.Rand) {
	sent := int64(40 + r.IntN(60))
	a.Campaigns = append(a.Campaigns, store.Campaign{ID: fmt.Sprintf("%s-%s-camp", t.ID, day), TeamID: t.ID,
		AccountID: t.AccountIDs[0], Status: store.CampaignCompleted, TotalRecipients: sent + 5, MessagesSent: sent,
		MessagesDelivered: sent * 9 / 10, MessagesRead: sent * 6 / 10, CreatedAt: at})
}

// sourceSQL creates the host's source tables, as pgstore reads them by
// default, in the schema of the search_path.
const sourceSQL = `
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    timezone   TEXT NOT NULL DEFAULT 'UTC'
);
CREATE TABLE whatsapp_accounts (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE TABLE contacts (
    id                TEXT NOT NULL,
    team_id           TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    created_at        TIMESTAMP(3) NOT NULL,
    is_blocked        BOOLEAN NOT NULL DEFAULT false,
    last_contacted_at TIMESTAMP(3),
    engagement_score  DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, id)
);
CREATE TABLE conversations (
    id         TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id TEXT,
    contact_id TEXT,
    status     TEXT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id)
);
CREATE TABLE messages (
    id              TEXT NOT NULL,
    team_id         TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id      TEXT,
    conversation_id TEXT,
    status          TEXT NOT NULL,
    sender_type     TEXT NOT NULL,
    created_at      TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id)
);
CREATE TABLE campaigns (
    id                 TEXT NOT NULL,
    team_id            TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id         TEXT,
    status             TEXT NOT NULL,
    total_recipients   INTEGER NOT NULL DEFAULT 0,
    messages_sent      INTEGER NOT NULL DEFAULT 0,
    messages_delivered INTEGER NOT NULL DEFAULT 0,
    messages_read      INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id)
);`

// loaded counts the rows loadSource wrote per table.
type loaded struct {
	teams, accounts, contacts, conversations, messages, campaigns int64
}

// rows returns the rows written to all tables.
func (l loaded) rows() int64 {
	return l.teams + l.accounts + l.contacts + l.conversations + l.messages + l.campaigns
}

// loadSource creates the source tables in schema and copies teams and a
// into them, in one transaction. Timestamps are stored as UTC wall time;
// inbound messages get sender_type "contact", the others "agent".
func loadSource(ctx context.Context, conn *pgx.Conn, schema string, teams []analytics.Team, a store.Activity) (loaded, error) {
	var n loaded
	tx, err := conn.Begin(ctx)
	if err != nil {
		return n, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+pgx.Identifier{schema}.Sanitize()+";"+sourceSQL); err != nil {
		return n, fmt.Errorf("creating the source tables: %w", err)
	}
	copyRows := func(dst *int64, table string, cols []string, count int, row func(i int) []any) {
		if err != nil {
			return
		}
		*dst, err = tx.CopyFrom(ctx, pgx.Identifier{schema, table}, cols, pgx.CopyFromSlice(count, func(i int) ([]any, error) { return row(i), nil }))
		if err != nil {
			err = fmt.Errorf("copying %s: %w", table, err)
		}
	}
	var accounts [][2]string
	for _, t := range teams {
		for _, acc := range t.AccountIDs {
			accounts = append(accounts, [2]string{acc, t.ID})
		}
	}
	copyRows(&n.teams, "teams", []string{"id", "timezone"}, len(teams), func(i int) []any { return []any{teams[i].ID, teams[i].TimeZone} })
	copyRows(&n.accounts, "whatsapp_accounts", []string{"id", "team_id"}, len(accounts), func(i int) []any { return []any{accounts[i][0], accounts[i][1]} })
	copyRows(&n.contacts, "contacts", []string{"id", "team_id", "created_at", "last_contacted_at"}, len(a.Contacts), func(i int) []any {
		c := a.Contacts[i]
		return []any{c.ID, c.TeamID, c.CreatedAt.UTC(), c.LastContactedAt.UTC()}
	})
	copyRows(&n.conversations, "conversations", []string{"id", "team_id", "account_id", "contact_id", "status", "created_at"}, len(a.Conversations), func(i int) []any {
		c := a.Conversations[i]
		return []any{c.ID, c.TeamID, c.AccountID, c.ContactID, c.Status, c.CreatedAt.UTC()}
	})
	copyRows(&n.messages, "messages", []string{"id", "team_id", "account_id", "conversation_id", "status", "sender_type", "created_at"}, len(a.Messages), func(i int) []any {
		m, sender := a.Messages[i], "agent"
		if m.Inbound {
			sender = "contact"
		}
		return []any{m.ID, m.TeamID, m.AccountID, m.ConversationID, m.Status, sender, m.CreatedAt.UTC()}
	})
	copyRows(&n.campaigns, "campaigns", []string{"id", "team_id", "account_id", "status", "total_recipients", "messages_sent", "messages_delivered", "messages_read", "created_at"}, len(a.Campaigns), func(i int) []any {
		c := a.Campaigns[i]
		return []any{c.ID, c.TeamID, c.AccountID, c.Status, c.TotalRecipients, c.MessagesSent, c.MessagesDelivered, c.MessagesRead, c.CreatedAt.UTC()}
	})
	if err != nil {
		return n, err
	}
	if _, err := tx.Exec(ctx, "ANALYZE "+pgx.Identifier{schema, "messages"}.Sanitize()); err != nil {
		return n, err
	}
	return n, tx.Commit(ctx)
}
