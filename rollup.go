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
// to read the daily snapshots of a batch of teams when the store is not a
// SnapshotStreamer; with neither, it reads them scope by scope with
// Snapshots (which return no sketches).
type SnapshotRangeReader interface {
	// SnapshotsOfTeams returns every snapshot of type typ (team-wide and
	// per account) of the given teams with dates in [from, to], both
	// inclusive, in no particular order, each with the
	// Metrics.ActiveSketch it was stored with (nil if none). A snapshot
	// whose stored metrics or sketch cannot be decoded gives an error
	// wrapping ErrCorrupt that names it.
	SnapshotsOfTeams(ctx context.Context, teams []string, typ SnapshotType, from, to Date) ([]Snapshot, error)
}

// SnapshotStreamer is an optional capability of a SnapshotStore: reading
// the snapshots of many teams one at a time, as SnapshotsOfTeams returns
// them in one slice. A Snapshotter rolling up prefers it to
// SnapshotRangeReader: it folds each daily snapshot into its period as it
// comes, so that a batch holds one Metrics and one sketch per scope and
// period, not one per scope and day.
type SnapshotStreamer interface {
	// StreamSnapshotsOfTeams calls fn once for every snapshot that
	// SnapshotsOfTeams(ctx, teams, typ, from, to) would return, each with
	// its Metrics.ActiveSketch (nil if none), in no particular order, and
	// never for two snapshots at once. The *Snapshot is fn's only until
	// fn returns: the store may then overwrite that Snapshot value, but
	// never what its pointers point to, so fn may keep its ActiveSketch
	// (which is immutable) and must copy the rest. The store holds a
	// bounded number of rows at a time (a read buffer's worth), however
	// many snapshots the range has. Arguments are validated as
	// SnapshotsOfTeams validates them, before fn is first called. The
	// first error of fn stops the stream and is returned wrapped (errors.Is
	// finds it); a snapshot that cannot be decoded gives an error wrapping
	// ErrCorrupt that names it, possibly after fn has seen others.
	StreamSnapshotsOfTeams(ctx context.Context, teams []string, typ SnapshotType, from, to Date, fn func(*Snapshot) error) error
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

// aggregate computes the metrics of items: daily ones, and every item when
// the store cannot count active contacts alone, through Aggregate; weekly
// and monthly ones rolled up from daily snapshots.
func (s *Snapshotter) aggregate(ctx context.Context, items []ScopePeriod) ([]Metrics, error) {
	// Daily snapshots keep the sketches of their active contacts.
	daily := slices.ContainsFunc(items, func(it ScopePeriod) bool { return it.Period.Type == Daily })
	req := AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow, Sketches: daily}
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
		ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: sub, ReplyWindow: s.cfg.ReplyWindow, Sketches: true})
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
	ms, err := s.rollUp(ctx, counter, sub)
	if err != nil {
		return nil, err
	}
	for j, i := range rolled {
		out[i] = ms[j]
	}
	return out, nil
}

// rollUp computes items (weekly or monthly) from daily snapshots; see
// "Roll-ups" above. It folds the daily snapshots into one running Metrics
// per item as the store returns them (see rollFold), so that a batch holds
// one Metrics and one sketch per item, not one per item and day.
func (s *Snapshotter) rollUp(ctx context.Context, counter ActiveContactsCounter, items []ScopePeriod) ([]Metrics, error) {
	if err := (AggregateRequest{Items: items, ReplyWindow: s.cfg.ReplyWindow}).Validate(); err != nil {
		return nil, err
	}
	days, from, to := itemDays(items)
	f := newRollFold(s.settled, items, days)
	if err := s.streamDailies(ctx, items, from, to, f.add); err != nil {
		return nil, err
	}
	direct := f.directItems()
	directMs, err := s.aggregateDirect(ctx, direct)
	if err != nil {
		return nil, err
	}
	out, exact := f.finish(directMs)
	if err := s.countActive(ctx, counter, items, exact, out); err != nil {
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

// aggregateDirect aggregates the direct items, with sketches so that their
// active contacts can be merged with those of the snapshots. It returns nil
// for no items.
func (s *Snapshotter) aggregateDirect(ctx context.Context, direct []ScopePeriod) ([]Metrics, error) {
	if len(direct) == 0 {
		return nil, nil
	}
	ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: direct, ReplyWindow: s.cfg.ReplyWindow, Sketches: true})
	if err != nil {
		return nil, err
	}
	if len(ms) != len(direct) {
		return nil, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(direct))
	}
	return ms, nil
}

// countActive sets out's active contacts, counted exactly with counter,
// for the items whose count is not exact already (exact[i] false: a day
// lacked a usable sketch).
func (s *Snapshotter) countActive(ctx context.Context, counter ActiveContactsCounter, items []ScopePeriod, exact []bool, out []Metrics) error {
	var count []ScopePeriod
	var countAt []int
	for i, it := range items {
		if exact[i] {
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

// streamDailies calls fn with every daily snapshot of the items' teams
// dated from from to to, in no particular order and never concurrently:
// through SnapshotStreamer when the store has it, else from one
// SnapshotsOfTeams call (SnapshotRangeReader), else scope by scope with
// Snapshots (which return no sketches). A zero from means no days: fn is
// not called.
func (s *Snapshotter) streamDailies(ctx context.Context, items []ScopePeriod, from, to Date, fn func(*Snapshot) error) error {
	if from.IsZero() {
		return nil
	}
	var teams []string
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.Scope.TeamID] {
			seen[it.Scope.TeamID] = true
			teams = append(teams, it.Scope.TeamID)
		}
	}
	if st, ok := s.store.(SnapshotStreamer); ok {
		return st.StreamSnapshotsOfTeams(ctx, teams, Daily, from, to, fn)
	}
	var snaps []Snapshot
	if r, ok := s.store.(SnapshotRangeReader); ok {
		var err error
		if snaps, err = r.SnapshotsOfTeams(ctx, teams, Daily, from, to); err != nil {
			return err
		}
		return eachSnapshot(snaps, fn)
	}
	scopes := map[Scope]bool{}
	for _, it := range items {
		if scopes[it.Scope] {
			continue
		}
		scopes[it.Scope] = true
		snaps, err := s.store.Snapshots(ctx, SnapshotQuery{Scope: it.Scope, Type: Daily, From: from, To: to})
		if err != nil {
			return err
		}
		if err := eachSnapshot(snaps, fn); err != nil {
			return err
		}
	}
	return nil
}

// eachSnapshot calls fn with each of snaps in turn, stopping at its first
// error.
func eachSnapshot(snaps []Snapshot, fn func(*Snapshot) error) error {
	for i := range snaps {
		if err := fn(&snaps[i]); err != nil {
			return err
		}
	}
	return nil
}
