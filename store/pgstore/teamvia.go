package pgstore

import (
	"github.com/msgstats/analytics/store"
)

// TeamVia says how the rows of a source table without a team column reach
// their team. The zero value, TeamViaColumn, reads the table's own TeamID
// column.
type TeamVia string

const (
	// TeamViaColumn reads the team from the table's TeamID column.
	TeamViaColumn TeamVia = ""
	// TeamViaAccount reads a row's team from its account: the row of
	// Source.Accounts whose ID equals the row's AccountID column. A row
	// with no account, or whose account does not exist, has no team and is
	// never counted.
	TeamViaAccount TeamVia = "account"
	// TeamViaConversation (messages only) reads a message's team from its
	// conversation: the row of Source.Conversations whose ID equals the
	// message's ConversationID, and that conversation's team (its own
	// TeamID, or through its account). Conversation IDs must then be
	// unique across teams. A message with no conversation, or whose
	// conversation does not exist, has no team and is never counted.
	TeamViaConversation TeamVia = "conversation"
)

// viaTeamColumn is the name under which the derived table of a source
// table without a team column exposes the team it reaches (see
// viaTables); the statements read it where they would read the TeamID
// column.
const viaTeamColumn = "pgstore_team"

// checkTeamVia checks the TeamVia settings of a Source that has its
// defaults: a table with one must have TeamID noColumn (the default when
// it is empty), and a TeamID of noColumn without TeamVia is an error. It
// also checks the name of Contacts.AccountID, which is read only with a
// TeamVia. It returns every problem; the TeamID of a table with a TeamVia
// is left noColumn, so that the checks against the database leave it
// alone, and an invalid Contacts.AccountID becomes invalidName.
func checkTeamVia(s *Source) []error {
	var problems []error
	p := "Config.Source."
	tables := []struct {
		name    string
		via     *TeamVia
		teamID  *string
		allowed []TeamVia
	}{
		{"Messages", &s.Messages.TeamVia, &s.Messages.TeamID, []TeamVia{TeamViaAccount, TeamViaConversation}},
		{"Conversations", &s.Conversations.TeamVia, &s.Conversations.TeamID, []TeamVia{TeamViaAccount}},
		{"Contacts", &s.Contacts.TeamVia, &s.Contacts.TeamID, []TeamVia{TeamViaAccount}},
		{"Campaigns", &s.Campaigns.TeamVia, &s.Campaigns.TeamID, []TeamVia{TeamViaAccount}},
	}
	for _, t := range tables {
		if *t.via == TeamViaColumn {
			if *t.teamID == noColumn {
				problems = append(problems, store.InvalidArgument(p+t.name+".TeamID", "%q (no team column) needs %sTeamVia", noColumn, p+t.name+"."))
			}
			continue
		}
		ok := false
		for _, a := range t.allowed {
			ok = ok || *t.via == a
		}
		if !ok {
			problems = append(problems, store.InvalidArgument(p+t.name+".TeamVia", "%q is not one of %q", string(*t.via), t.allowed))
		}
		if *t.teamID != "" && *t.teamID != noColumn {
			problems = append(problems, store.InvalidArgument(p+t.name+".TeamID", "is %q, but TeamVia %q reads the team elsewhere; leave it empty", *t.teamID, string(*t.via)))
		}
		*t.teamID = noColumn
	}
	if s.Contacts.TeamVia == TeamViaAccount {
		if err := checkIdent(p+"Contacts.AccountID", s.Contacts.AccountID); err != nil {
			problems = append(problems, err)
			s.Contacts.AccountID = invalidName
		}
	}
	return problems
}

