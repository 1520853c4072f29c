package pgstore

import (
	"fmt"
	"math"
	"strings"

	"github.com/msgstats/analytics"
)

// queries holds the store's SQL, built once from the configuration.
// Identifiers are validated and quoted when the SQL is built; values are
// always placeholders. Bun fills placeholders client-side with its escaping
// (?N is the N-th argument); no value is ever spliced into the SQL text.
type queries struct {
	teams, team string

	// aggregation, one per source table; see aggArgs for the arguments.
	messages, conversations, contacts, campaigns string

	snapshotsTeam, snapshotsAccount string
	upsertHead, upsertTail          string
}

// The arguments of every aggregation statement, by index. All four
// statements take the same list; each uses the ones it needs.
const (
	argTeams         = iota // text[]: the group's team IDs
	argStart                // timestamptz: period start
	argEnd                  // timestamptz: period end
	argStartUs              // bigint: period start in µs since the epoch, rounded up
	argEndUs                // bigint: period end in µs since the epoch, rounded up
	argScanLo               // timestamptz: first instant of the message scan
	argScanHi               // timestamptz: end of the message scan (exclusive)
	argWindowFloorUs        // bigint: floor(W / 1µs)
	argWindowCeilUs         // bigint: ceil(W / 1µs)
	argInbound              // text[]: inbound sender types
	argSentAll              // text[]: statuses counted as sent
	argDeliveredAll         // text[]: statuses counted as delivered
	argRead                 // text[]: statuses counted as read
	argMsgFailed            // text[]: statuses counted as failed
	argOpen                 // text[]: open conversation statuses
	argClosed               // text[]: closed conversation statuses
	argRunning              // text[]: running campaign statuses
	argCompleted            // text[]: completed campaign statuses
	argCampFailed           // text[]: failed campaign statuses
	numAggArgs
)

func ph(i int) string { return fmt.Sprintf("?%d", i) }

// epochUs is the SQL for a timestamp column's instant in whole µs since
// the Unix epoch. For timestamp without time zone, extract(epoch) reads the
// wall time as UTC, whatever the session's TimeZone.
func epochUs(expr string) string {
	return "(extract(epoch FROM " + expr + ") * 1000000)::bigint"
}

// bound is the SQL comparing a timestamp column with the instant in
// placeholder i: columns without time zone hold UTC wall time.
func bound(withTZ bool, i int) string {
	if withTZ {
		return ph(i) + "::timestamptz"
	}
	return "(" + ph(i) + "::timestamptz AT TIME ZONE 'UTC')"
}

// histogramBoundsMs are HistogramBounds in whole ms, rounded up: a response
// time of d whole ms is in bucket i when it is below bound i.
func histogramBoundsMs() string {
	parts := make([]string, len(analytics.HistogramBounds))
	for i, b := range analytics.HistogramBounds {
		parts[i] = fmt.Sprintf("%d", int64(math.Ceil(b*1000)))
	}
	return "ARRAY[" + strings.Join(parts, ",") + "]::bigint[]"
}

func buildQueries(c *Config, kinds tsKinds) queries {
	src := &c.Source
	tbl := func(name string) string { return qualify(src.Schema, name) }
	col := func(alias, name string) string { return alias + "." + quoteIdent(name) }
	var q queries

	// Teams, in byte order of their IDs, with their accounts.
	t, a := src.Teams, src.Accounts
	teamSelect := `SELECT ` + col("t", t.ID) + `::text, COALESCE(` + col("t", t.TimeZone) + `::text, ''),
	COALESCE((SELECT json_agg(` + col("a", a.ID) + `::text ORDER BY ` + col("a", a.ID) + `::text COLLATE "C")
		FROM ` + tbl(a.Table) + ` a WHERE ` + col("a", a.TeamID) + ` = ` + col("t", t.ID) + `), '[]'::json)::text
FROM ` + tbl(t.Table) + ` t`
	q.teams = teamSelect + `
WHERE ` + col("t", t.ID) + `::text COLLATE "C" > ?0
ORDER BY ` + col("t", t.ID) + `::text COLLATE "C"
LIMIT ?1`
	q.team = teamSelect + `
WHERE ` + col("t", t.ID) + ` = ?0`

	q.messages = messagesSQL(src, kinds, tbl, col)
	q.conversations = conversationsSQL(src, kinds, tbl, col)
	q.contacts = contactsSQL(src, kinds, tbl, col)
	q.campaigns = campaignsSQL(src, kinds, tbl, col)

	snap := qualify(c.Schema, c.SnapshotTable)
	sel := `SELECT id, team_id, whatsapp_account_id, to_char(date, 'YYYY-MM-DD'), snapshot_type::text, metrics::text,
	` + epochUs("created_at") + `
FROM ` + snap + `
WHERE `
	rest := ` AND snapshot_type::text = ?2 AND date >= ?3::date AND date <= ?4::date
ORDER BY date`
	q.snapshotsTeam = sel + `team_id = ?0 AND whatsapp_account_id IS NULL` + rest
	q.snapshotsAccount = sel + `team_id = ?0 AND whatsapp_account_id = ?1` + rest
	q.upsertHead = `INSERT INTO ` + snap + ` (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at)
VALUES `
	q.upsertTail = `
ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type)
DO UPDATE SET metrics = EXCLUDED.metrics, created_at = EXCLUDED.created_at`
	return q
}

