package analytics

import (
	"context"
	"fmt"
	"time"
)

// ActiveContactsCounter is an optional capability of an ActivityReader:
// counting contacts.active alone, the one metric that cannot be summed from
// shorter periods (it is a distinct count). With it, a Snapshotter rolls
// weekly and monthly snapshots up from the daily ones instead of
// aggregating the whole period again; without it, it aggregates.
type ActiveContactsCounter interface {
	// ActiveContacts returns, for every item of req in order, the
	// Contacts.Active that Aggregate would return for it. Validation and
	// errors are Aggregate's.
	ActiveContacts(ctx context.Context, req AggregateRequest) ([]int64, error)
}

// SnapshotRangeReader is an optional capability of a SnapshotStore: reading
// the snapshots of many teams in one call. A Snapshotter rolling up uses it
// to read the daily snapshots of a batch of teams; without it, it reads them
// scope by scope with Snapshots.
type SnapshotRangeReader interface {
	// SnapshotsOfTeams returns every snapshot of type typ (team-wide and
	// per account) of the given teams with dates in [from, to], both
	// inclusive, in no particular order. A snapshot whose stored metrics
	// cannot be decoded gives an error wrapping ErrCorrupt that names it.
	SnapshotsOfTeams(ctx context.Context, teams []string, typ SnapshotType, from, to Date) ([]Snapshot, error)
}

// Roll-ups.
//
// A weekly or monthly snapshot is the Merge of its days in order, which is
// exact for every metric but contacts.active (see Merge): that one is
// counted over the whole period with ActiveContacts. A day contributes its
// daily snapshot when the snapshot covers exactly that day and was
// generated at least twice the reply window after the day ended, when the
// day's replies and first responses can no longer change; the other days
// (missing, or generated too early, such as the last day of a month at
// 04:00 on the 1st) are aggregated from raw activity, each run of
// consecutive days in one item. The result then equals aggregating the
// period directly, provided the daily snapshots were generated with the
// same reply window and the activity of their days has not changed since
// (late status updates reach a roll-up when their days are generated
// again).

// settled reports whether a daily snapshot of day may stand for it in a
// roll-up.
func (s *Snapshotter) settled(sn Snapshot, day Period) bool {
	return sn.Metrics.Period.Start.Equal(day.Start) && sn.Metrics.Period.End.Equal(day.End) &&
		!sn.CreatedAt.Before(day.End.Add(2*s.cfg.ReplyWindow))
}

// aggregate computes the metrics of items: daily ones, and every item when
// the store cannot count active contacts alone, through Aggregate; weekly
// and monthly ones rolled up from daily snapshots.
func (s *Snapshotter) aggregate(ctx context.Context, items []ScopePeriod) ([]Metrics, error) {
	req := AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow}
	counter, ok := s.store.(ActiveContactsCounter)
	if !ok {
		return s.store.Aggregate(ctx, req)
	}
	var direct, rolled []int
	for i, it := range items {
		if it.Period.Type == Daily {
			direct = append(direct, i)
		} else {
			rolled = append(rolled, i)
		}
	}
	if len(rolled) == 0 {
		return s.store.Aggregate(ctx, req)
	}
	out := make([]Metrics, len(items))
	if len(direct) > 0 {
		sub := make([]ScopePeriod, len(direct))
		for j, i := range direct {
			sub[j] = items[i]
		}
		ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: sub, ReplyWindow: s.cfg.ReplyWindow})
		if err != nil {
			return nil, err
		}
		for j, i := range direct {
			out[i] = ms[j]
		}
	}
	sub := make([]ScopePeriod, len(rolled))
	for j, i := range rolled {
		sub[j] = items[i]
	}
	ms, err := s.rollUp(ctx, counter, sub)
	if err != nil {
		return nil, err
	}
	for j, i := range rolled {
		out[i] = ms[j]
	}
	return out, nil
}

// piece is one part of a rolled-up period: a daily snapshot's metrics, or
// the index of an item aggregated directly.
type piece struct {
	metrics Metrics
	direct  int // index into the direct items, or -1
}

