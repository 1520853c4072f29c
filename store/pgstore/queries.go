package pgstore

import (
	"fmt"
	"strconv"
	"time"
)

// queries holds the store's SQL, built once from the configuration.
// Identifiers are validated and quoted when the SQL is built; values are
// always placeholders. Bun fills placeholders client-side with its escaping
// (?N is the N-th argument); no value is ever spliced into the SQL text.
type queries struct {
	teams, team string

	// aggregation: the messages and conversations of the scan range
	// (scan) and the contacts of the active conversations it leaves out
	// (lookup; see scanSQL), contacts, campaigns; see aggArgs for the
	// arguments.
	scan, lookup, contacts, campaigns string
	// contactsTeam is contactsPerTeamSQL's form of contacts, "" when the
	// tables have no team column; see Store.contactsStatement.
	contactsTeam string
	// scanExact is scan with times computed in numeric, for scan ranges
	// longer than maxFloatScan; scanBinary reads the same rows as stored,
	// for the binary row path (see queryRaw).
	scanExact, scanBinary string
	// active counts contacts.active alone (ActiveContacts).
	active string
	// funnels computes campaign funnels (CampaignFunnels); "" when
	// Messages.CampaignID is not mapped.
	funnels string

	snapshotsTeam, snapshotsAccount string
	snapshotsTeams                  string // of many teams, all scopes (SnapshotsOfTeams)
	upsert                          string // see upsertSQL
}

