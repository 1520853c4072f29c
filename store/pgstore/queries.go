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

	// aggregation: messages and conversations together, contacts,
	// campaigns; see aggArgs for the arguments.
	messages, contacts, campaigns string
	// active counts contacts.active alone (ActiveContacts).
	active string

	snapshotsTeam, snapshotsAccount string
	snapshotsTeams                  string // of many teams, all scopes (SnapshotsOfTeams)
	upsertHead, upsertTail          string
}

// The arguments of every aggregation statement, by index. All three
// statements take the same list; each uses the ones it needs.
const (
	argTeams        = iota // text[]: the group's team IDs
	argStart               // timestamptz: period start
	argEnd                 // timestamptz: period end
	argScanLo              // timestamptz: first instant of the message scan
	argScanHi              // timestamptz: end of the message scan (exclusive)
	argWindowFloor         // text: floor(W / 1µs) microseconds, as an interval
	argWindowCeil          // text: ceil(W / 1µs) microseconds, as an interval
	argInbound             // text[]: inbound sender types
	argSentAll             // text[]: statuses counted as sent
	argDeliveredAll        // text[]: statuses counted as delivered
	argRead                // text[]: statuses counted as read
	argMsgFailed           // text[]: statuses counted as failed
	argOpen                // text[]: open conversation statuses
	argClosed              // text[]: closed conversation statuses
	argRunning             // text[]: running campaign statuses
	argCompleted           // text[]: completed campaign statuses
	argCampFailed          // text[]: failed campaign statuses
	argAccounts            // boolean: whether an item of the group is an account scope
	argSketches            // boolean: whether to return the active contacts (AggregateRequest.Sketches)
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
	q.contacts = contactsSQL(src, kinds, tbl, col)
	q.campaigns = campaignsSQL(src, kinds, tbl, col)
	q.active = activeSQL(src, kinds, tbl, col)

	snap := qualify(c.Schema, c.SnapshotTable)
	sel := `SELECT id, team_id, whatsapp_account_id, to_char(date, 'YYYY-MM-DD'), snapshot_type::text, metrics::text,
	` + epochUs("created_at") + `
FROM ` + snap + `
WHERE `
	rest := ` AND snapshot_type::text = ?2 AND date >= ?3::date AND date <= ?4::date
ORDER BY date`
	q.snapshotsTeam = sel + `team_id = ?0 AND whatsapp_account_id IS NULL` + rest
	q.snapshotsAccount = sel + `team_id = ?0 AND whatsapp_account_id = ?1` + rest
	// Roll-ups read the compact metrics where a row has them, the JSON
	// only where it has not. The type is compared as the column's own
	// (an untyped literal takes its type), so that the index serves it;
	// dates come as days since 1970-01-01.
	q.snapshotsTeams = `SELECT id, team_id, whatsapp_account_id, date - DATE '1970-01-01',
	CASE WHEN metrics_compact IS NULL THEN metrics::text END, metrics_compact,
	` + epochUs("created_at") + `, active_sketch
FROM ` + snap + `
WHERE team_id = ANY(?0::text[]) AND snapshot_type = ?1 AND date >= ?2::date AND date <= ?3::date`
	q.upsertHead = `INSERT INTO ` + snap + ` (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at, active_sketch, metrics_compact)
VALUES `
	q.upsertTail = `
ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type)
DO UPDATE SET metrics = EXCLUDED.metrics, created_at = EXCLUDED.created_at,
	active_sketch = EXCLUDED.active_sketch, metrics_compact = EXCLUDED.metrics_compact`
	return q
}

