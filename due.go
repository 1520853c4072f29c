package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Schedule gives the wall-clock times at which periods fall due: Next
// returns the first reading strictly after wall at which the schedule
// fires, or the zero time if it never fires again. Both are wall-clock
// readings carried in time.Time values in UTC: 02:00 on 2026-03-11 is
// time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), whatever zone it is later
// read in. A standard cron expression parsed by
// github.com/robfig/cron/v3's ParseStandard is a Schedule.
type Schedule interface {
	Next(wall time.Time) time.Time
}

// The hours at which periods fall due by default, in each team's own zone:
// a day at 02:00 the day after, an ISO week at 03:00 on the Monday after, a
// month at 04:00 on the 1st of the month after. They are the cron
// expressions "0 2 * * *", "0 3 * * 1" and "0 4 1 * *".
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

// DefaultSchedule returns the Schedule periods of type typ fall due on by
// default: daily at 02:00, weekly on Mondays at 03:00, monthly on the 1st
// at 04:00. An invalid typ gives nil.
func DefaultSchedule(typ SnapshotType) Schedule {
	switch typ {
	case Daily:
		return defaultSchedule{Daily, dailyDueHour}
	case Weekly:
		return defaultSchedule{Weekly, weeklyDueHour}
	case Monthly:
		return defaultSchedule{Monthly, monthlyDueHour}
	}
	return nil
}

// maxDueSteps bounds the periods LastDuePeriod steps back over; only a
// schedule that fires far less often than its periods reach it.
const maxDueSteps = 1000

// DueAt returns the instant period p falls due under sched (nil for
// DefaultSchedule(p.Type)), read in p's time zone: the first instant at or
// after p.End at which the zone's clock reads W or later, W being sched's
// first firing at or after midnight of the local date following the period
// (for the default schedules, 02:00 on the next day, 03:00 on the next
// Monday, 04:00 on the next 1st).
//
// Where the zone's clocks skip W (a daylight-saving gap, such as 02:00 on
// 2026-03-08 in New York or 2026-03-29 in Berlin), the period falls due at
// the end of the gap, the instant the clocks jump (03:00 local, 07:00 and
// 01:00 UTC). Where W occurs twice (the clocks go back over it, as 02:00
// does on 2026-10-25 in Berlin), the period falls due at the first
// occurrence. A period therefore falls due once, never before it ends and,
// in every zone in use today, on a UTC quarter hour when W is on one.
//
// An invalid p, a nil sched for an invalid type or a schedule that does
// not fire again gives an error wrapping ErrInvalidArgument.
func DueAt(p Period, sched Schedule) (time.Time, error) {
	if !p.Type.Valid() || !p.Start.Before(p.End) {
		return time.Time{}, invalid("period", "%s is not a period", p)
	}
	if sched == nil {
		sched = DefaultSchedule(p.Type)
	}
	next := nextKey(p.Type, p.Date)
	midnight := time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, time.UTC)
	w := sched.Next(midnight.Add(-time.Nanosecond))
	if w.IsZero() {
		return time.Time{}, invalid("schedule", "does not fire after %s", midnight.Format("2006-01-02 15:04"))
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

// LastDuePeriod returns the latest period of type typ, in loc, that is due
// at the instant at under sched (nil for DefaultSchedule(typ)): the latest
// whose DueAt is at or before at. With the default schedules it is the
// last complete period (LastCompletePeriod) once the period's due time has
// come, and the one before it until then.
//
// Its errors wrap ErrInvalidArgument; see LastCompletePeriod and DueAt.
func LastDuePeriod(typ SnapshotType, at time.Time, loc *time.Location, sched Schedule) (Period, error) {
	p, err := LastCompletePeriod(typ, at, loc)
	if err != nil {
		return Period{}, err
	}
	for range maxDueSteps {
		due, err := DueAt(p, sched)
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