// The arguments of the aggregation statements scan, contacts and
// campaigns, by index: they take the same list, each using the ones it
// needs (lookup takes its own).
const (
	argTeams        = iota // text[]: the group's team IDs
	argStart               // timestamptz: period start
	argEnd                 // timestamptz: period end
	argScanLo              // timestamptz: first instant of the message scan
	argScanHi              // timestamptz: end of the message scan (exclusive)
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
	argScanMid             // timestamptz: end+W, after which scanSQL reads only conversations created in the period
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

func buildQueries(c *Config, kinds tsKinds, types colTypes) queries {
	src := &c.Source
	via, plainVia := viaTables(src, types, true), viaTables(src, types, false)
	tbl := func(name string) string {
		if d, ok := via[name]; ok {
			return d
		}
		return qualify(src.Schema, name)
	}
	plainTbl := func(name string) string {
		if d, ok := plainVia[name]; ok {
			return d
		}
		return qualify(src.Schema, name)
	}
	col := func(alias, name string) string { return alias + "." + quoteIdent(name) }
	var q queries

	// Teams, in byte order of their IDs, with their accounts.
	t, a := src.Teams, src.Accounts
	teamSelect := `SELECT ` + col("t", t.ID) + `::text, ` + teamZoneSQL(t, "t") + `,
	COALESCE((SELECT json_agg(` + col("a", a.ID) + `::text ORDER BY ` + col("a", a.ID) + `::text COLLATE "C")
		FROM ` + tbl(a.Table) + ` a WHERE ` + eqCols(col("a", a.TeamID), types.of(a.Table, a.TeamID), col("t", t.ID), types.of(t.Table, t.ID)) + `), '[]'::json)::text,
	` + teamHoursSQL(t, "t") + `
FROM ` + tbl(t.Table) + ` t`
	q.teams = teamSelect + `
WHERE ` + col("t", t.ID) + `::text COLLATE "C" > ?0
ORDER BY ` + col("t", t.ID) + `::text COLLATE "C"
LIMIT ?1`
	q.team = teamSelect + `
WHERE ` + eqText(col("t", t.ID), types.of(t.Table, t.ID), "?0", types.of(t.Table, t.ID))

	src = viaSource(src, types)
	q.scan = scanSQL(src, kinds, types, tbl, col, false)
	q.scanExact = scanSQL(src, kinds, types, tbl, col, true)
	q.scanBinary = scanBinarySQL(src, kinds, types, tbl, col)
	q.lookup = lookupSQL(src, types, plainTbl, col)
	q.contacts = contactsSQL(src, kinds, types, tbl, col)
	if src.Contacts.TeamVia == TeamViaColumn && src.Conversations.TeamVia == TeamViaColumn {
		q.contactsTeam = contactsPerTeamSQL(src, kinds, types, tbl, col)
	}
	q.campaigns = campaignsSQL(src, kinds, types, tbl, col)
	q.active = activeSQL(src, kinds, types, tbl, col)
	q.funnels = funnelsSQL(src, types, plainTbl, col)

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
	q.upsert = upsertSQL(snap, qualify(c.Schema, "SnapshotType"))
	return q
}

// Flags of a row of scanSQL, bits of its flags column.
const (
	// messages
	flagInbound   = 1 << iota // sent by the contact
	flagInPeriod              // created in the period (messages and conversations)
	flagSent                  // status counted as sent
	flagDelivered             // status counted as delivered
	flagRead                  // status counted as read
	flagFailed                // status counted as failed
	// conversations
	flagOpen         // open status
	flagClosed       // closed status
	flagConversation // the row is a conversation's, not a message's
)

// scanSQL reads what the per-conversation metrics need of a group's scan
// range [start-W, end+2W) (see the package documentation), one narrow row
// per record and in no particular order, so that Postgres neither sorts
// nor joins: Go orders each conversation's few messages (see threads.go).
// Its rows are
//
//   - team, conversation (NULL if none), message ID, account, µs since
//     the scan's start, flags: every message of the scan range that has a
//     conversation, and those of the period that have none (for the plain
//     counts). Of the messages from end+W on, only those of conversations
//     created in the period are read: a message of the period needs its
//     successor and next outbound message only within W after it, so
//     before end+W; a conversation created in the period needs its first
//     response up to end+2W. A conversation's messages so cut short still
//     give each message of the period its true neighbours wherever they
//     matter (see the package documentation);
//   - team, conversation ID, contact, account, µs since the scan's start,
//     flags with flagConversation: every conversation created in the scan
//     range.
//
// Times are read as the interval since the scan's start (argScanLo, a
// whole µs). Unless exact is set, it is read as float8 seconds and rounded
// to µs, which avoids computing a numeric per row: within maxFloatScan of
// the start, the float8 is off by less than 0.1 µs, so the rounding gives
// the exact µs. exact reads it with extract (a numeric), exact at any
// distance, for longer scans.
func scanSQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string, exact bool) string {
	m, cv := src.Messages, src.Conversations
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	mAt, cAt := col("m", m.CreatedAt), col("c", cv.CreatedAt)
	inPeriod := func(expr string, tz bool) string {
		return expr + ` >= ` + bound(tz, argStart) + ` AND ` + expr + ` < ` + bound(tz, argEnd)
	}
	us := func(expr string, tz bool) string {
		if exact {
			return `(extract(epoch FROM ` + expr + ` - ` + bound(tz, argScanLo) + `) * 1000000)::bigint`
		}
		return `round(date_part('epoch', ` + expr + ` - ` + bound(tz, argScanLo) + `) * 1000000)::bigint`
	}
	flag := func(cond string, bit int) string {
		return fmt.Sprintf("(CASE WHEN %s THEN %d ELSE 0 END)", cond, bit)
	}
	status := col("m", m.Status) + "::text"
	conv := "NULLIF(" + col("m", m.ConversationID) + "::text, '')"
	cstatus := col("c", cv.Status) + "::text"
	mFrom, cFrom := scanFroms(src, kinds, types, tbl, col)
	return `SELECT ` + col("m", m.TeamID) + `::text, ` + conv + `, ` + col("m", m.ID) + `::text, ` + col("m", m.AccountID) + `::text,
	` + us(mAt, mTZ) + `,
	` + flag("COALESCE("+col("m", m.SenderType)+"::text = ANY("+ph(argInbound)+"::text[]), false)", flagInbound) + `
	+ ` + flag(inPeriod(mAt, mTZ), flagInPeriod) + `
	+ ` + flag(status+" = ANY("+ph(argSentAll)+"::text[])", flagSent) + `
	+ ` + flag(status+" = ANY("+ph(argDeliveredAll)+"::text[])", flagDelivered) + `
	+ ` + flag(status+" = ANY("+ph(argRead)+"::text[])", flagRead) + `
	+ ` + flag(status+" = ANY("+ph(argMsgFailed)+"::text[])", flagFailed) + `
	+ ` + flag(unmappedSQL(&m, col), flagUnmapped) + `
` + mFrom + `
UNION ALL
SELECT ` + col("c", cv.TeamID) + `::text, ` + col("c", cv.ID) + `::text, NULLIF(` + col("c", cv.ContactID) + `::text, ''), ` + col("c", cv.AccountID) + `::text,
	` + us(cAt, cvTZ) + `,
	` + strconv.Itoa(flagConversation) + ` + ` + flag(inPeriod(cAt, cvTZ), flagInPeriod) + `
	+ ` + flag("COALESCE("+cstatus+" = ANY("+ph(argOpen)+"::text[]), false)", flagOpen) + `
	+ ` + flag("COALESCE("+cstatus+" = ANY("+ph(argClosed)+"::text[]), false)", flagClosed) + `
` + cFrom
}

