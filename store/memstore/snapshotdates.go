package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TeamSnapshotDates implements analytics.SnapshotDatesReader: the dates of
// the team-wide snapshots of type typ of teams dated from from to to,
// without decoding them.
func (s *Store) TeamSnapshotDates(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) (map[string][]analytics.Date, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := store.ValidateSnapshotDates(teams, typ, from, to); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	out := map[string][]analytics.Date{}
	s.mu.RLock()
	for _, t := range teams {
		if _, done := out[t]; done {
			continue
		}
		for d := range s.snaps[scopeType{analytics.TeamScope(t), typ}] {
			if !d.Before(from) && !d.After(to) {
				out[t] = append(out[t], d)
			}
		}
	}
	s.mu.RUnlock()
	for _, ds := range out {
		slices.SortFunc(ds, analytics.Date.Compare)
	}
	return out, nil
}
