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

// insertRows inserts teams, their accounts and a's rows with db, each
// table before the tables that refer to it.
func insertRows(ctx context.Context, db bun.Tx, teams []analytics.Team, a *store.Activity, precision time.Duration) error {
	w := &rowWriter{db: db, precision: precision}
	null := func(s string) any { return sql.NullString{String: s, Valid: s != ""} }
	for _, t := range teams {
		w.add(t.ID, t.TimeZone)
	}
	if err := w.flush(ctx, "teams", "id", "timezone"); err != nil {
		return err
	}
	for _, t := range teams {
		for _, acc := range t.AccountIDs {
			w.add(acc, t.ID)
		}
	}
	if err := w.flush(ctx, "whatsapp_accounts", "id", "team_id"); err != nil {
		return err
	}
	for _, c := range a.Contacts {
		w.add(c.ID, c.TeamID, w.ts("contact "+c.ID+" created_at", c.CreatedAt), c.Blocked,
			w.ts("contact "+c.ID+" last_contacted_at", c.LastContactedAt), c.EngagementScore)
	}
	if err := w.flush(ctx, "contacts", "id", "team_id", "created_at", "is_blocked", "last_contacted_at", "engagement_score"); err != nil {
		return err
	}
	for _, c := range a.Conversations {
		w.add(c.ID, c.TeamID, null(c.AccountID), null(c.ContactID), c.Status,
			w.ts("conversation "+c.ID+" created_at", c.CreatedAt))
	}
	if err := w.flush(ctx, "conversations", "id", "team_id", "account_id", "contact_id", "status", "created_at"); err != nil {
		return err
	}
	for _, m := range a.Messages {
		sender := OutboundSenderType
		if m.Inbound {
			sender = InboundSenderType
		}
		w.add(m.ID, m.TeamID, null(m.AccountID), null(m.ConversationID), m.Status, sender,
			w.ts("message "+m.ID+" created_at", m.CreatedAt), null(m.CampaignID))
	}
	if err := w.flush(ctx, "messages", "id", "team_id", "account_id", "conversation_id", "status", "sender_type", "created_at", "campaign_id"); err != nil {
		return err
	}
	for _, c := range a.Campaigns {
		w.add(c.ID, c.TeamID, null(c.AccountID), c.Status, c.TotalRecipients, c.MessagesSent,
			c.MessagesDelivered, c.MessagesRead, w.ts("campaign "+c.ID+" created_at", c.CreatedAt))
	}
	return w.flush(ctx, "campaigns", "id", "team_id", "account_id", "status", "total_recipients", "messages_sent",
		"messages_delivered", "messages_read", "created_at")
}

// rowWriter inserts rows into one table at a time, insertChunk rows a
// statement.
type rowWriter struct {
	db        bun.Tx
	precision time.Duration // of the timestamp columns
	rows      [][]any       // not inserted yet
	bad       error         // the first timestamp that ts refused
}

// add adds a row of values, in the order of the columns flush is given.
func (w *rowWriter) add(values ...any) {
	w.rows = append(w.rows, values)
}

// ts returns t as a value of a timestamp column: NULL when t is zero,
// otherwise t in UTC. A t that is not a whole multiple of the precision
// is recorded as the error of the next flush; what names it.
func (w *rowWriter) ts(what string, t time.Time) any {
	if t.IsZero() {
		return sql.NullTime{}
	}
	if !t.Truncate(w.precision).Equal(t) && w.bad == nil {
		w.bad = fmt.Errorf("synth: %s %s is not a whole multiple of %v, the precision of the columns", what, t.Format(time.RFC3339Nano), w.precision)
	}
	return t.UTC()
}

// flush inserts the rows added since the last flush into table's cols,
// unless ts refused a timestamp, and forgets them.
func (w *rowWriter) flush(ctx context.Context, table string, cols ...string) error {
	if w.bad != nil {
		return w.bad
	}
	defer func() { w.rows = w.rows[:0] }()
	for lo := 0; lo < len(w.rows); lo += insertChunk {
		chunk := w.rows[lo:min(lo+insertChunk, len(w.rows))]
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
		if _, err := w.db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("synth: inserting into %s: %w", table, err)
		}
	}
	return nil
}
