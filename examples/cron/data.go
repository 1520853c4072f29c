package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

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

// loadSourceDB is loadSource on a connection of db's pool, in db's
// search_path schema.
func loadSourceDB(ctx context.Context, db *bun.DB, schema string, teams []analytics.Team, a store.Activity) (loaded, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return loaded{}, err
	}
	defer conn.Close()
	var n loaded
	err = conn.Raw(func(dc any) error {
		n, err = loadSource(ctx, dc.(*stdlib.Conn).Conn(), schema, teams, a)
		return err
	})
	return n, err
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
