package analytics

import "time"

// rollFold folds the daily snapshots of a roll-up's items, in any order, as
// they arrive: each item keeps the Merge of its settled days so far and the
// union of their sketches, and forgets the snapshots themselves. Once every
// snapshot has been added, directItems lists the runs of days it lacks, to
// be aggregated from activity, and finish merges those in.
//
// The result is Merge over the item's pieces in day order, as "Roll-ups"
// describes: counts add in any order, the as-of fields come from the
// latest day whatever the order (days do not overlap), and the union of
// sketches is associative and commutative. Contacts.Active differs from
// that Merge only where it is not exact (a day without a usable sketch),
// and is then counted again.
type rollFold struct {
	settled func(sn *Snapshot, day Period) bool
	items   []ScopePeriod
	days    [][]Period // of each item; nil: aggregated directly
	byScope map[Scope][]int
	accs    []rollAcc
	direct  [][]int // of each item, its direct items (set by directItems)
	// spare is a buffer of hashes no item uses, the destination of the
	// next union: buffers pass between items instead of being allocated
	// per day.
	spare []uint64
}

// rollAcc is one item's running fold.
type rollAcc struct {
	m      Metrics // the Merge of the folded days' counts; no ActiveSketch
	folded []bool  // per day of the item: whether its snapshot was folded
	n      int     // days folded
	union  sketchUnion
}

// newRollFold returns the fold of items with days (see itemDays), taking a
// daily snapshot for a day when settled says so.
func newRollFold(settled func(*Snapshot, Period) bool, items []ScopePeriod, days [][]Period) *rollFold {
	f := &rollFold{settled: settled, items: items, days: days, byScope: map[Scope][]int{}, accs: make([]rollAcc, len(items))}
	for i, it := range items {
		if days[i] != nil {
			f.byScope[it.Scope] = append(f.byScope[it.Scope], i)
			f.accs[i].folded = make([]bool, len(days[i]))
		}
	}
	return f
}

// add folds sn into every item of its scope whose days include its date,
// if it is settled for that day. It keeps no reference to sn but its
// ActiveSketch. It never fails; its error result is SnapshotStreamer's.
func (f *rollFold) add(sn *Snapshot) error {
	if sn.Type != Daily {
		return nil
	}
	for _, i := range f.byScope[sn.Scope] {
		ds, a := f.days[i], &f.accs[i]
		j := daysBetween(ds[0].Date, sn.Date)
		if j < 0 || j >= len(ds) || a.folded[j] || !f.settled(sn, ds[j]) {
			continue
		}
		a.folded[j] = true
		if a.n == 0 {
			a.m = sn.Metrics
			a.m.ActiveSketch = nil
		} else {
			addCounts(&a.m, &sn.Metrics)
		}
		a.n++
		sk := sn.Metrics.ActiveSketch
		if !sketchAgrees(&sn.Metrics) {
			sk = nil
		}
		f.spare = a.union.add(sk, sn.Metrics.Contacts.Active, f.spare)
		if a.n == len(ds) {
			// Every day folded: nothing will join the union.
			f.spare = a.union.close(f.spare)
		}
	}
	return nil
}

// daysBetween returns the number of days from a to b (negative when b is
// before a).
func daysBetween(a, b Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// directItems returns the items to aggregate from activity: each item
// without days as a whole, and each run of consecutive days of an item
// that no settled snapshot covered as one period. It records which belong
// to which item, for finish.
func (f *rollFold) directItems() []ScopePeriod {
	var out []ScopePeriod
	f.direct = make([][]int, len(f.items))
	for i, it := range f.items {
		if f.days[i] == nil {
			f.direct[i] = []int{len(out)}
			out = append(out, it)
			continue
		}
		var run *Period
		flush := func() {
			if run != nil {
				f.direct[i] = append(f.direct[i], len(out))
				out = append(out, ScopePeriod{Scope: it.Scope, Period: *run})
				run = nil
			}
		}
		for j, day := range f.days[i] {
			switch {
			case f.accs[i].folded[j]:
				flush()
			case run == nil:
				d := day
				run = &d
			default:
				run.End = day.End
			}
		}
		flush()
	}
	return out
}

// finish returns each item's metrics: the Merge of its folded days and its
// direct items' metrics (directMs, as directItems listed them), over the
// item's period, with no GeneratedAt, no ActiveSketch and no derived
// fields; and whether each one's Contacts.Active is exact (every piece had
// a usable sketch, or one direct item covers the whole period).
func (f *rollFold) finish(directMs []Metrics) ([]Metrics, []bool) {
	out := make([]Metrics, len(f.items))
	exact := make([]bool, len(f.items))
	var ms []*Metrics
	for i, it := range f.items {
		a := &f.accs[i]
		ms = ms[:0]
		var folded Metrics
		if a.n > 0 {
			folded = a.m
			folded.ActiveSketch, folded.Contacts.Active = a.union.sketch(), a.union.active()
			ms = append(ms, &folded)
		}
		for _, d := range f.direct[i] {
			ms = append(ms, &directMs[d])
		}
		m := mergeAll(ms)
		exact[i] = m.ActiveSketch != nil || (a.n == 0 && len(f.direct[i]) == 1) ||
			(len(f.direct[i]) == 0 && a.union.exactClosed())
		m.ActiveSketch = nil
		m.Range = Range{Start: it.Period.Start, End: it.Period.End}
		m.GeneratedAt = time.Time{}
		out[i] = m
	}
	return out, exact
}