// scanFroms returns the FROM and WHERE clauses of scanSQL's messages
// (alias m) and conversations (alias c): the rows it reads.
func scanFroms(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) (msgs, convs string) {
	m, cv := src.Messages, src.Conversations
	mTeam, cvTeam := types.of(m.Table, m.TeamID), types.of(cv.Table, cv.TeamID)
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	mAt, cAt := col("m", m.CreatedAt), col("c", cv.CreatedAt)
	inPeriod := func(expr string, tz bool) string {
		return expr + ` >= ` + bound(tz, argStart) + ` AND ` + expr + ` < ` + bound(tz, argEnd)
	}
	conv := "NULLIF(" + col("m", m.ConversationID) + "::text, '')"
	msgs = `FROM ` + tbl(m.Table) + ` m
WHERE ` + teamIn(col("m", m.TeamID), mTeam) + `
	AND ` + mAt + ` >= ` + bound(mTZ, argScanLo) + ` AND ` + mAt + ` < ` + bound(mTZ, argScanHi) + `
	AND (` + conv + ` IS NOT NULL OR ` + inPeriod(mAt, mTZ) + `)
	AND (` + mAt + ` < ` + bound(mTZ, argScanMid) + ` OR (` + col("m", m.TeamID) + `::text, ` + conv + `) IN (
		SELECT ` + col("c", cv.TeamID) + `::text, ` + col("c", cv.ID) + `::text FROM ` + tbl(cv.Table) + ` c
		WHERE ` + teamIn(col("c", cv.TeamID), cvTeam) + ` AND ` + inPeriod(cAt, cvTZ) + `))`
	convs = `FROM ` + tbl(cv.Table) + ` c
WHERE ` + teamIn(col("c", cv.TeamID), cvTeam) + `
	AND ` + cAt + ` >= ` + bound(cvTZ, argScanLo) + ` AND ` + cAt + ` < ` + bound(cvTZ, argScanHi)
	return msgs, convs
}

// maxFloatScan is the longest scan range whose times scanSQL may read as
// float8 seconds: 2^28 s (about 8.5 years), where a float8's unit in the
// last place is 2^-24 s (0.06 µs).
const maxFloatScan = (1 << 28) * time.Second

// lookupSQL reads the contacts of conversations by (team, ID): ?0 and ?1
// are parallel text arrays of teams and IDs. scanSQL reads the
// conversations created in the scan range; an active conversation created
// before it (or after) is looked up by the (team_id, id) index.
func lookupSQL(src *Source, types colTypes, tbl func(string) string, col func(string, string) string) string {
	cv := src.Conversations
	return `SELECT u.team::text, u.conv::text, o.contact
FROM unnest(?0::` + types.of(cv.Table, cv.TeamID).sqlName() + `[], ?1::` + types.of(cv.Table, cv.ID).sqlName() + `[]) AS u(team, conv)
CROSS JOIN LATERAL (
	SELECT NULLIF(` + col("c", cv.ContactID) + `::text, '') AS contact FROM ` + tbl(cv.Table) + ` c
	WHERE ` + col("c", cv.TeamID) + ` = u.team AND ` + col("c", cv.ID) + ` = u.conv
	LIMIT 1) o`
}

