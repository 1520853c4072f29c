package pgstore

import (
	"fmt"
	"slices"
	"strings"
)

// noColumn, as a column name, says that a source table has no such column:
// Source.Teams.TimeZone (see TeamsTable.DefaultTimeZone) and the TeamID of
// a table with a TeamVia.
const noColumn = "-"

// noColumnFields are the Config fields that may be noColumn.
var noColumnFields = []string{
	"Config.Source.Teams.TimeZone",
	"Config.Source.Messages.TeamID",
	"Config.Source.Conversations.TeamID",
	"Config.Source.Contacts.TeamID",
	"Config.Source.Campaigns.TeamID",
}

// mayBeNoColumn reports whether field is v == noColumn on a field that
// allows it (checkTeamVia has checked the TeamIDs).
func mayBeNoColumn(field, v string) bool {
	return v == noColumn && slices.Contains(noColumnFields, field)
}

// prepareShapes checks the settings of the source's shape (the TeamVia
// settings, the default time zone, the blocked values), preparing them
// for the checks against the database as checkTeamVia and
// checkBlockedValues say, and returns every problem.
func prepareShapes(s *Source) []error {
	problems := checkTeamVia(s)
	if err := checkDefaultTimeZone(&s.Teams); err != nil {
		problems = append(problems, err)
	}
	return append(problems, checkBlockedValues(&s.Contacts)...)
}

// shapeChecks are the column checks of checkSource that depend on the
// source's shape: the accounts column of contacts reached through their
// account, and, when the messages' campaign column is mapped, it and the
// campaigns' ID column, which only campaign funnels read.
func shapeChecks(s *Source) []tableCheck {
	p := "Config.Source."
	var out []tableCheck
	if s.Contacts.TeamVia == TeamViaAccount {
		out = append(out, tableCheck{p + "Contacts.Table", s.Contacts.Table, []colCheck{
			{p + "Contacts.AccountID", s.Contacts.AccountID, kindID},
		}})
	}
	if s.Messages.CampaignID != "" {
		out = append(out, tableCheck{p + "Messages.Table", s.Messages.Table, []colCheck{
			{p + "Messages.CampaignID", s.Messages.CampaignID, kindID},
		}}, tableCheck{p + "Campaigns.Table", s.Campaigns.Table, []colCheck{
			{p + "Campaigns.ID", s.Campaigns.ID, kindID},
		}})
	}
	return out
}

// shapeHint is the hint for a missing column of the field that a shape
// of the source would do without: a team column of a table that has an
// account (or, for messages, a conversation) column, whose team TeamVia
// reaches through it, and the teams' zone column, which TimeZone "-"
// does without. cols are the table's columns; "" when there is none.
func shapeHint(s *Source, field string, cols map[string]string) string {
	p := "Config.Source."
	switch field {
	case p + "Teams.TimeZone":
		return fmt.Sprintf("; if the teams have no zone column, set %sTeams.TimeZone to %q and %sTeams.DefaultTimeZone to their zone (UTC when empty)", p, noColumn, p)
	case p + "Messages.TeamID", p + "Conversations.TeamID", p + "Contacts.TeamID", p + "Campaigns.TeamID":
	default:
		return ""
	}
	table := strings.TrimSuffix(strings.TrimPrefix(field, p), ".TeamID")
	accounts := map[string]string{
		"Messages": s.Messages.AccountID, "Conversations": s.Conversations.AccountID,
		"Contacts": s.Contacts.AccountID, "Campaigns": s.Campaigns.AccountID,
	}
	through := func(col string) string {
		if col == "" || col == noColumn || col == invalidName {
			return ""
		}
		if _, ok := cols[col]; ok {
			return col
		}
		return ""
	}
	// The mapped account column, else one named as accounts' usually are.
	acct := through(accounts[table])
	if acct == "" {
		acct = through(matchColumn(mapKeys(cols), accountIDNames))
	}
	if acct != "" {
		return fmt.Sprintf("; if the table has no team column, set %s%s.TeamVia to pgstore.TeamViaAccount to reach the team through its account (%s)",
			p, table, quoteIdent(acct))
	}
	if table == "Messages" {
		if conv := through(s.Messages.ConversationID); conv != "" {
			return fmt.Sprintf("; if the table has no team column, set %sMessages.TeamVia to pgstore.TeamViaConversation to reach the team through its conversation (%s)",
				p, quoteIdent(conv))
		}
	}
	return ""
}

// matchColumn returns the first of cols (in order) whose normalized name
// is one of names, or "".
func matchColumn(cols []string, names []string) string {
	for _, n := range names {
		for _, c := range cols {
			if normalize(c) == n {
				return c
			}
		}
	}
	return ""
}
