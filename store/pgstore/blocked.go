package pgstore

// checkBlockedValues checks c.BlockedValues, leaving out (and reporting)
// the values that hold a NUL byte.
func checkBlockedValues(c *ContactsTable) []error {
	return dropNUL("Config.Source.Contacts.BlockedValues", &c.BlockedValues)
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