// rollUp computes items (weekly or monthly) from daily snapshots; see
// "Roll-ups" above.
func (s *Snapshotter) rollUp(ctx context.Context, counter ActiveContactsCounter, items []ScopePeriod) ([]Metrics, error) {
	if err := (AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow}).Validate(); err != nil {
		return nil, err
	}
	// The days of every item, in the item's zone.
	days := make([][]Period, len(items))
	var from, to Date
	for i, it := range items {
		ds, ok := daysOf(it.Period)
		if !ok {
			continue // not a whole number of days: aggregated directly
		}
		days[i] = ds
		if from.IsZero() || ds[0].Date.Before(from) {
			from = ds[0].Date
		}
		if last := ds[len(ds)-1].Date; to.IsZero() || last.After(to) {
			to = last
		}
	}
	dailies, err := s.dailies(ctx, items, from, to)
	if err != nil {
		return nil, err
	}

	var direct []ScopePeriod
	pieces := make([][]piece, len(items))
	for i, it := range items {
		if days[i] == nil {
			pieces[i] = []piece{{direct: len(direct)}}
			direct = append(direct, it)
			continue
		}
		var run *Period // the run of days without a usable snapshot so far
		flush := func() {
			if run != nil {
				pieces[i] = append(pieces[i], piece{direct: len(direct)})
				direct = append(direct, ScopePeriod{Scope: it.Scope, Period: *run})
				run = nil
			}
		}
		for _, day := range days[i] {
			if sn, ok := dailies[SnapshotKey{Scope: it.Scope, Type: Daily, Date: day.Date}]; ok && s.settled(sn, day) {
				flush()
				pieces[i] = append(pieces[i], piece{metrics: sn.Metrics, direct: -1})
				continue
			}
			if run == nil {
				d := day
				run = &d
			} else {
				run.End = day.End
			}
		}
		flush()
	}

	var directMs []Metrics
	if len(direct) > 0 {
		directMs, err = s.store.Aggregate(ctx, AggregateRequest{Items: direct, ReplyWindow: s.cfg.ReplyWindow})
		if err != nil {
			return nil, err
		}
		if len(directMs) != len(direct) {
			return nil, fmt.Errorf("analytics: store returned %d metrics for %d items", len(directMs), len(direct))
		}
	}
	// Active contacts, for the items not aggregated directly as a whole.
	var count []ScopePeriod
	countAt := make([]int, len(items))
	for i, it := range items {
		countAt[i] = -1
		if len(pieces[i]) == 1 && pieces[i][0].direct >= 0 {
			continue // one direct item covers the whole period: its count is exact
		}
		countAt[i] = len(count)
		count = append(count, it)
	}
	var active []int64
	if len(count) > 0 {
		active, err = counter.ActiveContacts(ctx, AggregateRequest{Items: count, ReplyWindow: s.cfg.ReplyWindow})
		if err != nil {
			return nil, err
		}
		if len(active) != len(count) {
			return nil, fmt.Errorf("analytics: store returned %d active counts for %d items", len(active), len(count))
		}
	}

	out := make([]Metrics, len(items))
	for i, it := range items {
		var m Metrics
		for _, p := range pieces[i] {
			pm := p.metrics
			if p.direct >= 0 {
				pm = directMs[p.direct]
			}
			m = Merge(m, pm)
		}
		if countAt[i] >= 0 {
			m.Contacts.Active = active[countAt[i]]
		}
		m.Period = Range{Start: it.Period.Start, End: it.Period.End}
		m.GeneratedAt = time.Time{}
		m.Derive()
		out[i] = m
	}
	return out, nil
}

// daysOf returns the local days of p, in p's zone, or false when p is not
// a whole number of them.
func daysOf(p Period) ([]Period, bool) {
	loc := p.Location()
	var out []Period
	d := DateOf(p.Start.In(loc))
	for {
		day, err := PeriodForDate(Daily, d, loc)
		if err != nil {
			return nil, false
		}
		if len(out) == 0 && !day.Start.Equal(p.Start) {
			return nil, false
		}
		if !day.Start.Before(p.End) {
			break
		}
		out = append(out, day)
		d = d.AddDays(1)
		if len(out) > 400 {
			return nil, false
		}
	}
	if len(out) == 0 || !out[len(out)-1].End.Equal(p.End) {
		return nil, false
	}
	return out, true
}

// dailies reads the daily snapshots of the items' scopes dated from from to
// to, keyed by scope and date.
func (s *Snapshotter) dailies(ctx context.Context, items []ScopePeriod, from, to Date) (map[SnapshotKey]Snapshot, error) {
	out := map[SnapshotKey]Snapshot{}
	if from.IsZero() {
		return out, nil
	}
	if r, ok := s.store.(SnapshotRangeReader); ok {
		seen := map[string]bool{}
		var teams []string
		for _, it := range items {
			if !seen[it.Scope.TeamID] {
				seen[it.Scope.TeamID] = true
				teams = append(teams, it.Scope.TeamID)
			}
		}
		snaps, err := r.SnapshotsOfTeams(ctx, teams, Daily, from, to)
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			out[sn.Key()] = sn
		}
		return out, nil
	}
	seen := map[Scope]bool{}
	for _, it := range items {
		if seen[it.Scope] {
			continue
		}
		seen[it.Scope] = true
		snaps, err := s.store.Snapshots(ctx, SnapshotQuery{Scope: it.Scope, Type: Daily, From: from, To: to})
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			out[sn.Key()] = sn
		}
	}
	return out, nil
}
