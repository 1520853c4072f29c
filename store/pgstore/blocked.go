package pgstore

import (
	"fmt"
	"strings"

	"github.com/msgstats/analytics"
)

// checkBlockedValues checks c.BlockedValues.
func checkBlockedValues(c *ContactsTable) error {
	for i, v := range c.BlockedValues {
		if strings.IndexByte(v, 0) >= 0 {
			return analytics.InvalidArgument(fmt.Sprintf("Config.Source.Contacts.BlockedValues[%d]", i), "contains a NUL byte")
		}
	}
	return nil
}

// blockedKind is what the Blocked column must be: boolean, unless
// BlockedValues says which of its values mean blocked.
func blockedKind(c *ContactsTable) colKind {
	if len(c.BlockedValues) > 0 {
		return kindAny
	}
	return kindBool
}

// blockedSQL is the SQL of whether the contact of alias k is blocked:
// its boolean Blocked column (NULL as false), or whether that column's text
// is one of BlockedValues (argBlocked).
func blockedSQL(c ContactsTable, alias string) string {
	col := alias + "." + quoteIdent(c.Blocked)
	if len(c.BlockedValues) > 0 {
		return "COALESCE(" + col + "::text = ANY(" + ph(argBlocked) + "::text[]), false)"
	}
	return "COALESCE(" + col + ", false)"
}
