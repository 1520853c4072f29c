package pgstore

import (
	"slices"
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

// prepareShapes checks and fills the settings of the source's shape (the
// TeamVia settings, the default time zone, the blocked values) before the
// other defaults are filled in.
func prepareShapes(s *Source) error {
	if err := checkTeamVia(s); err != nil {
		return err
	}
	if err := checkDefaultTimeZone(&s.Teams); err != nil {
		return err
	}
	s.Contacts.BlockedValues = slices.Clone(s.Contacts.BlockedValues)
	return checkBlockedValues(&s.Contacts)
}

// shapeChecks are the column checks of checkSource that depend on the
// source's shape: the accounts column of contacts reached through their
// account.
func shapeChecks(s *Source) []tableCheck {
	p := "Config.Source."
	var out []tableCheck
	if s.Contacts.TeamVia == TeamViaAccount {
		out = append(out, tableCheck{p + "Contacts.Table", s.Contacts.Table, []colCheck{
			{p + "Contacts.AccountID", s.Contacts.AccountID, kindID},
		}})
	}
	return out
}
