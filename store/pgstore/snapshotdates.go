package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TeamSnapshotDates implements analytics.SnapshotDatesReader with one
// statement that reads only the key columns (team_id, snapshot_type,
// date) of the team-wide rows (whatsapp_account_id IS NULL): the unique
// key's index (team_id, whatsapp_account_id, date, snapshot_type) holds
// them all, so Postgres can answer it with an index-only scan, reading no
// metrics. Dates come as days since 1970-01-01.
func (s *Store) TeamSnapshotDates(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) (map[string][]analytics.Date, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := store.ValidateSnapshotDates(teams, typ, from, to); err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	out := map[string][]analytics.Date{}
	if len(teams) == 0 {
		return out, nil
	}
	query := `SELECT team_id, date - DATE '1970-01-01'
FROM ` + qualify(s.cfg.Schema, s.cfg.SnapshotTable) + `
WHERE team_id = ANY(?0::text[]) AND whatsapp_account_id IS NULL
	AND snapshot_type = ?1 AND date >= ?2::date AND date <= ?3::date`
	args := []any{pgdialect.Array(teams), typ.String(), from.String(), to.String()}
	var (
		team string
		days int64
	)
	err := s.query(ctx, s.reader(ctx), "reading snapshot dates", query, args, func(r *sql.Rows) error {
		if err := r.Scan(&team, &days); err != nil {
			return err
		}
		if days < -epochDays || days > maxDays {
			return fmt.Errorf("%w: team %q: %s snapshot dated %d days from 1970-01-01", analytics.ErrCorrupt, team, typ, days)
		}
		out[team] = append(out[team], epoch.AddDays(int(days)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ds := range out {
		slices.SortFunc(ds, analytics.Date.Compare)
	}
	return out, nil
}
