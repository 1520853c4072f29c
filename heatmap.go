package analytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// TrafficReport is the traffic heatmap of a scope over its last Days local
// days, today so far included, by weekday and hour of the team's current
// time zone (see the package documentation, Traffic heatmap).
// Service.Heatmap builds it.
type TrafficReport struct {
	// TeamID and AccountID name the scope; AccountID is empty for the
	// whole team.
	TeamID    string `json:"teamId"`
	AccountID string `json:"accountId,omitempty"`
	// Days is the number of local days covered, today included: 1 to
	// MaxDashboardDays.
	Days int `json:"days"`
	// TimeZone is the team's IANA zone the cells are read in ("UTC" for a
	// team without one).
	TimeZone string `json:"timeZone"`
	// Range is [the start of the first day, GeneratedAt).
	Range Range `json:"period"`
	// Traffic holds the cells; nil when the range has no traffic.
	Traffic *Traffic `json:"traffic"`
	// Total is the sum of the cells: the range's inbound and outbound
	// messages and new conversations.
	Total TrafficCell `json:"total"`
	// LiveDays lists the finished days aggregated from raw activity, oldest
	// first: days with no daily snapshot covering them in the team's
	// current zone, or whose snapshot has activity but no traffic (stored
	// before traffic was counted).
	LiveDays []Date `json:"liveDays,omitempty"`
	// GeneratedAt is the instant the live part (today) was computed; the
	// report may be cached for up to the dashboard TTL after it.
	GeneratedAt time.Time `json:"generatedAt"`
}

// clone returns a copy of r that shares nothing a caller could modify
// (the Traffic is immutable and shared).
func (r TrafficReport) clone() TrafficReport {
	r.LiveDays = slices.Clone(r.LiveDays)
	return r
}

// HeatmapKey returns the cache key of the heatmap of scope over the last
// days days. It has Kind KindDashboard, so it shares the dashboard TTL
// tier and InvalidateTeam drops it; its Query is e.g. "heatmap:30d".
func HeatmapKey(scope Scope, days int) CacheKey {
	return CacheKey{Kind: KindDashboard, TeamID: scope.TeamID, AccountID: scope.AccountID,
		Query: "heatmap:" + strconv.Itoa(days) + "d"}
}

// Heatmap returns the traffic heatmap of scope (team-wide or one account)
// over its last days local days (1 ≤ days ≤ MaxDashboardDays), today so far
// included, cached for the dashboard TTL (5 min by default) under
// HeatmapKey. Days are those of the team's current zone, and so are the
// cells. As for Dashboard, finished days come from the scope's daily
// snapshots whose period is exactly the day; today, and days without such
// a snapshot or whose snapshot predates traffic (see
// TrafficReport.LiveDays), are aggregated live in one store call. The
// cells equal aggregating the whole range at once. An unknown team or an
// account not of the team gives ErrNotFound; an invalid scope, days out of
// range or a nil ctx ErrInvalidArgument.
func (s *Service) Heatmap(ctx context.Context, scope Scope, days int) (TrafficReport, error) {
	if err := checkContext(ctx); err != nil {
		return TrafficReport{}, err
	}
	if err := scope.Validate(); err != nil {
		return TrafficReport{}, err
	}
	if days <= 0 || days > MaxDashboardDays {
		return TrafficReport{}, invalid("days", "%d is not in 1..%d", days, MaxDashboardDays)
	}
	return cached(ctx, s, HeatmapKey(scope, days), func(ctx context.Context) (TrafficReport, error) {
		return s.heatmap(ctx, scope, days)
	}, TrafficReport.clone)
}

// heatmap computes scope's TrafficReport over the last days days.
func (s *Service) heatmap(ctx context.Context, scope Scope, days int) (TrafficReport, error) {
	_, loc, err := s.teamLocation(ctx, scope)
	if err != nil {
		return TrafficReport{}, err
	}
	now := s.clock.Now()
	if err := checkInstant("Config.Clock", now); err != nil {
		return TrafficReport{}, err
	}
	today, err := PeriodOf(Daily, now, loc)
	if err != nil {
		return TrafficReport{}, err
	}
	byDate := map[Date]*Snapshot{}
	if days > 1 {
		if byDate, err = s.storedDays(ctx, scope, today.Date.AddDays(-(days - 1)), today.Date.AddDays(-1)); err != nil {
			return TrafficReport{}, err
		}
	}
	periods := make([]Period, days)
	for i, p := days-1, today; i >= 0; i, p = i-1, p.Prev() {
		periods[i] = p
	}
	r := TrafficReport{TeamID: scope.TeamID, AccountID: scope.AccountID, Days: days, TimeZone: loc.String(),
		Range: Range{Start: periods[0].Start, End: now}, GeneratedAt: now}
	live := []ScopePeriod{{Scope: scope, Period: soFar(today, now)}}
	for _, p := range periods[:days-1] {
		if sn, ok := byDate[p.Date]; ok && coversDay(sn, p) && trafficKept(&sn.Metrics) {
			r.Traffic = mergeTraffic(r.Traffic, sn.Metrics.Traffic)
			continue
		}
		r.LiveDays = append(r.LiveDays, p.Date)
		live = append(live, ScopePeriod{Scope: scope, Period: p})
	}
	ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: live, ReplyWindow: s.snap.cfg.ReplyWindow})
	if err != nil {
		return TrafficReport{}, err
	}
	if len(ms) != len(live) {
		return TrafficReport{}, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(live))
	}
	for _, m := range ms {
		r.Traffic = mergeTraffic(r.Traffic, m.Traffic)
	}
	r.Total = r.Traffic.Total()
	return r, nil
}

// trafficKept reports whether m's Traffic can stand for its period: it
// has cells, or m counts no message and no conversation. Metrics stored
// before traffic was counted have activity but no cells.
func trafficKept(m *Metrics) bool {
	return m.Traffic.Len() > 0 || m.Messages.Inbound+m.Messages.Outbound+m.Conversations.Total == 0
}