// messagesSQL aggregates the messages created in the period and the
// conversations created in it, for every team of the group, team-wide and
// per account at once. See the package documentation ("Aggregation") for
// why the scan and the ordering give exact results.
//
// The plan, in the order the CTEs run:
//
//   - d: the period's messages. The plain counts (total, sent, delivered,
//     read, failed, inbound) are grouped from them directly;
//   - a: the active conversations, those with a message in the period or
//     created in it;
//   - ci: their conversation rows (contact, account, status, creation),
//     one per active conversation (NULLs when the host has none): those
//     created in the scan range through the (team_id, created_at) index
//     and a hash join, the few older ones looked up one by one by
//     (team_id, id);
//   - s: the messages of the scan range [start-W, end+2W) of the active
//     conversations. Messages of other conversations cannot change any
//     metric of the period, so they are left out before the sort, which
//     with the window is most of the cost;
//   - w: one sort of each conversation in reverse (created_at, id) order
//     serves lag (the next message), lead (the previous one), a running
//     min (the next outbound message) and a count of the earlier inbound
//     messages since the conversation's creation (to find its first
//     customer turn). Conversations are partitioned by a number ci gives
//     each, so that the sort compares integers rather than IDs, and the
//     rows sorted are kept narrow: the sort is most of the cost;
//   - then one aggregate per family, with GROUPING SETS for the team-wide
//     and per-account scopes. With AggregateRequest.Sketches, the active
//     contacts of each (team, account) come back as an array too, from
//     which Aggregate builds the sketches of the accounts and, their
//     union, of the team.
//
// IDs are matched in the columns' own (deterministic) collations, so that
// the indexes serve the lookups; message IDs are ordered in byte order
// (COLLATE "C"). Timestamps are compared as stored, and window comparisons
// use intervals, so that no timestamp is converted to a number per row.
func messagesSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	m, cv := src.Messages, src.Conversations
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	mAt, cAt := col("m", m.CreatedAt), col("c", cv.CreatedAt)
	inPeriod := func(expr string, tz bool) string {
		return expr + ` >= ` + bound(tz, argStart) + ` AND ` + expr + ` < ` + bound(tz, argEnd)
	}
	conv := "NULLIF(" + col("m", m.ConversationID) + "::text, '')"
	wFloor := ph(argWindowFloor) + "::interval"
	wCeil := ph(argWindowCeil) + "::interval"
	ms := func(d string) string { return "floor(extract(epoch FROM " + d + ") * 1000)::bigint" }
	ciCols := col("c", cv.AccountID) + `::text AS cacct,
		NULLIF(` + col("c", cv.ContactID) + `::text, '') AS contact,
		COALESCE(` + col("c", cv.Status) + `::text = ANY(` + ph(argOpen) + `::text[]), false) AS open,
		COALESCE(` + col("c", cv.Status) + `::text = ANY(` + ph(argClosed) + `::text[]), false) AS closed,
		CASE WHEN ` + inPeriod(cAt, cvTZ) + ` THEN ` + cAt + ` END AS cts`
	var b strings.Builder
	b.WriteString(`WITH d AS MATERIALIZED (
	SELECT ` + col("m", m.TeamID) + `::text AS team, ` + conv + ` AS conv,
		` + col("m", m.AccountID) + `::text AS acct,
		` + col("m", m.Status) + `::text AS status,
		COALESCE(` + col("m", m.SenderType) + `::text = ANY(` + ph(argInbound) + `::text[]), false) AS inbound
	FROM ` + tbl(m.Table) + ` m
	WHERE ` + col("m", m.TeamID) + ` = ANY(` + ph(argTeams) + `::text[]) AND ` + inPeriod(mAt, mTZ) + `
), a AS MATERIALIZED (
	SELECT d.team, d.conv FROM d WHERE d.conv IS NOT NULL
	UNION
	SELECT ` + col("c", cv.TeamID) + `::text, ` + col("c", cv.ID) + `::text
	FROM ` + tbl(cv.Table) + ` c
	WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[]) AND ` + inPeriod(cAt, cvTZ) + `
), ci AS MATERIALIZED (
	SELECT a.team, a.conv, row_number() OVER () AS k,
		COALESCE(r.cacct, o.cacct) AS cacct, COALESCE(r.contact, o.contact) AS contact,
		COALESCE(r.open, o.open, false) AS open, COALESCE(r.closed, o.closed, false) AS closed,
		COALESCE(r.cts, o.cts) AS cts
	FROM a
	LEFT JOIN (
		SELECT ` + col("c", cv.TeamID) + `::text AS team, ` + col("c", cv.ID) + `::text AS conv, ` + ciCols + `
		FROM ` + tbl(cv.Table) + ` c
		WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
			AND ` + cAt + ` >= ` + bound(cvTZ, argScanLo) + ` AND ` + cAt + ` < ` + bound(cvTZ, argScanHi) + `
	) r ON r.team = a.team AND r.conv = a.conv
	LEFT JOIN LATERAL (
		SELECT ` + ciCols + ` FROM ` + tbl(cv.Table) + ` c
		WHERE r.conv IS NULL AND ` + col("c", cv.TeamID) + ` = a.team AND ` + col("c", cv.ID) + ` = a.conv
		LIMIT 1) o ON true
), s AS (
	SELECT ci.k, ci.team, ci.cts,
		` + col("m", m.AccountID) + `::text AS acct,
		` + col("m", m.ID) + `::text COLLATE "C" AS id,
		COALESCE(` + col("m", m.SenderType) + `::text = ANY(` + ph(argInbound) + `::text[]), false) AS inbound,
		` + mAt + ` AS at,
		(` + inPeriod(mAt, mTZ) + `) AS inp
	FROM ` + tbl(m.Table) + ` m
	JOIN ci ON ci.team = ` + col("m", m.TeamID) + `::text AND ci.conv = ` + conv + `
	WHERE ` + col("m", m.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + mAt + ` >= ` + bound(mTZ, argScanLo) + `
		AND ` + mAt + ` < ` + bound(mTZ, argScanHi) + `
), w AS MATERIALIZED (
	SELECT y.k, y.team COLLATE "C" AS team, y.acct COLLATE "C" AS acct,
		y.inp, y.replied, y.turn, y.first, y.early, y.resp_ms,
		width_bucket(y.resp_ms, ` + histogramBoundsMs() + `) AS bucket
	FROM (
		SELECT x.*,
			CASE WHEN (x.turn OR x.first) AND x.next_out - x.at <= ` + wFloor + `
				THEN ` + ms("x.next_out - x.at") + ` END AS resp_ms
		FROM (
			SELECT z.k, z.team, z.acct, z.inp, z.at, z.next_out,
				z.inp AND NOT z.inbound AND z.next_in_at - z.at <= ` + wFloor + ` AS replied,
				z.inp AND z.inbound AND NOT COALESCE(z.at - z.prev_in_at <= ` + wFloor + `, false) AS turn,
				z.inbound AND z.at >= z.cts AND z.earlier_in = 0 AS first,
				z.at - z.cts < ` + wCeil + ` AS early
			FROM (
				SELECT s.*,
					lag(CASE WHEN s.inbound THEN s.at END) OVER r AS next_in_at,
					lead(CASE WHEN s.inbound THEN s.at END) OVER r AS prev_in_at,
					min(CASE WHEN NOT s.inbound THEN s.at END) OVER r AS next_out,
					count(*) FILTER (WHERE s.inbound AND s.at >= s.cts) OVER e AS earlier_in
				FROM s
				WINDOW o AS (PARTITION BY s.k ORDER BY s.at DESC, s.id DESC),
					r AS (o ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
					e AS (o ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
			) z
		) x
		WHERE x.inp OR x.first
	) y
), ac AS (
	SELECT DISTINCT d.team COLLATE "C" AS team, d.acct COLLATE "C" AS acct, ci.contact COLLATE "C" AS contact
	FROM d JOIN ci ON ci.team = d.team AND ci.conv = d.conv
	WHERE ci.contact IS NOT NULL
)
SELECT 'm', d.team, d.acct, GROUPING(d.acct),
	count(*),
	count(*) FILTER (WHERE d.status = ANY(` + ph(argSentAll) + `::text[])),
	count(*) FILTER (WHERE d.status = ANY(` + ph(argDeliveredAll) + `::text[])),
	count(*) FILTER (WHERE d.status = ANY(` + ph(argRead) + `::text[])),
	count(*) FILTER (WHERE d.status = ANY(` + ph(argMsgFailed) + `::text[])),
	count(*) FILTER (WHERE d.inbound),
	0, NULL::bigint[], NULL::text[]
FROM d
GROUP BY GROUPING SETS ((d.team), (d.team, d.acct))
UNION ALL
SELECT 't', w.team, w.acct, GROUPING(w.acct),
	count(*) FILTER (WHERE w.replied),
	count(*) FILTER (WHERE w.turn AND w.resp_ms IS NOT NULL),
	COALESCE(sum(w.resp_ms) FILTER (WHERE w.turn), 0)::bigint,
	count(*) FILTER (WHERE w.turn AND w.resp_ms IS NULL), 0, 0, 0,
	ARRAY[`)
	for i := range analytics.HistogramBuckets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "count(*) FILTER (WHERE w.turn AND w.bucket = %d)", i)
	}
	b.WriteString(`], NULL
FROM w
WHERE w.inp
GROUP BY GROUPING SETS ((w.team), (w.team, w.acct))
UNION ALL
SELECT 'f', w.team, ci.cacct COLLATE "C", GROUPING(ci.cacct COLLATE "C"),
	count(*) FILTER (WHERE w.early AND w.resp_ms IS NOT NULL),
	COALESCE(sum(w.resp_ms) FILTER (WHERE w.early), 0)::bigint, 0, 0, 0, 0, 0, NULL, NULL
FROM w JOIN ci ON ci.k = w.k
WHERE w.first
GROUP BY GROUPING SETS ((w.team), (w.team, ci.cacct COLLATE "C"))
UNION ALL
SELECT 'c', ci.team, ci.cacct, GROUPING(ci.cacct),
	count(*), count(*) FILTER (WHERE ci.open), count(*) FILTER (WHERE ci.closed), 0, 0, 0, 0, NULL, NULL
FROM ci
WHERE ci.cts IS NOT NULL
GROUP BY GROUPING SETS ((ci.team), (ci.team, ci.cacct))
UNION ALL
SELECT 'a', ac.team, ac.acct, 0, count(*), 0, 0, 0, 0, 0, 0, NULL,
	CASE WHEN ` + ph(argSketches) + `::boolean THEN array_agg(ac.contact) END
FROM ac
GROUP BY ac.team, ac.acct
UNION ALL
SELECT 'a', x.team, NULL, 1, count(*), 0, 0, 0, 0, 0, 0, NULL, NULL
FROM (SELECT DISTINCT ac.team, ac.contact FROM ac) x
GROUP BY x.team`)
	return b.String()
}