// activeSQL counts contacts.active alone, as Aggregate does (see
// groupScan.activeContacts): the distinct contacts of the conversations of
// the period's messages, per scope.
func activeSQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) string {
	m, cv := src.Messages, src.Conversations
	mTeam, cvTeam := types.of(m.Table, m.TeamID), types.of(cv.Table, cv.TeamID)
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	mAt, cAt := col("m", m.CreatedAt), col("c", cv.CreatedAt)
	conv := "NULLIF(" + col("m", m.ConversationID) + "::text, '')"
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	return `WITH d AS MATERIALIZED (
	SELECT DISTINCT ` + col("m", m.TeamID) + `::text AS team, ` + col("m", m.AccountID) + `::text AS acct, ` + conv + ` AS conv
	FROM ` + tbl(m.Table) + ` m
	WHERE ` + teamIn(col("m", m.TeamID), mTeam) + `
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
		WHERE ` + teamIn(col("c", cv.TeamID), cvTeam) + `
			AND ` + cAt + ` >= ` + bound(cvTZ, argScanLo) + ` AND ` + cAt + ` < ` + bound(cvTZ, argEnd) + `
	) r ON r.team = a.team AND r.conv = a.conv
	LEFT JOIN LATERAL (
		SELECT ` + contact + ` AS contact FROM ` + tbl(cv.Table) + ` c
		WHERE r.conv IS NULL AND ` + eqText(col("c", cv.TeamID), cvTeam, "a.team", mTeam) + `
			AND ` + eqText(col("c", cv.ID), types.of(cv.Table, cv.ID), "a.conv", types.of(m.Table, m.ConversationID)) + `
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
// scope (real-time and dashboard reads of a team). It reads the group's
// rows in one set; contactsPerTeamSQL computes the same rows team by team
// (see Store.contactsStatement).
func contactsSQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) string {
	ct, cv := src.Contacts, src.Conversations
	ctTZ := kinds[ct.Table+"."+ct.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	// OFFSET 0 keeps the inner select from being flattened into k, which
	// would repeat the cast of the score (a text round trip for a numeric
	// column) at every use in scoreCentiSQL.
	return `WITH k AS (
	SELECT k.team_id, k.id, k.fresh, k.blocked, ` + scoreCentiSQL("k.score") + ` AS centi
	FROM (SELECT ` + col("k", ct.TeamID) + `::text AS team_id, ` + col("k", ct.ID) + `::text AS id,
		` + col("k", ct.CreatedAt) + ` >= ` + bound(ctTZ, argStart) + ` AS fresh,
		` + blockedSQL(ct, "k") + ` AS blocked,
		` + col("k", ct.EngagementScore) + `::float8 AS score
	FROM ` + tbl(ct.Table) + ` k
	WHERE ` + teamIn(col("k", ct.TeamID), types.of(ct.Table, ct.TeamID)) + `
		AND ` + col("k", ct.CreatedAt) + ` < ` + bound(ctTZ, argEnd) + `
	OFFSET 0) k
), acc AS (
	SELECT ` + col("c", cv.TeamID) + `::text AS team_id, ` + col("c", cv.AccountID) + `::text AS account_id,
		` + contact + ` AS contact_id, min(` + col("c", cv.CreatedAt) + `) >= ` + bound(cvTZ, argStart) + ` AS fresh
	FROM ` + tbl(cv.Table) + ` c
	WHERE ` + ph(argAccounts) + `::boolean
		AND ` + teamIn(col("c", cv.TeamID), types.of(cv.Table, cv.TeamID)) + `
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

// scoreCentiSQL is store.ScoreCenti of the double precision expression
// score: clamped to [0, 100] (NULL and NaN count as 0), multiplied by 100,
// and rounded as round((score*100)::numeric) does, that is after reading
// the product to 15 significant digits, half away from zero. The numeric
// conversion is costly next to the contacts statement's read of a team's
// contacts, so it is paid only near a tie: when the product's
// fraction is more than 1e-6 from one half, its 15 digits (an error under
// 1e-10 below 10,000) and its float8 value round to the same integer,
// which floor(x + 0.5) gives exactly (x + 0.5 cannot round across an
// integer there). score must be a float8 expression; it is repeated.
func scoreCentiSQL(score string) string {
	x := "(" + score + " * 100)"
	return `CASE WHEN ` + score + ` IS NULL OR ` + score + ` = 'NaN'::float8 OR ` + score + ` <= 0 THEN 0
			WHEN ` + score + ` >= 100 THEN 10000
			WHEN abs(` + x + ` - trunc` + x + ` - 0.5::float8) > 1e-6::float8 THEN floor(` + x + ` + 0.5::float8)::bigint
			ELSE round(` + x + `::numeric)::bigint END`
}

// campaignsSQL sums the campaigns created in the period.
func campaignsSQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) string {
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
WHERE ` + teamIn(col("c", cp.TeamID), types.of(cp.Table, cp.TeamID)) + `
	AND ` + col("c", cp.CreatedAt) + ` >= ` + bound(tz, argStart) + `
	AND ` + col("c", cp.CreatedAt) + ` < ` + bound(tz, argEnd) + `
GROUP BY GROUPING SETS ((` + col("c", cp.TeamID) + `), (` + col("c", cp.TeamID) + `, ` + col("c", cp.AccountID) + `))`
}
