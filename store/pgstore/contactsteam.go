package pgstore

// contactsPerTeamSQL computes what contactsSQL does, team by team: a
// lateral subquery per team of the group reads the team's contacts
// created before the period's end once, through the (team_id, created_at)
// index, and groups the team's conversations before the end by account
// and contact. Each team's hash tables hold that team's rows only, so
// they stay small whatever the group's size; on the 1000-team daily
// dataset this costs about half the CPU of one set-wide pass over the
// group's rows.
//
// Every team of the group gets a team-wide row, with zero counts when it
// has no contacts (which is what a missing row means); account rows come
// only for accounts with a contact, and not at all when argAccounts is
// false. The team is output as the text of the contacts table's team
// column.
//
// It needs team columns in both tables (TeamViaColumn): a table whose
// team is reached through another would be joined again for every team.
func contactsPerTeamSQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) string {
	ct, cv := src.Contacts, src.Conversations
	ctTZ := kinds[ct.Table+"."+ct.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	ctTeam, cvTeam := types.of(ct.Table, ct.TeamID), types.of(cv.Table, cv.TeamID)
	contact := "NULLIF(" + col("c", cv.ContactID) + "::text, '')"
	// k is materialized (it is read twice) with the score already in
	// hundredths: the inner select is not flattened into it, so the cast
	// of the score is computed once per contact (see contactsSQL).
	return `SELECT t.team::text, x.account_id, x.g, x.total, x.fresh, x.blocked, x.centi
FROM unnest(` + teamsParam(ctTeam) + `) AS t(team)
CROSS JOIN LATERAL (
	WITH k AS MATERIALIZED (
		SELECT k.id, k.fresh, k.blocked, ` + scoreCentiSQL("k.score") + ` AS centi
		FROM (SELECT ` + col("k", ct.ID) + `::text AS id,
			` + col("k", ct.CreatedAt) + ` >= ` + bound(ctTZ, argStart) + ` AS fresh,
			` + blockedSQL(ct, "k") + ` AS blocked,
			` + col("k", ct.EngagementScore) + `::float8 AS score
		FROM ` + tbl(ct.Table) + ` k
		WHERE ` + col("k", ct.TeamID) + ` = t.team
			AND ` + col("k", ct.CreatedAt) + ` < ` + bound(ctTZ, argEnd) + `
		OFFSET 0) k
	), acc AS (
		SELECT ` + col("c", cv.AccountID) + `::text AS account_id, ` + contact + ` AS contact_id,
			min(` + col("c", cv.CreatedAt) + `) >= ` + bound(cvTZ, argStart) + ` AS fresh
		FROM ` + tbl(cv.Table) + ` c
		WHERE ` + ph(argAccounts) + `::boolean
			AND ` + eqCols(col("c", cv.TeamID), cvTeam, "t.team", ctTeam) + `
			AND ` + col("c", cv.CreatedAt) + ` < ` + bound(cvTZ, argEnd) + `
			AND ` + col("c", cv.AccountID) + ` IS NOT NULL AND ` + contact + ` IS NOT NULL
		GROUP BY 1, 2
	)
	SELECT NULL::text AS account_id, 1 AS g,
		count(*) AS total, count(*) FILTER (WHERE k.fresh) AS fresh,
		count(*) FILTER (WHERE k.blocked) AS blocked, COALESCE(sum(k.centi), 0)::bigint AS centi
	FROM k
	UNION ALL
	SELECT acc.account_id, 0,
		count(*), count(*) FILTER (WHERE k.fresh OR acc.fresh),
		count(*) FILTER (WHERE k.blocked), COALESCE(sum(k.centi), 0)::bigint
	FROM acc JOIN k ON k.id = acc.contact_id
	GROUP BY acc.account_id
) x`
}