// activeSQL counts contacts.active alone, as messagesSQL does: the distinct
// contacts of the conversations of the period's messages, per scope.
func activeSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	m, cv := src.Messages, src.Conversations
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	mAt, cAt := col("m", m.CreatedAt), col("c", cv.CreatedAt)
	conv := "NULLIF(" + col("m", m.ConversationID) + "::text, '')"
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	return `WITH d AS MATERIALIZED (
	SELECT DISTINCT ` + col("m", m.TeamID) + `::text AS team, ` + col("m", m.AccountID) + `::text AS acct, ` + conv + ` AS conv
	FROM ` + tbl(m.Table) + ` m
	WHERE ` + col("m", m.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + mAt + ` >= ` + bound(mTZ, argStart) + ` AND ` + mAt + ` < ` + bound(mTZ, argEnd) + `
		AND ` + conv + ` IS NOT NULL
), a AS (
	SELECT DISTINCT d.team, d.conv FROM d
), ci AS (
	SELECT a.team, a.conv, COALESCE(r.contact, o.contact) AS contact
	FROM a
	LEFT JOIN (
		SELECT ` + col("c", cv.TeamID) + `::text AS team, ` + col("c", cv.ID) + `::text AS conv, ` + contact + ` AS contact
		FROM ` + tbl(cv.Table) + ` c
		WHERE ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
			AND ` + cAt + ` >= ` + bound(cvTZ, argScanLo) + ` AND ` + cAt + ` < ` + bound(cvTZ, argEnd) + `
	) r ON r.team = a.team AND r.conv = a.conv
	LEFT JOIN LATERAL (
		SELECT ` + contact + ` AS contact FROM ` + tbl(cv.Table) + ` c
		WHERE r.conv IS NULL AND ` + col("c", cv.TeamID) + ` = a.team AND ` + col("c", cv.ID) + ` = a.conv
		LIMIT 1) o ON true
), ac AS MATERIALIZED (
	SELECT DISTINCT d.team COLLATE "C" AS team, d.acct COLLATE "C" AS acct, ci.contact COLLATE "C" AS contact
	FROM d JOIN ci ON ci.team = d.team AND ci.conv = d.conv
	WHERE ci.contact IS NOT NULL
)
SELECT ac.team, ac.acct, 0, count(*) FROM ac GROUP BY ac.team, ac.acct
UNION ALL
SELECT x.team, NULL, 1, count(*) FROM (SELECT DISTINCT ac.team, ac.contact FROM ac) x GROUP BY x.team`
}

