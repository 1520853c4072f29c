package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ActiveContactsCounter is an optional capability of an ActivityReader:
// counting contacts.active alone, the one metric that cannot be summed from
// shorter periods (it is a distinct count). With it, a Snapshotter rolls
// weekly and monthly snapshots up from the daily ones instead of
// aggregating the whole period again; without it, it aggregates. A roll-up
// counts contacts.active from the sketches of its days
// (Metrics.ActiveSketch) when every day has one, and with ActiveContacts
// when one lacks it (a snapshot stored without a sketch).
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
	// inclusive, in no particular order, each with the
	// Metrics.ActiveSketch it was stored with (nil if none). A snapshot
	// whose stored metrics or sketch cannot be decoded gives an error
	// wrapping ErrCorrupt that names it.
	SnapshotsOfTeams(ctx context.Context, teams []string, typ SnapshotType, from, to Date) ([]Snapshot, error)
}

// Roll-ups.
//
// A weekly or monthly snapshot is the Merge of its days in order, which is
// exact for every metric but contacts.active (see Merge). That one is the
// Count of the union of the days' sketches of active contacts when every
// day has one (exact up to SketchK distinct contacts in the period, an
// estimate with a relative standard error of 1.1% beyond; see
// DistinctSketch), and is otherwise counted over the whole period with
// ActiveContacts. A daily snapshot's sketch is used only if it agrees with
// the snapshot's own count (a sketch left behind by a writer that updated
// the metrics alone does not). A day contributes its
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
// roll-up: it covers the day (see coversDay) and was generated late enough.
func (s *Snapshotter) settled(sn *Snapshot, day Period) bool {
	return coversDay(sn, day) && !sn.CreatedAt.Before(day.End.Add(2*s.cfg.ReplyWindow))
}

// coversDay reports whether the daily snapshot sn covers day exactly: its
// Metrics.Range has day's Start and End. A snapshot of the same date
// generated while the team had another time zone covers other instants (New
// York's 2026-03-12 is [03-12T04:00Z, 03-13T04:00Z), Kolkata's
// [03-11T18:30Z, 03-12T18:30Z)) and does not. It is the one rule by which a
// stored daily snapshot stands for a day: in roll-ups, dashboards and the
// warming of dashboards.
func coversDay(sn *Snapshot, day Period) bool {
	return sn.Metrics.Range.Start.Equal(day.Start) && sn.Metrics.Range.End.Equal(day.End)
}

// aggregate computes the metrics of items, with business times measured
// against hours: daily ones, and every item when the store cannot count
// active contacts alone, through Aggregate; weekly and monthly ones rolled
// up from daily snapshots.
func (s *Snapshotter) aggregate(ctx context.Context, items []ScopePeriod, hours map[string]*WorkingHours) ([]Metrics, error) {
	// Daily snapshots keep the sketches of their active contacts.
	daily := slices.ContainsFunc(items, func(it ScopePeriod) bool { return it.Period.Type == Daily })
	req := AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow, Sketches: daily, WorkingHours: hours}
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
		ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: sub, ReplyWindow: s.cfg.ReplyWindow, Sketches: true, WorkingHours: hours})
		if err != nil {
			return nil, err
		}
		if len(ms) != len(sub) {
			return nil, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(sub))
		}
		for j, i := range direct {
			out[i] = ms[j]
		}
	}
	sub := make([]ScopePeriod, len(rolled))
	for j, i := range rolled {
		sub[j] = items[i]
	}
	ms, err := s.rollUp(ctx, counter, sub, hours)
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
	metrics *Metrics // nil for a direct item
	direct  int      // index into the direct items, or -1
}

// rollUp computes items (weekly or monthly) from daily snapshots, and the
// days without a settled one from raw activity with business times
// measured against hours; see "Roll-ups" above.
func (s *Snapshotter) rollUp(ctx context.Context, counter ActiveContactsCounter, items []ScopePeriod, hours map[string]*WorkingHours) ([]Metrics, error) {
	if err := (AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow}).Validate(); err != nil {
		return nil, err
	}
	days, from, to := itemDays(items)
	dailies, err := s.dailies(ctx, items, from, to)
	if err != nil {
		return nil, err
	}
	pieces, direct := s.piecesOf(items, days, dailies)
	directMs, err := s.aggregateDirect(ctx, direct, hours)
	if err != nil {
		return nil, err
	}
	out := mergePieces(items, pieces, directMs)
	if err := s.countActive(ctx, counter, items, pieces, out); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Derive()
	}
	return out, nil
}

