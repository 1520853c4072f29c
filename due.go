package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Schedule says when periods fall due: for each snapshot type, the
// wall-clock times, read in each team's own time zone, at which that
// type's periods do. The zero Schedule is the default schedule: a day
// falls due at 02:00 the day after, an ISO week at 03:00 on the Monday
// after, a month at 04:00 on the 1st of the month after (the cron
// expressions "0 2 * * *", "0 3 * * 1" and "0 4 1 * *"), each in the
// team's zone. Snapshotter.GenerateAll follows the zero Schedule; the
// scheduler package builds one from its jobs' cron expressions.
//
// A Schedule is a value and safe for concurrent use as long as the
// schedules in its fields are.
type Schedule struct {
	// Daily, Weekly and Monthly give the wall-clock readings at which
	// daily, weekly and monthly periods fall due: Next returns the first
	// reading strictly after wall at which the schedule fires, or the zero
	// time if it never fires again. Both are wall-clock readings carried in
	// time.Time values in UTC: 02:00 on 2026-03-11 is
	// time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), whatever zone it is
	// later read in. A standard cron expression parsed by
	// github.com/robfig/cron/v3's ParseStandard fits. Each defaults to the
	// type's default schedule (see Schedule) when nil; a typed nil, such as
	// a nil *cron.SpecSchedule, is not nil and panics when used.
	Daily, Weekly, Monthly interface {
		Next(wall time.Time) time.Time
	}
}

// The hours at which periods fall due by default, in each team's own zone:
// a day at 02:00 the day after, an ISO week at 03:00 on the Monday after, a
// month at 04:00 on the 1st of the month after.
const (
	dailyDueHour   = 2
	weeklyDueHour  = 3
	monthlyDueHour = 4
)

// defaultSchedule fires at hour:00 on the first day of every period of
// type typ.
type defaultSchedule struct {
	typ  SnapshotType
	hour int
}

func (d defaultSchedule) Next(wall time.Time) time.Time {
	key := periodKey(d.typ, DateOf(wall))
	for range 3 {
		t := time.Date(key.Year, key.Month, key.Day, d.hour, 0, 0, 0, time.UTC)
		if t.After(wall) {
			return t
		}
		key = nextKey(d.typ, key)
	}
	return time.Time{}
}

// forType returns the schedule of periods of type typ: s's field, or the
// type's default when that is nil. An invalid typ gives nil.
func (s Schedule) forType(typ SnapshotType) interface{ Next(time.Time) time.Time } {
	switch typ {
	case Daily:
		if s.Daily != nil {
			return s.Daily
		}
		return defaultSchedule{Daily, dailyDueHour}
	case Weekly:
		if s.Weekly != nil {
			return s.Weekly
		}
		return defaultSchedule{Weekly, weeklyDueHour}
	case Monthly:
		if s.Monthly != nil {
			return s.Monthly
		}
		return defaultSchedule{Monthly, monthlyDueHour}
	}
	return nil
}

// Next returns the first wall-clock reading strictly after wall at which
// periods of type typ fall due under s, or the zero time if s never fires
// again for typ or typ is invalid. Both are readings carried in UTC, as in
// the fields of Schedule: with the zero Schedule, Next(Daily, wall) is
// 02:00 on wall's date when wall reads before 02:00, and 02:00 on the next
// date otherwise.
func (s Schedule) Next(typ SnapshotType, wall time.Time) time.Time {
	sched := s.forType(typ)
	if sched == nil {
		return time.Time{}
	}
	return sched.Next(wall)
}

// maxDueSteps bounds the periods LastDue steps back over; only a schedule
// that fires far less often than its periods reach it.
const maxDueSteps = 1000