// viaSource returns a copy of src for the statements, in which the TeamID
// of every table with a TeamVia is viaTeamColumn, and sets the types of
// those columns in types to the type of the team column they reach.
func viaSource(src *Source, types colTypes) *Source {
	s := *src
	a, cv := src.Accounts, src.Conversations
	acctTeam := types.of(a.Table, a.TeamID)
	convTeam := types.of(cv.Table, cv.TeamID)
	if cv.TeamVia != TeamViaColumn {
		convTeam = acctTeam
		s.Conversations.TeamID = viaTeamColumn
		types[cv.Table+"."+viaTeamColumn] = acctTeam
	}
	switch src.Messages.TeamVia {
	case TeamViaAccount:
		types[src.Messages.Table+"."+viaTeamColumn] = acctTeam
	case TeamViaConversation:
		types[src.Messages.Table+"."+viaTeamColumn] = convTeam
	}
	if src.Messages.TeamVia != TeamViaColumn {
		s.Messages.TeamID = viaTeamColumn
	}
	if src.Contacts.TeamVia != TeamViaColumn {
		s.Contacts.TeamID = viaTeamColumn
		types[src.Contacts.Table+"."+viaTeamColumn] = acctTeam
	}
	if src.Campaigns.TeamVia != TeamViaColumn {
		s.Campaigns.TeamID = viaTeamColumn
		types[src.Campaigns.Table+"."+viaTeamColumn] = acctTeam
	}
	return &s
}

// viaTables returns, for every source table with a TeamVia, the derived
// table the statements read in its place, by table name: the table's rows,
// each with the team it reaches as viaTeamColumn, through an inner join
// (so rows that reach no team are left out). Postgres flattens the
// subquery into the statement, so the statements' conditions on the team
// apply to the joined table's team column and its index.
//
// With filtered, a table reached through its account also keeps only the
// rows whose account is one of the group's teams' (an array computed once
// per statement from the aggregation arguments, see teamsParam), so that
// an index on (account, created_at) serves the statements: a hash join
// alone would read every team's rows of the time range. Only statements
// that take the aggregation arguments may read filtered tables.
func viaTables(src *Source, types colTypes, filtered bool) map[string]string {
	tbl := func(name string) string { return qualify(src.Schema, name) }
	a, cv := src.Accounts, src.Conversations
	acctID, acctTeam := types.of(a.Table, a.ID), types.of(a.Table, a.TeamID)
	byAccount := func(table, acctCol string) string {
		x, xt := "x."+quoteIdent(acctCol), types.of(table, acctCol)
		where := ""
		if filtered {
			accts := `SELECT z.` + quoteIdent(a.ID) + ` FROM ` + tbl(a.Table) + ` z WHERE ` + teamIn("z."+quoteIdent(a.TeamID), acctTeam)
			if xt == acctID {
				where = `
	WHERE ` + x + ` = ANY(ARRAY(` + accts + `))`
			} else {
				where = `
	WHERE ` + x + `::text = ANY(ARRAY(SELECT v::text FROM (` + accts + `) w(v)))`
			}
		}
		return `(SELECT x.*, y.` + quoteIdent(a.TeamID) + ` AS ` + quoteIdent(viaTeamColumn) + `
	FROM ` + tbl(table) + ` x JOIN ` + tbl(a.Table) + ` y ON ` +
			eqCols("y."+quoteIdent(a.ID), acctID, x, xt) + where + `)`
	}
	out := map[string]string{}
	convTable, convTeam := tbl(cv.Table), quoteIdent(cv.TeamID)
	if cv.TeamVia == TeamViaAccount {
		out[cv.Table] = byAccount(cv.Table, cv.AccountID)
		convTable, convTeam = out[cv.Table], quoteIdent(viaTeamColumn)
	}
	m := src.Messages
	switch m.TeamVia {
	case TeamViaAccount:
		out[m.Table] = byAccount(m.Table, m.AccountID)
	case TeamViaConversation:
		out[m.Table] = `(SELECT x.*, y.` + convTeam + ` AS ` + quoteIdent(viaTeamColumn) + `
	FROM ` + tbl(m.Table) + ` x JOIN ` + convTable + ` y ON ` +
			eqCols("y."+quoteIdent(cv.ID), types.of(cv.Table, cv.ID), "x."+quoteIdent(m.ConversationID), types.of(m.Table, m.ConversationID)) + `)`
	}
	if src.Contacts.TeamVia == TeamViaAccount {
		out[src.Contacts.Table] = byAccount(src.Contacts.Table, src.Contacts.AccountID)
	}
	if src.Campaigns.TeamVia == TeamViaAccount {
		out[src.Campaigns.Table] = byAccount(src.Campaigns.Table, src.Campaigns.AccountID)
	}
	return out
}
