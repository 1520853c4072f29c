package analytics

import (
	"context"
	"fmt"
	"slices"
)

// SnapshotDatesReader is an optional capability of a SnapshotStore:
// reading which team-wide snapshots exist, without their metrics, for many
// teams in one call. The scheduler's catch-up uses it (through
// Snapshotter.TeamSnapshotDates) to find the periods that were never
// generated; without it, the Snapshotter reads whole snapshots instead
// (SnapshotRangeReader, else Snapshots team by team).
type SnapshotDatesReader interface {
	// TeamSnapshotDates returns, by team ID, the dates of the team-wide
	// snapshots (Scope.AccountID empty) of type typ of the given teams with
	// dates in [from, to], both inclusive, each team's in date order. A
	// team with none is absent from the map. An invalid typ, a team ID
	// that is not an ID (ValidateID) or from after to gives an error
	// wrapping ErrInvalidArgument; no teams give an empty map.
	TeamSnapshotDates(ctx context.Context, teams []string, typ SnapshotType, from, to Date) (map[string][]Date, error)
}

// validateSnapshotDates checks the arguments of
// SnapshotDatesReader.TeamSnapshotDates (and of
// SnapshotRangeReader.SnapshotsOfTeams) as store.ValidateSnapshotDates
// does: a valid typ, a range of set dates, team IDs that are IDs. Errors
// wrap ErrInvalidArgument.
func validateSnapshotDates(teams []string, typ SnapshotType, from, to Date) error {
	if !typ.Valid() {
		return invalid("typ", "unknown snapshot type %d", typ)
	}
	if from.IsZero() || to.IsZero() || from.After(to) {
		return invalid("from", "[%s, %s] is not a range of dates", from, to)
	}
	for i, t := range teams {
		if err := ValidateID(fmtIndex("teams", i), t); err != nil {
			return err
		}
	}
	return nil
}

// TeamSnapshotDates returns, by team ID, the dates of the stored team-wide
// snapshots of type typ of teams with dates in [from, to], both
// inclusive, each team's in date order; teams with none are absent. It
// makes one call to a store that is a SnapshotDatesReader; otherwise one
// SnapshotsOfTeams call (SnapshotRangeReader), reading and decoding every
// scope's metrics; otherwise one Snapshots call per team. A nil ctx, an
// invalid typ, a zero from or to, from after to, or a team ID that
// ValidateID refuses gives an error wrapping ErrInvalidArgument, before
// any I/O; no teams give an empty map.
func (s *Snapshotter) TeamSnapshotDates(ctx context.Context, teams []string, typ SnapshotType, from, to Date) (map[string][]Date, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := validateSnapshotDates(teams, typ, from, to); err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return map[string][]Date{}, nil
	}
	if r, ok := s.store.(SnapshotDatesReader); ok {
		return r.TeamSnapshotDates(ctx, teams, typ, from, to)
	}
	out := map[string][]Date{}
	if r, ok := s.store.(SnapshotRangeReader); ok {
		want := make(map[string]bool, len(teams))
		for _, t := range teams {
			want[t] = true
		}
		snaps, err := r.SnapshotsOfTeams(ctx, teams, typ, from, to)
		if err != nil {
			return nil, fmt.Errorf("analytics: reading the snapshots of %d teams: %w", len(teams), err)
		}
		for _, sn := range snaps {
			if sn.Scope.TeamWide() && want[sn.Scope.TeamID] {
				out[sn.Scope.TeamID] = append(out[sn.Scope.TeamID], sn.Date)
			}
		}
		for _, ds := range out {
			slices.SortFunc(ds, Date.Compare)
		}
		return out, nil
	}
	for _, t := range teams {
		snaps, err := s.store.Snapshots(ctx, SnapshotQuery{Scope: TeamScope(t), Type: typ, From: from, To: to})
		if err != nil {
			return nil, fmt.Errorf("analytics: reading the snapshots of team %q: %w", t, err)
		}
		for _, sn := range snaps {
			out[t] = append(out[t], sn.Date)
		}
	}
	return out, nil
}

// TeamBatches calls fn with the store's teams in ID order, BatchSize of
// them at a time (the last batch may be shorter), until the teams run out
// or fn returns an error, which TeamBatches returns as is. A failure to
// list teams gives an error naming where the listing was.
func (s *Snapshotter) TeamBatches(ctx context.Context, fn func(teams []Team) error) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	after := ""
	for {
		teams, err := s.store.Teams(ctx, after, s.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("analytics: listing teams after %q: %w", after, err)
		}
		if len(teams) == 0 {
			return nil
		}
		if err := fn(teams); err != nil {
			return err
		}
		if len(teams) < s.cfg.BatchSize {
			return nil
		}
		after = teams[len(teams)-1].ID
	}
}
