package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Original is the original (Node/Prisma) system's snapshot job, rebuilt on
// the reference schema as the baseline the SDK is measured against. For
// each team in turn, and for the team-wide scope and then each account, it
// ran one query per metric family and then one upsert, in sequence:
//
//  1. messages grouped by status and direction (Prisma groupBy);
//  2. distinct conversations with an inbound message ("replied");
//  3. the period's campaign rows (findMany), summed and averaged in code;
//  4. five contact counts: total, new, active (distinct contacts of the
//     period's conversations), blocked, average engagement score;
//  5. three conversation counts: total, open, closed;
//  6. one upsert of the snapshot row.
//
// That is 12 statements per scope. Queries are parameterised prepared
// statements on one connection (as Prisma's engine sends them), so each
// costs one round trip. Periods are the team's local days (the original
// used the server's midnight; local days keep the rows comparable with the
// SDK's). Where the original's semantics are cheaper than the SDK's they
// are kept cheaper: contact counts ignore the account, and "replied"
// counts conversations, not messages answered within the reply window. The
// baseline is therefore, if anything, flattered.
type Original struct {
	Conn *pgx.Conn
	// Inbound is the sender_type of messages sent by the contact.
	Inbound string
	// Statements counts the statements run.
	Statements int64
}

// OriginalMetrics is what the original system stored per scope and period.
type OriginalMetrics struct {
	Messages struct {
		Total, Sent, Delivered, Read, Failed, Replied, Inbound, Outbound int64
		DeliveryRate, ReadRate, ReplyRate, FailureRate                   float64
	} `json:"messages"`
	Campaigns struct {
		Total, Active, Completed, Failed int64
		TotalRecipients, MessagesSent    int64
		MessagesDelivered, MessagesRead  int64
		AvgDeliveryRate, AvgReadRate     float64
	} `json:"campaigns"`
	Contacts struct {
		Total, New, Active, Blocked int64
		AvgEngagementScore          float64
	} `json:"contacts"`
	Conversations struct {
		Total, Open, Closed int64
		AvgResponseTime     float64
	} `json:"conversations"`
}

// originalTable is where the baseline writes its rows, apart from the
// SDK's snapshots, with the key the original meant to have.
const originalTable = "bench_original_snapshots"

// Setup creates the baseline's snapshot table if needed.
func (o *Original) Setup(ctx context.Context) error {
	_, err := o.Conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+originalTable+` (
	id TEXT PRIMARY KEY,
	team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	whatsapp_account_id TEXT,
	date DATE NOT NULL,
	snapshot_type TEXT NOT NULL,
	metrics JSONB NOT NULL,
	created_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
	UNIQUE NULLS NOT DISTINCT (team_id, whatsapp_account_id, date, snapshot_type))`)
	return err
}

// RunDaily generates the daily snapshot of every scope of every team for
// the last day complete at instant at in the team's zone, like the
// original's 2 AM job: teams listed once, then scope after scope.
func (o *Original) RunDaily(ctx context.Context, teams analytics.TeamReader, at time.Time) (scopes int, err error) {
	all, err := allTeams(ctx, teams)
	if err != nil {
		return 0, err
	}
	o.Statements++ // the original listed teams with their accounts in one query
	for _, t := range all {
		loc, err := t.Location()
		if err != nil {
			return scopes, err
		}
		p, err := analytics.LastCompletePeriod(analytics.Daily, at, loc)
		if err != nil {
			return scopes, err
		}
		for _, sc := range t.Scopes() {
			m, err := o.Metrics(ctx, analytics.ScopePeriod{Scope: sc, Period: p})
			if err != nil {
				return scopes, err
			}
			if err := o.upsert(ctx, sc, p, m); err != nil {
				return scopes, err
			}
			scopes++
		}
	}
	return scopes, nil
}

func allTeams(ctx context.Context, r analytics.TeamReader) ([]analytics.Team, error) {
	var all []analytics.Team
	after := ""
	for {
		ts, err := r.Teams(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
		if len(ts) < 1000 {
			return all, nil
		}
		after = ts[len(ts)-1].ID
	}
}

// utcWall is how the reference schema stores an instant: its UTC wall time.
func utcWall(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), time.UTC)
}

