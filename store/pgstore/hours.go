package pgstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/msgstats/analytics"
)

// teamHoursSQL is the SQL of the working hours of the team of alias t: its
// WorkingHours column as text (NULL when NULL), or NULL when the table has
// none.
func teamHoursSQL(t TeamsTable, alias string) string {
	if !hasColumn(t.WorkingHours) {
		return "NULL::text"
	}
	return alias + "." + quoteIdent(t.WorkingHours) + "::text"
}

// parseTeamHours parses the WorkingHours column of team id as read (""
// for NULL): nil for an empty or blank value or JSON null; an error wrapping
// analytics.ErrCorrupt that names the team for a value that does not
// parse or validate.
func parseTeamHours(id, v string) (*analytics.WorkingHours, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	h, err := analytics.ParseWorkingHours([]byte(v))
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w: working hours of team %q: %v", analytics.ErrCorrupt, id, err)
	}
	return h, nil
}

// callHours fills the Hours of teams from Config.WorkingHours, when set.
// A team whose callback fails, or returns hours that do not validate
// (wrapping analytics.ErrCorrupt), gets the error in HoursErr and no
// Hours; only the end of ctx fails the call.
func (s *Store) callHours(ctx context.Context, teams []analytics.Team) error {
	if s.cfg.WorkingHours == nil {
		return nil
	}
	for i := range teams {
		h, err := s.cfg.WorkingHours(ctx, teams[i])
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		switch {
		case err != nil:
			teams[i].HoursErr = fmt.Errorf("pgstore: working hours of team %q: %w", teams[i].ID, err)
		case h != nil && h.Validate() != nil:
			teams[i].HoursErr = fmt.Errorf("pgstore: %w: working hours of team %q from Config.WorkingHours: %v", analytics.ErrCorrupt, teams[i].ID, h.Validate())
		default:
			teams[i].Hours = h
		}
	}
	return nil
}
