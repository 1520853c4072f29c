package analytics

import (
	"context"
	"slices"
)

// warm recomputes and caches, for each team, the Config.WarmDashboards
// lengths whose windows are stored (see storedLengths), after afterBatch
// has invalidated them. The other lengths are left to the next read: their
// missing days would be aggregated from raw activity, which on a first
// backfill costs far more than the run itself.
func (s *Service) warm(ctx context.Context, teamIDs []string) {
	if s.cache == nil || len(s.cfg.WarmDashboards) == 0 {
		return // nothing to warm
	}
	for _, id := range teamIDs {
		lengths, err := s.storedLengths(ctx, id)
		if err != nil {
			s.log.WarnContext(ctx, "analytics: reading the stored days to warm", "team", id, "error", err)
			continue
		}
		for _, days := range lengths {
			if _, err := s.Dashboard(ctx, id, days); err != nil {
				s.log.WarnContext(ctx, "analytics: warming dashboard", "team", id, "days", days, "error", err)
			}
		}
	}
}

// storedLengths returns the lengths of Config.WarmDashboards, in their
// order, whose dashboard for the team at the clock's now has a team-wide
// daily snapshot covering (see coversDay) every finished day of both
// windows in the team's current zone: every day it would otherwise
// aggregate live (Dashboard.LiveDays) except today and the previous
// window's last day, which are always live (cut at now's time of day). It
// reads the stored days of the longest window once.
func (s *Service) storedLengths(ctx context.Context, teamID string) ([]int, error) {
	scope := TeamScope(teamID)
	_, loc, err := s.teamLocation(ctx, scope)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if err := checkInstant("Config.Clock", now); err != nil {
		return nil, err
	}
	today, err := PeriodOf(Daily, now, loc)
	if err != nil {
		return nil, err
	}
	longest := slices.Max(s.cfg.WarmDashboards)
	// back[k] is the day k days before today, as the dashboard steps back
	// (Period.Prev, so a day a zone skipped is not counted).
	back := make([]Period, 2*longest)
	p := today
	for k := range back {
		back[k] = p
		p = p.Prev()
	}
	stored, err := s.store.Snapshots(ctx, SnapshotQuery{Scope: scope, Type: Daily, From: back[2*longest-1].Date, To: back[1].Date})
	if err != nil {
		return nil, err
	}
	byDate := make(map[Date]*Snapshot, len(stored))
	for i := range stored {
		byDate[stored[i].Date] = &stored[i]
	}
	// have reports whether the dashboard would read day from its snapshot:
	// the same rule as Dashboard's (coversDay).
	have := func(day Period) bool {
		sn, ok := byDate[day.Date]
		return ok && coversDay(sn, day)
	}
	var out []int
	for _, days := range s.cfg.WarmDashboards {
		covered := true
		for k := 1; k <= 2*days-1 && covered; k++ {
			covered = k == days || have(back[k])
		}
		if covered {
			out = append(out, days)
		}
	}
	return out, nil
}
