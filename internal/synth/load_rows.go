package synth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// OutboundSenderType is the messages.sender_type InsertRows writes for
// outbound messages.
const OutboundSenderType = "agent"

// insertChunk is the number of rows per INSERT statement of InsertRows.
const insertChunk = 500

// InsertRows writes teams (with their accounts) and the activity a into
// the reference schema (SchemaSQL) in db's search_path, with row-by-row
// INSERTs in chunks, in one transaction: meant for the small datasets of
// tests. Empty account,
// conversation and contact IDs and a zero LastContactedAt are stored as
// NULL; Inbound becomes sender_type InboundSenderType, outbound
// OutboundSenderType. Timestamps are stored as UTC wall time; since the
// reference columns are TIMESTAMP(3), a timestamp that is not a whole
// millisecond is an error rather than silently rounded.
func InsertRows(ctx context.Context, db bun.IDB, teams []analytics.Team, a *store.Activity) error {
	return InsertRowsPrecision(ctx, db, teams, a, time.Millisecond)
}

// InsertRowsPrecision is InsertRows for a variant of the reference schema
// whose timestamps hold the given precision (time.Microsecond for
// TIMESTAMP(6) or TIMESTAMPTZ columns): a timestamp that is not a whole
// multiple of it is an error.
func InsertRowsPrecision(ctx context.Context, db bun.IDB, teams []analytics.Team, a *store.Activity, precision time.Duration) error {
	if precision < time.Microsecond {
		return fmt.Errorf("synth: precision %v is finer than Postgres's microsecond", precision)
	}
	if a == nil {
		a = &store.Activity{}
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Timestamps go in as timestamptz; with the transaction's zone at
		// UTC, columns without time zone get the UTC wall time.
		if _, err := tx.ExecContext(ctx, `SET LOCAL TIME ZONE 'UTC'`); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		return insertRows(ctx, tx, teams, a, precision)
	})
}

func insertRows(ctx context.Context, db bun.Tx, teams []analytics.Team, a *store.Activity, precision time.Duration) error {
	var rows [][]any
	flush := func(table string, cols ...string) error {
		defer func() { rows = rows[:0] }()
		for lo := 0; lo < len(rows); lo += insertChunk {
			chunk := rows[lo:min(lo+insertChunk, len(rows))]
			var b strings.Builder
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
			var args []any
			for i, r := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('(')
				for j, v := range r {
					if j > 0 {
						b.WriteString(", ")
					}
					if _, ok := v.(time.Time); ok {
						b.WriteString("?::timestamptz")
					} else {
						b.WriteString("?")
					}
					args = append(args, v)
				}
				b.WriteByte(')')
			}
			if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("synth: inserting into %s: %w", table, err)
			}
		}
		return nil
	}
	var bad error
	ts := func(what string, t time.Time) any {
		if t.IsZero() {
			return sql.NullTime{}
		}
		if !t.Truncate(precision).Equal(t) && bad == nil {
			bad = fmt.Errorf("synth: %s %s is not a whole multiple of %v, the precision of the columns", what, t.Format(time.RFC3339Nano), precision)
		}
		return t.UTC()
	}
	null := func(s string) any { return sql.NullString{String: s, Valid: s != ""} }

	for _, t := range teams {
		rows = append(rows, []any{t.ID, t.TimeZone})
	}
	if err := flush("teams", "id", "timezone"); err != nil {
		return err
	}
	for _, t := range teams {
		for _, acc := range t.AccountIDs {
			rows = append(rows, []any{acc, t.ID})
		}
	}
	if err := flush("whatsapp_accounts", "id", "team_id"); err != nil {
		return err
	}
	for _, c := range a.Contacts {
		rows = append(rows, []any{c.ID, c.TeamID, ts("contact "+c.ID+" created_at", c.CreatedAt), c.Blocked,
			ts("contact "+c.ID+" last_contacted_at", c.LastContactedAt), c.EngagementScore})
	}
	if bad != nil {
		return bad
	}
	if err := flush("contacts", "id", "team_id", "created_at", "is_blocked", "last_contacted_at", "engagement_score"); err != nil {
		return err
	}
	for _, c := range a.Conversations {
		rows = append(rows, []any{c.ID, c.TeamID, null(c.AccountID), null(c.ContactID), c.Status,
			ts("conversation "+c.ID+" created_at", c.CreatedAt)})
	}
	if bad != nil {
		return bad
	}
	if err := flush("conversations", "id", "team_id", "account_id", "contact_id", "status", "created_at"); err != nil {
		return err
	}
	for _, m := range a.Messages {
		sender := OutboundSenderType
		if m.Inbound {
			sender = InboundSenderType
		}
		rows = append(rows, []any{m.ID, m.TeamID, null(m.AccountID), null(m.ConversationID), m.Status, sender,
			ts("message "+m.ID+" created_at", m.CreatedAt)})
	}
	if bad != nil {
		return bad
	}
	if err := flush("messages", "id", "team_id", "account_id", "conversation_id", "status", "sender_type", "created_at"); err != nil {
		return err
	}
	for _, c := range a.Campaigns {
		rows = append(rows, []any{c.ID, c.TeamID, null(c.AccountID), c.Status, c.TotalRecipients, c.MessagesSent,
			c.MessagesDelivered, c.MessagesRead, ts("campaign "+c.ID+" created_at", c.CreatedAt)})
	}
	if bad != nil {
		return bad
	}
	return flush("campaigns", "id", "team_id", "account_id", "status", "total_recipients", "messages_sent",
		"messages_delivered", "messages_read", "created_at")
}
