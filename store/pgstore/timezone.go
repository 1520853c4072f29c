package pgstore

import (
	"strings"
	"time"

	"github.com/msgstats/analytics/store"
)

// checkDefaultTimeZone checks that t.DefaultTimeZone, when set, is a zone
// time.LoadLocation knows.
func checkDefaultTimeZone(t *TeamsTable) error {
	z := t.DefaultTimeZone
	if z == "" {
		return nil
	}
	if strings.IndexByte(z, 0) >= 0 {
		return store.InvalidArgument("Config.Source.Teams.DefaultTimeZone", "contains a NUL byte")
	}
	if _, err := time.LoadLocation(z); err != nil {
		return store.InvalidArgument("Config.Source.Teams.DefaultTimeZone", "%q is not a time zone: %v", z, err)
	}
	return nil
}

// teamZoneSQL is the SQL of the zone of the team of alias t: its TimeZone
// column as text (” for NULL), or ” when the table has none; scanTeams
// gives ” the default zone (teamZone).
func teamZoneSQL(t TeamsTable, alias string) string {
	if t.TimeZone == noColumn {
		return "''"
	}
	return "COALESCE(" + alias + "." + quoteIdent(t.TimeZone) + "::text, '')"
}

// teamZone is the zone of a team whose zone column reads z.
func teamZone(t TeamsTable, z string) string {
	if z == "" {
		return t.DefaultTimeZone
	}
	return z
}