// contactsSQL computes the contact metrics as of the period's end. A
// contact joins the team-wide scope when it is created, and an account
// scope at the later of its creation and its first conversation on the
// account; it counts towards total when it joined before the period's end,
// and towards new when it joined in the period. Timestamps are compared
// with the bounds as stored, each column against its own kind of bound.
// The per-account part reads every conversation of the teams up to the
// period's end; it is skipped when no item of the group is an account
// scope (real-time and dashboard reads of a team).
func contactsSQL(src *Source, kinds tsKinds, tbl func(string) string, col func(string, string) string) string {
	ct, cv := src.Contacts, src.Conversations
	ctTZ := kinds[ct.Table+"."+ct.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	score := col("k", ct.EngagementScore) + "::float8"
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	return `WITH k AS (
	SELECT ` + col("k", ct.TeamID) + `::text AS team_id, ` + col("k", ct.ID) + `::text AS id,
		` + col("k", ct.CreatedAt) + ` >= ` + bound(ctTZ, argStart) + ` AS fresh,
		COALESCE(` + col("k", ct.Blocked) + `, false) AS blocked,
		CASE WHEN ` + score + ` IS NULL OR ` + score + ` = 'NaN'::float8 OR ` + score + ` <= 0 THEN 0
			WHEN ` + score + ` >= 100 THEN 10000
			ELSE round((` + score + ` * 100)::numeric)::bigint END AS centi
	FROM ` + tbl(ct.Table) + ` k
	WHERE ` + col("k", ct.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("k", ct.CreatedAt) + ` < ` + bound(ctTZ, argEnd) + `
), acc AS (
	SELECT ` + col("c", cv.TeamID) + `::text AS team_id, ` + col("c", cv.AccountID) + `::text AS account_id,
		` + contact + ` AS contact_id, min(` + col("c", cv.CreatedAt) + `) >= ` + bound(cvTZ, argStart) + ` AS fresh
	FROM ` + tbl(cv.Table) + ` c
	WHERE ` + ph(argAccounts) + `::boolean
		AND ` + col("c", cv.TeamID) + ` = ANY(` + ph(argTeams) + `::text[])
		AND ` + col("c", cv.CreatedAt) + ` < ` + bound(cvTZ, argEnd) + `
		AND ` + col("c", cv.AccountID) + ` IS NOT NULL AND ` + contact + ` IS NOT NULL
	GROUP BY 1, 2, 3
)
SELECT k.team_id, NULL::text, 1,
	count(*), count(*) FILTER (WHERE k.fresh),
	count(*) FILTER (WHERE k.blocked), COALESCE(sum(k.centi), 0)::bigint
FROM k GROUP BY k.team_id
UNION ALL
SELECT acc.team_id, acc.account_id, 0,
	count(*), count(*) FILTER (WHERE k.fresh OR acc.fresh),
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