// messagesSQL aggregates the messages created in the period, for every
// team of the group, team-wide and per account at once.
//
// The messages of each (team, conversation) are ordered by (created_at, id
// COLLATE "C") and scanned over [start-W, end+2W) plus a margin: lag() and
// lead() give each message's neighbours and a reverse running min() the
// next outbound message. A scan that is a contiguous range of that order
// gives every message in it its true neighbour whenever that neighbour is
// close enough to matter (within W); see the package documentation.
func messagesSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	m, cv := src.Messages, src.Conversations
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	var b strings.Builder
	b.WriteString(`WITH s AS (
	SELECT ` + col("m", m.TeamID) + `::text AS team_id,
		` + col("m", m.AccountID) + `::text AS account_id,
		NULLIF(` + col("m", m.ConversationID) + `::text, '') AS conv,
		` + col("m", m.ID) + `::text AS id,
		` + col("m", m.Status) + `::text AS status,
		COALESCE(` + col("m", m.SenderType) + `::text = ANY(` + ph(argInbound) + `::text[]), false) AS inbound,
		` + epochUs(col("m", m.CreatedAt)) + ` AS ts
	FROM ` + tbl(m.Table) + ` m
	WHERE ` + col("m", m.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("m", m.CreatedAt) + ` >= ` + bound(mTZ, argScanLo) + `
		AND ` + col("m", m.CreatedAt) + ` < ` + bound(mTZ, argScanHi) + `
), w AS (
	SELECT s.*,
		lag(s.inbound) OVER o AS prev_in,
		lag(s.ts) OVER o AS prev_ts,
		lead(s.inbound) OVER o AS next_in,
		lead(s.ts) OVER o AS next_ts,
		min(CASE WHEN NOT s.inbound THEN s.ts END) OVER r AS next_out
	FROM s
	WINDOW o AS (PARTITION BY s.team_id, s.conv ORDER BY s.ts, s.id COLLATE "C"),
		r AS (PARTITION BY s.team_id, s.conv ORDER BY s.ts DESC, s.id COLLATE "C" DESC
			ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), f AS (
	SELECT w.team_id, w.account_id, w.conv, w.status, w.inbound,
		(NOT w.inbound AND w.conv IS NOT NULL AND w.next_in AND w.next_ts - w.ts <= ` + ph(argWindowFloorUs) + `) AS replied,
		(w.inbound AND w.conv IS NOT NULL
			AND NOT COALESCE(w.prev_in AND w.ts - w.prev_ts <= ` + ph(argWindowFloorUs) + `, false)) AS turn,
		CASE WHEN w.next_out - w.ts <= ` + ph(argWindowFloorUs) + ` THEN (w.next_out - w.ts) / 1000 END AS resp_ms
	FROM w
	WHERE w.ts >= ` + ph(argStartUs) + ` AND w.ts < ` + ph(argEndUs) + `
), h AS (
	SELECT f.*, width_bucket(f.resp_ms, ` + histogramBoundsMs() + `) AS bucket
	FROM f
), fc AS (
	SELECT ` + col("c", cv.TeamID) + `::text AS team_id, ` + col("c", cv.AccountID) + `::text AS account_id,
		` + col("c", cv.ID) + `::text AS id, ` + epochUs(col("c", cv.CreatedAt)) + ` AS cts
	FROM ` + tbl(cv.Table) + ` c
	WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("c", cv.CreatedAt) + ` >= ` + bound(cvTZ, argStart) + `
		AND ` + col("c", cv.CreatedAt) + ` < ` + bound(cvTZ, argEnd) + `
), fr AS (
	SELECT DISTINCT ON (fc.team_id, fc.id) fc.team_id, fc.account_id,
		CASE WHEN w.ts - fc.cts < ` + ph(argWindowCeilUs) + ` AND w.next_out - w.ts <= ` + ph(argWindowFloorUs) + `
			THEN (w.next_out - w.ts) / 1000 END AS first_ms
	FROM fc JOIN w ON w.team_id = fc.team_id AND w.conv = fc.id AND w.inbound AND w.ts >= fc.cts
	ORDER BY fc.team_id, fc.id, w.ts, w.id COLLATE "C"
)
SELECT 'm', h.team_id, h.account_id, GROUPING(h.account_id),
	count(*),
	count(*) FILTER (WHERE h.status = ANY(` + ph(argSentAll) + `::text[])),
	count(*) FILTER (WHERE h.status = ANY(` + ph(argDeliveredAll) + `::text[])),
	count(*) FILTER (WHERE h.status = ANY(` + ph(argRead) + `::text[])),
	count(*) FILTER (WHERE h.status = ANY(` + ph(argMsgFailed) + `::text[])),
	count(*) FILTER (WHERE h.replied),
	count(*) FILTER (WHERE h.inbound),
	count(*) FILTER (WHERE NOT h.inbound),
	count(*) FILTER (WHERE h.turn AND h.resp_ms IS NOT NULL),
	COALESCE(sum(h.resp_ms) FILTER (WHERE h.turn), 0)::bigint,
	count(*) FILTER (WHERE h.turn AND h.resp_ms IS NULL),
	0::bigint, 0::bigint, 0::bigint`)
	for i := range analytics.HistogramBuckets {
		fmt.Fprintf(&b, ",\n\tcount(*) FILTER (WHERE h.turn AND h.bucket = %d)", i)
	}
	b.WriteString(`
FROM h
GROUP BY GROUPING SETS ((h.team_id), (h.team_id, h.account_id))
UNION ALL
SELECT 'f', fr.team_id, fr.account_id, GROUPING(fr.account_id),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	count(fr.first_ms), COALESCE(sum(fr.first_ms), 0)::bigint`)
	for range analytics.HistogramBuckets {
		b.WriteString(", 0")
	}
	b.WriteString(`
FROM fr
GROUP BY GROUPING SETS ((fr.team_id), (fr.team_id, fr.account_id))
UNION ALL
SELECT 'a', ac.team_id, ac.account_id, GROUPING(ac.account_id),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(DISTINCT ac.contact_id), 0, 0`)
	for range analytics.HistogramBuckets {
		b.WriteString(", 0")
	}
	// Active contacts: the distinct contacts of the conversations of the
	// period's messages, looked up once per (scope, conversation).
	b.WriteString(`
FROM (
	SELECT d.team_id, d.account_id, NULLIF(` + col("c", cv.ContactID) + `::text, '') AS contact_id
	FROM (SELECT DISTINCT f.team_id, f.account_id, f.conv FROM f WHERE f.conv IS NOT NULL) d
	JOIN ` + tbl(cv.Table) + ` c ON ` + col("c", cv.TeamID) + ` = d.team_id AND ` + col("c", cv.ID) + ` = d.conv
) ac
GROUP BY GROUPING SETS ((ac.team_id), (ac.team_id, ac.account_id))`)
	return b.String()
}

// conversationsSQL counts the conversations created in the period.
func conversationsSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	cv := src.Conversations
	tz := kinds[cv.Table+"."+cv.CreatedAt]
	return `SELECT ` + col("c", cv.TeamID) + `::text, ` + col("c", cv.AccountID) + `::text, GROUPING(` + col("c", cv.AccountID) + `),
	count(*),
	count(*) FILTER (WHERE ` + col("c", cv.Status) + `::text = ANY(` + ph(argOpen) + `::text[])),
	count(*) FILTER (WHERE ` + col("c", cv.Status) + `::text = ANY(` + ph(argClosed) + `::text[]))
FROM ` + tbl(cv.Table) + ` c
WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
	AND ` + col("c", cv.CreatedAt) + ` >= ` + bound(tz, argStart) + `
	AND ` + col("c", cv.CreatedAt) + ` < ` + bound(tz, argEnd) + `
GROUP BY GROUPING SETS ((` + col("c", cv.TeamID) + `), (` + col("c", cv.TeamID) + `, ` + col("c", cv.AccountID) + `))`
}

// contactsSQL computes the contact metrics as of the period's end. A
// contact joins the team-wide scope when it is created, and an account
// scope at the later of its creation and its first conversation on the
// account; it counts towards total when it joined before the period's end,
// and towards new when it joined in the period.
func contactsSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	ct, cv := src.Contacts, src.Conversations
	ctTZ := kinds[ct.Table+"."+ct.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	score := col("k", ct.EngagementScore) + "::float8"
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	return `WITH k AS (
	SELECT ` + col("k", ct.TeamID) + `::text AS team_id, ` + col("k", ct.ID) + `::text AS id,
		` + epochUs(col("k", ct.CreatedAt)) + ` AS cts,
		COALESCE(` + col("k", ct.Blocked) + `, false) AS blocked,
		CASE WHEN ` + score + ` IS NULL OR ` + score + ` = 'NaN'::float8 OR ` + score + ` <= 0 THEN 0
			WHEN ` + score + ` >= 100 THEN 10000
			ELSE round((` + score + ` * 100)::numeric)::bigint END AS centi
	FROM ` + tbl(ct.Table) + ` k
	WHERE ` + col("k", ct.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("k", ct.CreatedAt) + ` < ` + bound(ctTZ, argEnd) + `
), acc AS (
	SELECT ` + col("c", cv.TeamID) + `::text AS team_id, ` + col("c", cv.AccountID) + `::text AS account_id,
		` + contact + ` AS contact_id, min(` + epochUs(col("c", cv.CreatedAt)) + `) AS first_us
	FROM ` + tbl(cv.Table) + ` c
	WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("c", cv.CreatedAt) + ` < ` + bound(cvTZ, argEnd) + `
		AND ` + col("c", cv.AccountID) + ` IS NOT NULL AND ` + contact + ` IS NOT NULL
	GROUP BY 1, 2, 3
)
SELECT k.team_id, NULL::text, 1,
	count(*), count(*) FILTER (WHERE k.cts >= ` + ph(argStartUs) + `),
	count(*) FILTER (WHERE k.blocked), COALESCE(sum(k.centi), 0)::bigint
FROM k GROUP BY k.team_id
UNION ALL
SELECT acc.team_id, acc.account_id, 0,
	count(*), count(*) FILTER (WHERE GREATEST(k.cts, acc.first_us) >= ` + ph(argStartUs) + `),
	count(*) FILTER (WHERE k.blocked), COALESCE(sum(k.centi), 0)::bigint
FROM acc JOIN k ON k.team_id = acc.team_id AND k.id = acc.contact_id
GROUP BY acc.team_id, acc.account_id`
}

// campaignsSQL sums the campaigns created in the period.
func campaignsSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	cp := src.Campaigns
	tz := kinds[cp.Table+"."+cp.CreatedAt]
	sum := func(name string) string { return "COALESCE(sum(" + col("c", name) + "), 0)::bigint" }
	status := col("c", cp.Status) + "::text"
	return `SELECT ` + col("c", cp.TeamID) + `::text, ` + col("c", cp.AccountID) + `::text, GROUPING(` + col("c", cp.AccountID) + `),
	count(*),
	count(*) FILTER (WHERE ` + status + ` = ANY(` + ph(argRunning) + `::text[])),
	count(*) FILTER (WHERE ` + status + ` = ANY(` + ph(argCompleted) + `::text[])),
	count(*) FILTER (WHERE ` + status + ` = ANY(` + ph(argCampFailed) + `::text[])),
	` + sum(cp.TotalRecipients) + `,
	` + sum(cp.MessagesSent) + `,
	` + sum(cp.MessagesDelivered) + `,
	` + sum(cp.MessagesRead) + `
FROM ` + tbl(cp.Table) + ` c
WHERE ` + col("c", cp.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
	AND ` + col("c", cp.CreatedAt) + ` >= ` + bound(tz, argStart) + `
	AND ` + col("c", cp.CreatedAt) + ` < ` + bound(tz, argEnd) + `
GROUP BY GROUPING SETS ((` + col("c", cp.TeamID) + `), (` + col("c", cp.TeamID) + `, ` + col("c", cp.AccountID) + `))`
}
