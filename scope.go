package analytics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxIDLength is the longest team, account or other ID the library accepts,
// in bytes (see ValidateID).
const maxIDLength = 1024

// Scope names whose activity a metric covers: a whole team, or one WhatsApp
// Business account of it. Both IDs are at most 1024 bytes (see
// ValidateID). The zero Scope is invalid: it has no team.
type Scope struct {
	// TeamID identifies the team (tenant). Required.
	TeamID string
	// AccountID identifies one WhatsApp account of the team. Empty means
	// team-wide: every account of the team, plus activity with no account.
	AccountID string
}

// TeamScope returns the team-wide scope of teamID. It does not validate
// teamID; an empty one gives an invalid Scope (see Scope.Validate).
func TeamScope(teamID string) Scope { return Scope{TeamID: teamID} }

// AccountScope returns the scope of one account of a team. It does not
// validate the IDs; an empty accountID gives the team-wide scope.
func AccountScope(teamID, accountID string) Scope {
	return Scope{TeamID: teamID, AccountID: accountID}
}

// TeamWide reports whether s covers the whole team.
func (s Scope) TeamWide() bool { return s.AccountID == "" }

// String returns "team" or "team/account", with IDs quoted when they hold
// anything but letters, digits, '-' and '_'. It is for logs, not for keys.
func (s Scope) String() string {
	if s.TeamWide() {
		return quoteID(s.TeamID)
	}
	return quoteID(s.TeamID) + "/" + quoteID(s.AccountID)
}

func quoteID(id string) string {
	if id != "" && strings.IndexFunc(id, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return id
	}
	return fmt.Sprintf("%q", id)
}

// Validate checks that TeamID is set and both IDs are acceptable; see
// ValidateID. Field names in errors are "Scope.TeamID" and "Scope.AccountID".
func (s Scope) Validate() error {
	if err := ValidateID("Scope.TeamID", s.TeamID); err != nil {
		return err
	}
	if s.AccountID != "" {
		return ValidateID("Scope.AccountID", s.AccountID)
	}
	return nil
}

// ValidateID checks one team, account or other ID: non-empty, at most 1024
// bytes (not characters), valid UTF-8 and free of NUL bytes (which
// Postgres text cannot hold). Any other character, including quotes, '%',
// '_', ';' and whitespace, is allowed and kept verbatim. The error wraps
// ErrInvalidArgument and names field; nil means id is acceptable.
func ValidateID(field, id string) error {
	switch {
	case id == "":
		return invalid(field, "must not be empty")
	case len(id) > maxIDLength:
		return invalid(field, "is %d bytes long; the limit is %d", len(id), maxIDLength)
	case !utf8.ValidString(id):
		return invalid(field, "is not valid UTF-8")
	case strings.IndexByte(id, 0) >= 0:
		return invalid(field, "contains a NUL byte")
	}
	return nil
}