// itemDays returns the days of every item, in the item's zone (the same for
// every scope of a team), and the first and last of those days over all
// items. An item that is not a whole number of days has nil days: it is
// aggregated directly.
func itemDays(items []ScopePeriod) (days [][]Period, from, to Date) {
	days = make([][]Period, len(items))
	type span struct {
		start, end time.Time
		loc        *time.Location
	}
	known := map[span][]Period{}
	for i, it := range items {
		sp := span{it.Period.Start, it.Period.End, it.Period.Location()}
		ds, seen := known[sp]
		if !seen {
			ds, _ = daysOf(it.Period)
			known[sp] = ds
		}
		if ds == nil {
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
	return days, from, to
}

// piecesOf splits every item into pieces: a settled daily snapshot where
// there is one, and otherwise runs of consecutive days, each aggregated
// directly as one period. It returns the pieces of each item and the
// direct items the pieces index into.
func (s *Snapshotter) piecesOf(items []ScopePeriod, days [][]Period, dailies map[SnapshotKey]*Snapshot) ([][]piece, []ScopePeriod) {
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
				if !sketchAgrees(&sn.Metrics) {
					sn.Metrics.ActiveSketch = nil // the snapshots are this call's own
				}
				pieces[i] = append(pieces[i], piece{metrics: &sn.Metrics, direct: -1})
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
	return pieces, direct
}

// aggregateDirect aggregates the direct items, with business times
// measured against hours and with sketches so that their active contacts
// can be merged with those of the snapshots. It returns nil for no items.
func (s *Snapshotter) aggregateDirect(ctx context.Context, direct []ScopePeriod, hours map[string]*WorkingHours) ([]Metrics, error) {
	if len(direct) == 0 {
		return nil, nil
	}
	ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: direct, ReplyWindow: s.cfg.ReplyWindow, Sketches: true, WorkingHours: hours})
	if err != nil {
		return nil, err
	}
	if len(ms) != len(direct) {
		return nil, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(direct))
	}
	return ms, nil
}

// mergePieces merges the pieces of each item into the item's metrics, over
// the item's period and with no GeneratedAt.
func mergePieces(items []ScopePeriod, pieces [][]piece, directMs []Metrics) []Metrics {
	out := make([]Metrics, len(items))
	var ms []*Metrics
	for i, it := range items {
		ms = ms[:0]
		for _, p := range pieces[i] {
			if p.direct >= 0 {
				ms = append(ms, &directMs[p.direct])
			} else {
				ms = append(ms, p.metrics)
			}
		}
		m := mergeAll(ms) // with the union of the sketches, if every piece has one
		m.Range = Range{Start: it.Period.Start, End: it.Period.End}
		m.GeneratedAt = time.Time{}
		out[i] = m
	}
	return out
}

// countActive sets out's active contacts, counted exactly, for the items
// whose pieces did not all have a sketch, unless one direct item covers the
// whole period (its count is exact).
func (s *Snapshotter) countActive(ctx context.Context, counter ActiveContactsCounter, items []ScopePeriod, pieces [][]piece, out []Metrics) error {
	var count []ScopePeriod
	var countAt []int
	for i, it := range items {
		if out[i].ActiveSketch != nil || (len(pieces[i]) == 1 && pieces[i][0].direct >= 0) {
			continue
		}
		countAt = append(countAt, i)
		count = append(count, it)
	}
	if len(count) == 0 {
		return nil
	}
	active, err := counter.ActiveContacts(ctx, AggregateRequest{Items: count, ReplyWindow: s.cfg.ReplyWindow})
	if err != nil {
		return err
	}
	if len(active) != len(count) {
		return fmt.Errorf("analytics: store returned %d active counts for %d items", len(active), len(count))
	}
	for j, i := range countAt {
		out[i].Contacts.Active = active[j]
	}
	return nil
}

// sketchAgrees reports whether m's ActiveSketch may stand for the contacts
// its Contacts.Active counts: an exact sketch must hold exactly that many,
// a saturated one must be of more than its k. A sketch that disagrees was
// left behind by a writer that replaced the metrics alone; it is ignored.
func sketchAgrees(m *Metrics) bool {
	sk := m.ActiveSketch
	switch {
	case sk == nil:
		return false
	case sk.Exact():
		return int64(sk.Len()) == m.Contacts.Active
	default:
		return m.Contacts.Active > int64(sk.K())
	}
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
func (s *Snapshotter) dailies(ctx context.Context, items []ScopePeriod, from, to Date) (map[SnapshotKey]*Snapshot, error) {
	out := map[SnapshotKey]*Snapshot{}
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
		out = make(map[SnapshotKey]*Snapshot, len(snaps))
		for i := range snaps {
			out[snaps[i].Key()] = &snaps[i]
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
		for i := range snaps {
			out[snaps[i].Key()] = &snaps[i]
		}
	}
	return out, nil
}
