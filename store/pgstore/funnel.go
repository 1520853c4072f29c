package pgstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var _ analytics.CampaignReader = (*Store)(nil)

// The arguments of funnelsSQL, by index.
const (
	argFunnelTeam       = iota // text: the team
	argFunnelAfter             // text: campaigns whose ID sorts after it ("" for all)
	argFunnelIDs               // text[]: the campaigns asked for; empty for all
	argFunnelLimit             // integer: the most campaigns
	argFunnelWindowUs          // bigint: the reply window in µs
	argFunnelInbound           // text[]: inbound sender types
	argFunnelSent              // text[]: statuses counted as sent
	argFunnelDelivered         // text[]: statuses counted as delivered
	argFunnelRead              // text[]: statuses counted as read
	argFunnelFailed            // text[]: statuses counted as failed
	argFunnelRunning           // text[]: running campaign statuses
	argFunnelCompleted         // text[]: completed campaign statuses
	argFunnelCampFailed        // text[]: failed campaign statuses
	numFunnelArgs
)

// CampaignFunnels implements analytics.CampaignReader in one statement
// (funnelsSQL), whatever the number of campaigns. A funnel's Status is
// store.CampaignRunning, CampaignCompleted or CampaignFailed for a status
// of Source.Campaigns' RunningStatuses, CompletedStatuses or
// FailedStatuses, and the stored value otherwise. It needs
// Source.Messages.CampaignID: without it, it returns an error wrapping
// analytics.ErrInvalidArgument that names that field. A team ID that
// cannot be a value of Source.Teams.ID's type gives ErrInvalidArgument,
// as Team does. With Config.Replica, it reads there.
//
// Cost: the team's campaigns after q.After (by its campaigns index), the
// messages that carry the selected campaigns' references (by the
// (team_id, campaign_id) index of RecommendedIndexes), and the messages of
// those messages' conversations created since the earliest of them, which
// it orders per conversation with a window function to find each one's
// next message.
func (s *Store) CampaignFunnels(ctx context.Context, q analytics.CampaignQuery) ([]analytics.CampaignFunnel, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if s.q.funnels == "" {
		return nil, store.InvalidArgument("Config.Source.Messages.CampaignID",
			"is not set, so messages carry no campaign reference and campaign funnels cannot be computed; map the messages' campaign column (such as \"campaign_id\", or Prisma's \"campaignId\")")
	}
	t := s.cfg.Source.Teams
	if err := s.checkID("CampaignQuery.TeamID", t.Table, t.ID, q.TeamID); err != nil {
		return nil, err
	}
	m := &s.cfg.Source.Messages
	args := make([]any, numFunnelArgs)
	args[argFunnelTeam] = q.TeamID
	args[argFunnelAfter] = q.After
	args[argFunnelIDs] = textArray(q.CampaignIDs)
	args[argFunnelLimit] = q.Limit
	args[argFunnelWindowUs] = int64(q.Window() / time.Microsecond)
	args[argFunnelInbound] = textArray(m.InboundSenderTypes)
	args[argFunnelSent] = textArray(append(append(append([]string{}, m.SentStatuses...), m.DeliveredStatuses...), m.ReadStatuses...))
	args[argFunnelDelivered] = textArray(append(append([]string{}, m.DeliveredStatuses...), m.ReadStatuses...))
	args[argFunnelRead] = textArray(m.ReadStatuses)
	args[argFunnelFailed] = textArray(m.FailedStatuses)
	cp := &s.cfg.Source.Campaigns
	args[argFunnelRunning] = textArray(cp.RunningStatuses)
	args[argFunnelCompleted] = textArray(cp.CompletedStatuses)
	args[argFunnelCampFailed] = textArray(cp.FailedStatuses)
	out := []analytics.CampaignFunnel{}
	err := s.query(ctx, s.reader(ctx), "reading campaign funnels", s.q.funnels, args, func(rows *sql.Rows) error {
		f := analytics.CampaignFunnel{TeamID: q.TeamID}
		var acct sql.NullString
		var atUs int64
		if err := rows.Scan(&f.CampaignID, &acct, &f.Status, &atUs, &f.Recipients,
			&f.Messages, &f.Sent, &f.Delivered, &f.Read, &f.Failed, &f.Replied); err != nil {
			return err
		}
		f.AccountID = acct.String
		f.CreatedAt = time.UnixMicro(atUs).UTC()
		f.Derive()
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// funnelsSQL computes the funnels of a page of one team's campaigns (see
// the argFunnel arguments), one row per campaign in byte order of its ID:
// ID, account, status, created_at in µs since the epoch, recipients, and
// the counts of messages, sent, delivered, read, failed and replied. It
// returns "" when Messages.CampaignID is not mapped.
//
// c is the page of campaigns; cm the team's messages that carry their
// references; th the messages of cm's conversations from cm's earliest
// message on, each with its successor in the conversation's (created_at,
// id) order (the order of store.CompareMessages: IDs in byte order), so
// that a campaign message is replied when it is outbound and its successor
// is inbound and within the window: Walk's rule.
func funnelsSQL(src *Source, types colTypes, tbl func(string) string, col func(string, string) string) string {
	m, cp, t := src.Messages, src.Campaigns, src.Teams
	if m.CampaignID == "" {
		return ""
	}
	teamType := types.of(t.Table, t.ID)
	team := func(alias, table, column string) string {
		return eqText(col(alias, column), types.of(table, column), ph(argFunnelTeam), teamType)
	}
	inbound := func(alias string) string {
		return "COALESCE(" + col(alias, m.SenderType) + "::text = ANY(" + ph(argFunnelInbound) + "::text[]), false)"
	}
	conv := func(alias string) string { return "NULLIF(" + col(alias, m.ConversationID) + "::text, '')" }
	// The messages' references are compared with the campaigns' IDs as
	// their own type when both columns have one, so that the index serves.
	campRef := col("m", m.CampaignID) + " = ANY(ARRAY(SELECT c.raw FROM c))"
	if types.of(m.Table, m.CampaignID) != types.of(cp.Table, cp.ID) {
		campRef = col("m", m.CampaignID) + "::text = ANY(ARRAY(SELECT c.id FROM c))"
	}
	count := func(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" }
	order := col("n", m.CreatedAt) + ", " + col("n", m.ID) + `::text COLLATE "C"`
	return `WITH c AS MATERIALIZED (
	SELECT ` + col("c", cp.ID) + ` AS raw, ` + col("c", cp.ID) + `::text AS id, ` + col("c", cp.AccountID) + `::text AS acct,
		` + campaignStatusSQL(col("c", cp.Status)+"::text") + ` AS status, ` + epochUs(col("c", cp.CreatedAt)) + ` AS at,
		GREATEST(COALESCE(` + col("c", cp.TotalRecipients) + `, 0), 0)::bigint AS recipients
	FROM ` + tbl(cp.Table) + ` c
	WHERE ` + team("c", cp.Table, cp.TeamID) + `
		AND ` + col("c", cp.ID) + `::text COLLATE "C" > ` + ph(argFunnelAfter) + `
		AND (cardinality(` + ph(argFunnelIDs) + `::text[]) = 0 OR ` + col("c", cp.ID) + `::text = ANY(` + ph(argFunnelIDs) + `::text[]))
	ORDER BY ` + col("c", cp.ID) + `::text COLLATE "C"
	LIMIT ` + ph(argFunnelLimit) + `
), cm AS MATERIALIZED (
	SELECT ` + col("m", m.CampaignID) + `::text AS camp, ` + col("m", m.ConversationID) + ` AS conv_raw, ` + conv("m") + ` AS conv,
		` + col("m", m.ID) + `::text AS id, ` + col("m", m.CreatedAt) + ` AS at, ` + inbound("m") + ` AS inbound,
		` + col("m", m.Status) + `::text AS status
	FROM ` + tbl(m.Table) + ` m
	WHERE ` + team("m", m.Table, m.TeamID) + ` AND ` + campRef + `
), th AS (
	SELECT ` + conv("n") + ` AS conv, ` + col("n", m.ID) + `::text AS id,
		lead(` + inbound("n") + `) OVER w AS next_inbound, lead(` + col("n", m.CreatedAt) + `) OVER w AS next_at
	FROM ` + tbl(m.Table) + ` n
	WHERE ` + team("n", m.Table, m.TeamID) + `
		AND ` + col("n", m.ConversationID) + ` IN (SELECT cm.conv_raw FROM cm WHERE cm.conv IS NOT NULL AND NOT cm.inbound)
		AND ` + col("n", m.CreatedAt) + ` >= (SELECT min(cm.at) FROM cm WHERE cm.conv IS NOT NULL AND NOT cm.inbound)
	WINDOW w AS (PARTITION BY ` + conv("n") + ` ORDER BY ` + order + `)
)
SELECT c.id, c.acct, c.status, c.at, c.recipients,
	count(cm.id),
	` + count("cm.status = ANY("+ph(argFunnelSent)+"::text[])") + `,
	` + count("cm.status = ANY("+ph(argFunnelDelivered)+"::text[])") + `,
	` + count("cm.status = ANY("+ph(argFunnelRead)+"::text[])") + `,
	` + count("cm.status = ANY("+ph(argFunnelFailed)+"::text[])") + `,
	` + count("NOT cm.inbound AND th.next_inbound AND th.next_at <= cm.at + "+ph(argFunnelWindowUs)+"::bigint * interval '1 microsecond'") + `
FROM c
LEFT JOIN cm ON cm.camp = c.id
LEFT JOIN th ON th.conv = cm.conv AND th.id = cm.id AND NOT cm.inbound
GROUP BY c.id, c.acct, c.status, c.at, c.recipients
ORDER BY c.id COLLATE "C"`
}

// campaignStatusSQL is the funnel's status of a campaign whose status is
// the text expression status: store.CampaignRunning, CampaignCompleted or
// CampaignFailed when a list of the mapping has it, else as stored.
func campaignStatusSQL(status string) string {
	return `CASE WHEN ` + status + ` = ANY(` + ph(argFunnelRunning) + `::text[]) THEN ` + quoteLiteral(store.CampaignRunning) + `
		WHEN ` + status + ` = ANY(` + ph(argFunnelCompleted) + `::text[]) THEN ` + quoteLiteral(store.CampaignCompleted) + `
		WHEN ` + status + ` = ANY(` + ph(argFunnelCampFailed) + `::text[]) THEN ` + quoteLiteral(store.CampaignFailed) + `
		ELSE ` + status + ` END`
}

// campaignIndex is the recommended index of the messages' campaign
// references: (team, campaign) for a table with a team column, (campaign)
// for one with a TeamVia; the zero Index when Messages.CampaignID is not
// mapped.
func campaignIndex(src *Source, name, table string) Index {
	keys := campaignKeys(src)
	if keys == nil {
		return Index{}
	}
	cols := quoteIdent(keys[0])
	if len(keys) == 2 {
		cols += ", " + quoteIdent(keys[1])
	} else {
		name = strings.Replace(name, "_team_campaign_idx", "_campaign_idx", 1)
	}
	return Index{Name: name, Table: table, Columns: cols}
}

// campaignKeys returns the key columns of campaignIndex, or nil.
func campaignKeys(src *Source) []string {
	m := src.Messages
	switch {
	case m.CampaignID == "":
		return nil
	case m.TeamVia != TeamViaColumn:
		return []string{m.CampaignID}
	}
	return []string{m.TeamID, m.CampaignID}
}