// DueAt returns the instant period p falls due under s, read in p's time
// zone: the first instant at or after p.End at which the zone's clock
// reads W or later, W being the first firing of s's schedule for p.Type at
// or after midnight of the local date following the period (for the zero
// Schedule, 02:00 on the next day, 03:00 on the next Monday, 04:00 on the
// next 1st).
//
// Where the zone's clocks skip W (a daylight-saving gap, such as 02:00 on
// 2026-03-08 in New York or 2026-03-29 in Berlin), the period falls due at
// the end of the gap, the instant the clocks jump (03:00 local, 07:00 and
// 01:00 UTC). Where W occurs twice (the clocks go back over it, as 02:00
// does on 2026-10-25 in Berlin), the period falls due at the first
// occurrence. A period therefore falls due once, never before it ends and,
// in every zone in use today, on a UTC quarter hour when W is on one.
//
// An invalid p gives an error wrapping ErrInvalidArgument that names
// "period"; a schedule for p.Type that does not fire again one that names
// its field, e.g. "Schedule.Daily".
func (s Schedule) DueAt(p Period) (time.Time, error) {
	if !p.Type.Valid() || !p.Start.Before(p.End) {
		return time.Time{}, invalid("period", "%s is not a period", p)
	}
	next := nextKey(p.Type, p.Date)
	midnight := time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, time.UTC)
	w := s.Next(p.Type, midnight.Add(-time.Nanosecond))
	if w.IsZero() {
		return time.Time{}, invalid("Schedule."+p.Type.String(), "does not fire after %s",
			midnight.Format("2006-01-02 15:04"))
	}
	return firstReading(p.End, w, p.Location())
}

// firstReading returns the first instant at or after from at which loc's
// clock reads wall (a reading carried in UTC) or later.
func firstReading(from, wall time.Time, loc *time.Location) (time.Time, error) {
	t := from.In(loc)
	for range maxSteps {
		if !wallClock(t).Before(wall) {
			return t, nil
		}
		// Within one zone period the clock runs evenly: it reads wall at c,
		// unless the period ends (the clocks jump) first.
		c := t.Add(wall.Sub(wallClock(t)))
		_, end := t.ZoneBounds()
		if end.IsZero() || c.Before(end) {
			return c, nil
		}
		t = end
	}
	return time.Time{}, invalid("loc", "cannot find where the clock reads %s in time zone %s",
		wall.Format("2006-01-02 15:04"), loc)
}

// LastDue returns the latest period of type typ, in loc, that is due at
// the instant at under s: the latest whose DueAt is at or before at. With
// the zero Schedule it is the last complete period (LastCompletePeriod)
// once that period's due time has come, and the one before it until then:
// at 01:59 local on 2026-03-11 the last due day is 2026-03-09, at 02:00 it
// is 2026-03-10.
//
// Its errors wrap ErrInvalidArgument; see LastCompletePeriod and DueAt. A
// schedule that fires less than once in 1000 periods of typ gives one too.
func (s Schedule) LastDue(typ SnapshotType, at time.Time, loc *time.Location) (Period, error) {
	p, err := LastCompletePeriod(typ, at, loc)
	if err != nil {
		return Period{}, err
	}
	for range maxDueSteps {
		due, err := s.DueAt(p)
		if err != nil {
			return Period{}, err
		}
		if !due.After(at) {
			return p, nil
		}
		if p = p.Prev(); p.Date.Year < minYear {
			break
		}
	}
	return Period{}, invalid("at", "no %s period in %s is due at %s within %d periods", typ, loc,
		at.Format(time.RFC3339), maxDueSteps)
}

// TeamZones returns the distinct time zones of the store's teams, sorted
// by name, listing the teams in batches of BatchSize. Teams whose zone
// cannot be loaded are left out: a run over them reports their error. The
// scheduler uses it to know when teams' periods fall due. A nil ctx gives
// ErrInvalidArgument.
func (s *Snapshotter) TeamZones(ctx context.Context) ([]*time.Location, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	seen := map[string]*time.Location{}
	after := ""
	for {
		teams, err := s.store.Teams(ctx, after, s.cfg.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("analytics: listing teams after %q: %w", after, err)
		}
		for _, t := range teams {
			if _, ok := seen[t.TimeZone]; ok {
				continue
			}
			if loc, err := t.Location(); err == nil {
				seen[t.TimeZone] = loc
			}
		}
		if len(teams) < s.cfg.BatchSize {
			break
		}
		after = teams[len(teams)-1].ID
	}
	out := make([]*time.Location, 0, len(seen))
	for _, loc := range seen {
		if !slices.Contains(out, loc) {
			out = append(out, loc)
		}
	}
	slices.SortFunc(out, func(a, b *time.Location) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	return out, nil
}