// scoped appends the account filter of an account scope to a query on
// table alias a, returning the SQL and its arguments.
func scoped(sql string, a string, sp analytics.ScopePeriod, args ...any) (string, []any) {
	if sp.Scope.TeamWide() {
		return sql, args
	}
	return sql + fmt.Sprintf(" AND %saccount_id = $%d", a, len(args)+1), append(args, sp.Scope.AccountID)
}

// Metrics runs the original's queries for one scope and period.
func (o *Original) Metrics(ctx context.Context, sp analytics.ScopePeriod) (OriginalMetrics, error) {
	var m OriginalMetrics
	for _, step := range []func(context.Context, analytics.ScopePeriod, *OriginalMetrics) error{
		o.messages, o.campaigns, o.contacts, o.conversations,
	} {
		if err := step(ctx, sp, &m); err != nil {
			return m, err
		}
	}
	return m, nil
}

// count runs a statement returning one count.
func (o *Original) count(ctx context.Context, sql string, args []any) (int64, error) {
	o.Statements++
	var n int64
	err := o.Conn.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// messages sets m.Messages: the message counts by status and direction,
// then "replied", the conversations with an inbound message.
func (o *Original) messages(ctx context.Context, sp analytics.ScopePeriod, m *OriginalMetrics) error {
	team, start, end := sp.Scope.TeamID, utcWall(sp.Period.Start), utcWall(sp.Period.End)
	q, args := scoped(`SELECT status, sender_type = $4 AS inbound, count(*) FROM messages
WHERE team_id = $1 AND created_at >= $2 AND created_at < $3`, "", sp, team, start, end, o.Inbound)
	o.Statements++
	rows, err := o.Conn.Query(ctx, q+` GROUP BY 1, 2`, args...)
	if err != nil {
		return err
	}
	msg := &m.Messages
	for rows.Next() {
		var status string
		var inbound bool
		var n int64
		if err := rows.Scan(&status, &inbound, &n); err != nil {
			rows.Close()
			return err
		}
		msg.Total += n
		if inbound {
			msg.Inbound += n
		} else {
			msg.Outbound += n
		}
		switch status {
		case store.StatusSent:
			msg.Sent += n
		case store.StatusDelivered:
			msg.Sent += n
			msg.Delivered += n
		case store.StatusRead:
			msg.Sent += n
			msg.Delivered += n
			msg.Read += n
		case store.StatusFailed:
			msg.Failed += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	q, args = scoped(`SELECT count(DISTINCT conversation_id) FROM messages
WHERE team_id = $1 AND created_at >= $2 AND created_at < $3 AND sender_type = $4`, "", sp, team, start, end, o.Inbound)
	if msg.Replied, err = o.count(ctx, q, args); err != nil {
		return err
	}
	msg.DeliveryRate = analytics.DeliveryRate(msg.Delivered, msg.Sent)
	msg.ReadRate = analytics.ReadRate(msg.Read, msg.Delivered)
	msg.ReplyRate = analytics.ReplyRate(msg.Replied, msg.Sent)
	msg.FailureRate = analytics.FailureRate(msg.Failed, msg.Total)
	return nil
}

// campaigns sets m.Campaigns from the campaign rows, aggregated in code;
// the rates are averaged per campaign.
func (o *Original) campaigns(ctx context.Context, sp analytics.ScopePeriod, m *OriginalMetrics) error {
	q, args := scoped(`SELECT status, total_recipients, messages_sent, messages_delivered, messages_read FROM campaigns
WHERE team_id = $1 AND created_at >= $2 AND created_at < $3`, "", sp, sp.Scope.TeamID, utcWall(sp.Period.Start), utcWall(sp.Period.End))
	o.Statements++
	rows, err := o.Conn.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	cp := &m.Campaigns
	var sumDelivery, sumRead float64
	for rows.Next() {
		var status string
		var recipients, sent, delivered, read int64
		if err := rows.Scan(&status, &recipients, &sent, &delivered, &read); err != nil {
			rows.Close()
			return err
		}
		cp.Total++
		switch status {
		case store.CampaignRunning:
			cp.Active++
		case store.CampaignCompleted:
			cp.Completed++
		case store.CampaignFailed:
			cp.Failed++
		}
		cp.TotalRecipients += recipients
		cp.MessagesSent += sent
		cp.MessagesDelivered += delivered
		cp.MessagesRead += read
		sumDelivery += analytics.DeliveryRate(delivered, sent)
		sumRead += analytics.ReadRate(read, delivered)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if cp.Total > 0 {
		cp.AvgDeliveryRate = sumDelivery / float64(cp.Total)
		cp.AvgReadRate = sumRead / float64(cp.Total)
	}
	return nil
}

// contacts sets m.Contacts, with five queries.
func (o *Original) contacts(ctx context.Context, sp analytics.ScopePeriod, m *OriginalMetrics) error {
	team, start, end := sp.Scope.TeamID, utcWall(sp.Period.Start), utcWall(sp.Period.End)
	ct := &m.Contacts
	var err error
	if ct.Total, err = o.count(ctx, `SELECT count(*) FROM contacts WHERE team_id = $1 AND created_at < $2`, []any{team, end}); err != nil {
		return err
	}
	if ct.New, err = o.count(ctx, `SELECT count(*) FROM contacts WHERE team_id = $1 AND created_at >= $2 AND created_at < $3`, []any{team, start, end}); err != nil {
		return err
	}
	q, args := scoped(`SELECT count(DISTINCT c.contact_id) FROM messages m
JOIN conversations c ON c.team_id = m.team_id AND c.id = m.conversation_id
WHERE m.team_id = $1 AND m.created_at >= $2 AND m.created_at < $3`, "m.", sp, team, start, end)
	if ct.Active, err = o.count(ctx, q, args); err != nil {
		return err
	}
	if ct.Blocked, err = o.count(ctx, `SELECT count(*) FROM contacts WHERE team_id = $1 AND created_at < $2 AND is_blocked`, []any{team, end}); err != nil {
		return err
	}
	o.Statements++
	var avg *float64
	if err := o.Conn.QueryRow(ctx, `SELECT avg(engagement_score) FROM contacts WHERE team_id = $1 AND created_at < $2`, team, end).Scan(&avg); err != nil {
		return err
	}
	if avg != nil {
		ct.AvgEngagementScore = *avg
	}
	return nil
}

// conversations sets m.Conversations, with three counts.
func (o *Original) conversations(ctx context.Context, sp analytics.ScopePeriod, m *OriginalMetrics) error {
	cv := &m.Conversations
	for _, c := range []struct {
		dst    *int64
		status string
	}{{&cv.Total, ""}, {&cv.Open, store.ConversationOpen}, {&cv.Closed, store.ConversationClosed}} {
		base := `SELECT count(*) FROM conversations WHERE team_id = $1 AND created_at >= $2 AND created_at < $3`
		a := []any{sp.Scope.TeamID, utcWall(sp.Period.Start), utcWall(sp.Period.End)}
		if c.status != "" {
			base += ` AND status = $4`
			a = append(a, c.status)
		}
		q, args := scoped(base, "", sp, a...)
		var err error
		if *c.dst, err = o.count(ctx, q, args); err != nil {
			return err
		}
	}
	return nil
}

func (o *Original) upsert(ctx context.Context, sc analytics.Scope, p analytics.Period, m OriginalMetrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var account *string
	if !sc.TeamWide() {
		account = &sc.AccountID
	}
	id := fmt.Sprintf("%s|%s|%s|%s", sc.TeamID, sc.AccountID, p.Date, p.Type)
	o.Statements++
	_, err = o.Conn.Exec(ctx, `INSERT INTO `+originalTable+` (id, team_id, whatsapp_account_id, date, snapshot_type, metrics)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type) DO UPDATE SET metrics = EXCLUDED.metrics, created_at = now()`,
		id, sc.TeamID, account, p.Date.String(), p.Type.String(), b)
	return err
}
