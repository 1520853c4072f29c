package analytics

import (
	"errors"
	"fmt"
	"time"
)

// SnapshotType is the length of the period a metrics snapshot covers. The
// zero value is not a valid type.
type SnapshotType uint8

// The snapshot types. Their String forms are the values of the Postgres enum.
const (
	// Daily covers one local calendar day, from local midnight to the next.
	Daily SnapshotType = iota + 1
	// Weekly covers one ISO week, Monday 00:00 to the next Monday 00:00 local.
	Weekly
	// Monthly covers one calendar month, from 00:00 local on the 1st to 00:00
	// on the 1st of the next month.
	Monthly
)

var snapshotTypeNames = [...]string{Daily: "Daily", Weekly: "Weekly", Monthly: "Monthly"}

// String returns "Daily", "Weekly" or "Monthly", the Postgres enum values,
// and "SnapshotType(N)" for any other value, including the zero value
// ("SnapshotType(0)").
func (t SnapshotType) String() string {
	if t.Valid() {
		return snapshotTypeNames[t]
	}
	return fmt.Sprintf("SnapshotType(%d)", uint8(t))
}

// Valid reports whether t is Daily, Weekly or Monthly. The zero value is not
// valid.
func (t SnapshotType) Valid() bool { return t >= Daily && t <= Monthly }

// ParseSnapshotType returns the type whose String is exactly s. Matching is
// case-sensitive: "daily", "DAILY", "" and "Hourly" return an error that
// wraps ErrInvalidArgument and names the field "SnapshotType".
func ParseSnapshotType(s string) (SnapshotType, error) {
	for _, t := range SnapshotTypes() {
		if s == snapshotTypeNames[t] {
			return t, nil
		}
	}
	return 0, invalid("SnapshotType", "%s is not one of Daily, Weekly, Monthly", quoteShort(s))
}

// MarshalText implements encoding.TextMarshaler with the String form. For a
// type that is not Valid, including the zero value, it returns an error
// that wraps ErrInvalidArgument and names the field "SnapshotType".
func (t SnapshotType) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, invalid("SnapshotType", "%d is not a snapshot type", uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting exactly what
// ParseSnapshotType accepts. On error *t is left unchanged.
func (t *SnapshotType) UnmarshalText(b []byte) error {
	if t == nil {
		return invalid("SnapshotType", "UnmarshalText into a nil *SnapshotType")
	}
	v, err := ParseSnapshotType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// SnapshotTypes returns every valid type, shortest period first: Daily,
// Weekly, Monthly. The slice is new on each call; the caller may modify it.
func SnapshotTypes() []SnapshotType { return []SnapshotType{Daily, Weekly, Monthly} }

// Period is the half-open interval of time [Start, End) that one snapshot
// covers, measured in local days of a team's time zone. A Daily period is 23
// or 25 hours long on the days daylight saving starts or ends, and a period
// of any type is the whole local days from its first date up to (not
// including) the first date of the next period. Consecutive periods of one
// type tile time: p.End equals p.Next().Start, with no gap or overlap.
//
// Make Periods with PeriodOf, PeriodForDate or LastCompletePeriod, and move
// between them with Next and Prev. The zero Period (see IsZero) means "no
// period"; it is not valid.
type Period struct {
	// Type is the period's length.
	Type SnapshotType
	// Start is the first instant of the period (inclusive), in the team's
	// location: local midnight at the start of Date. Where a time zone change
	// skips local midnight, Start is the instant of the change, the first
	// that reads as Date (for example 01:00 local).
	Start time.Time
	// End is the first instant after the period (exclusive): the Start of the
	// next period of the same type.
	End time.Time
	// Date is the first local date of the period, the value stored in the
	// snapshot's date column: the day itself for Daily, the Monday for
	// Weekly, the 1st of the month for Monthly. It is the local date of Start
	// except in the rare case that a zone skipped that whole day (as
	// Pacific/Apia skipped 2011-12-30); Start is then the first instant of the
	// next day that occurred.
	Date Date
}

// PeriodOf returns the period of type typ that contains the instant at, with
// local dates read in loc: Start <= at < End. An instant can fall in
// different periods in different zones. Where a zone's clocks once went back
// across midnight, so that the local date went back for a while (as in
// America/St_Johns, which fell back from 00:01 to 23:01 until 2011), those
// instants belong to the period that had already begun: periods never
// overlap.
//
// It returns an error wrapping ErrInvalidArgument, naming the field
// "SnapshotType" if typ is not valid, "loc" if loc is nil, and "at" if the
// local date of at in loc is not in years 1 to 9999.
func PeriodOf(typ SnapshotType, at time.Time, loc *time.Location) (Period, error) {
	if err := checkArgs(typ, at, loc); err != nil {
		return Period{}, err
	}
	return periodAt(typ, at, loc)
}

// PeriodForDate returns the period of type typ that contains the local date
// d in loc: for Daily the day d, for Weekly the ISO week (Monday to Sunday)
// that contains d, for Monthly the calendar month of d.
//
// It returns an error wrapping ErrInvalidArgument, naming the field
// "SnapshotType" if typ is not valid, "loc" if loc is nil, and "date" if d is
// not a valid Date (a real calendar day in years 1 to 9999; a Date that needs
// normalising, such as 2026-02-30, is rejected, not normalised) or, for
// Daily, if loc skipped the whole day d, so that no instant has that date.
func PeriodForDate(typ SnapshotType, d Date, loc *time.Location) (Period, error) {
	if err := checkTypeLoc(typ, loc); err != nil {
		return Period{}, err
	}
	if !d.valid() {
		return Period{}, invalid("date", "%s is not a calendar date in years 0001 to 9999", d)
	}
	p, err := periodFromKey(typ, periodKey(typ, d), loc)
	if err != nil {
		return Period{}, err
	}
	if !p.Start.Before(p.End) {
		return Period{}, invalid("date", "%s does not occur in %s: the time zone skipped it", d, loc)
	}
	return p, nil
}

// LastCompletePeriod returns the latest period of type typ that has ended by
// the instant at, that is the latest with End <= at, with local dates read
// in loc. At exactly local midnight it is the Daily period that just ended;
// one nanosecond earlier it is the day before that.
//
// It returns an error wrapping ErrInvalidArgument, naming the field
// "SnapshotType" if typ is not valid, "loc" if loc is nil, and "at" if the
// local date of at is not in years 1 to 9999 or the period found would start
// before year 1.
func LastCompletePeriod(typ SnapshotType, at time.Time, loc *time.Location) (Period, error) {
	if err := checkArgs(typ, at, loc); err != nil {
		return Period{}, err
	}
	cur, err := periodAt(typ, at, loc)
	if err != nil {
		return Period{}, err
	}
	p, err := periodAt(typ, cur.Start.Add(-time.Nanosecond), loc)
	if err != nil {
		return Period{}, err
	}
	if p.Date.Year < minYear {
		return Period{}, invalid("at", "no %s period in years 0001 to 9999 ends by %s", typ, at.Format(time.RFC3339Nano))
	}
	return p, nil
}

// Next returns the period of the same type and location that follows p:
// the one containing p.End, which for a valid p starts exactly at p.End.
// Next does not apply the year limit of PeriodOf, so the Next of the last
// period of 9999 has a Date in year 10000 (and fails Validate). Next of a
// Period whose Type is not valid, such as the zero Period, is the zero
// Period.
func (p Period) Next() Period {
	if !p.Type.Valid() {
		return Period{}
	}
	q, err := periodAt(p.Type, p.End, p.Location())
	if err != nil {
		return Period{}
	}
	return q
}

// Prev returns the period of the same type and location that precedes p:
// the one containing the instant one nanosecond before p.Start, which for a
// valid p ends exactly at p.Start. Like Next it does not apply the year
// limit, and Prev of a Period whose Type is not valid is the zero Period.
func (p Period) Prev() Period {
	if !p.Type.Valid() {
		return Period{}
	}
	q, err := periodAt(p.Type, p.Start.Add(-time.Nanosecond), p.Location())
	if err != nil {
		return Period{}
	}
	return q
}

// Contains reports whether the instant t lies in the half-open interval
// [Start, End). The zero Period contains nothing.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start) && t.Before(p.End)
}

// Location returns the time zone the period's local dates are read in,
// Start.Location(). For the zero Period it is UTC.
func (p Period) Location() *time.Location { return p.Start.Location() }

// Ended reports whether the period is over at the instant now, that is
// now >= End. A period has not ended while now is inside it. The zero
// Period has ended at every instant after year 1 began.
func (p Period) Ended(now time.Time) bool { return !now.Before(p.End) }

// Validate reports whether p is exactly the period PeriodForDate(p.Type,
// p.Date, p.Location()) returns, comparing instants with time.Time.Equal.
// Its errors wrap ErrInvalidArgument and name the field at fault:
// "Period.Type" for a type that is not valid, "Period.End" if End is not
// after Start or is not where the period ends, "Period.Date" if Date is not
// a valid Date or not the first date of its period, and "Period.Start" if
// Start is not local midnight of Date in Start's location (a Period whose
// instants were converted to another zone, such as UTC, fails here). The
// zero Period is not valid.
func (p Period) Validate() error {
	if !p.Type.Valid() {
		return invalid("Period.Type", "%s is not a snapshot type", p.Type)
	}
	if !p.Start.Before(p.End) {
		return invalid("Period.End", "%s is not after Start %s",
			p.End.Format(time.RFC3339Nano), p.Start.Format(time.RFC3339Nano))
	}
	if !p.Date.valid() {
		return invalid("Period.Date", "%s is not a calendar date in years 0001 to 9999", p.Date)
	}
	want, err := PeriodForDate(p.Type, p.Date, p.Location())
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return invalid("Period.Date", "%s", fe.Reason)
		}
		return invalid("Period.Date", "%v", err)
	}
	if want.Date != p.Date {
		return invalid("Period.Date", "%s is not the first date of its %s period, %s", p.Date, p.Type, want.Date)
	}
	if !p.Start.Equal(want.Start) {
		return invalid("Period.Start", "%s is not the start of %s %s in %s, %s",
			p.Start.Format(time.RFC3339Nano), p.Type, p.Date, p.Location(), want.Start.Format(time.RFC3339Nano))
	}
	if !p.End.Equal(want.End) {
		return invalid("Period.End", "%s is not the end of %s %s in %s, %s",
			p.End.Format(time.RFC3339Nano), p.Type, p.Date, p.Location(), want.End.Format(time.RFC3339Nano))
	}
	return nil
}

// String formats p as its type, its Date and the half-open interval of its
// instants in RFC 3339, for example
// "Daily 2026-03-08 [2026-03-08T00:00:00-05:00, 2026-03-09T00:00:00-04:00)".
// The zero Period prints as
// "SnapshotType(0) 0000-00-00 [0001-01-01T00:00:00Z, 0001-01-01T00:00:00Z)".
func (p Period) String() string {
	return fmt.Sprintf("%s %s [%s, %s)", p.Type, p.Date,
		p.Start.Format(time.RFC3339Nano), p.End.Format(time.RFC3339Nano))
}

// IsZero reports whether p is the zero Period: zero Type, Date, Start and
// End.
func (p Period) IsZero() bool {
	return p.Type == 0 && p.Date.IsZero() && p.Start.IsZero() && p.End.IsZero()
}

// maxSteps bounds every search below. Real zones need one or two steps; the
// bound only keeps a corrupt zone from looping.
const maxSteps = 8

var (
	// Instants outside [earliestAt, latestAt) cannot have a local date in
	// years 1..9999 in any real zone; checking them first keeps the local
	// date computation away from time.Time's overflow range.
	earliestAt = time.Date(minYear-2, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestAt   = time.Date(maxYear+2, time.January, 1, 0, 0, 0, 0, time.UTC)
	// Next and Prev, which have no year limit, stay within these.
	safeMin = time.Date(-1_000_000, time.January, 1, 0, 0, 0, 0, time.UTC)
	safeMax = time.Date(1_000_000, time.January, 1, 0, 0, 0, 0, time.UTC)
)

func checkTypeLoc(typ SnapshotType, loc *time.Location) error {
	if !typ.Valid() {
		return invalid("SnapshotType", "%s is not a snapshot type", typ)
	}
	if loc == nil {
		return invalid("loc", "nil *time.Location")
	}
	return nil
}

// checkArgs validates the arguments of PeriodOf and LastCompletePeriod.
func checkArgs(typ SnapshotType, at time.Time, loc *time.Location) error {
	if err := checkTypeLoc(typ, loc); err != nil {
		return err
	}
	if at.Before(earliestAt) || !at.Before(latestAt) {
		return invalid("at", "%s is outside years 0001 to 9999", at.Format(time.RFC3339Nano))
	}
	if y := at.In(loc).Year(); y < minYear || y > maxYear {
		return invalid("at", "%s falls in year %d in %s, outside years 0001 to 9999",
			at.Format(time.RFC3339Nano), y, loc)
	}
	return nil
}

// periodKey returns the first date of the period of type typ containing d.
func periodKey(typ SnapshotType, d Date) Date {
	switch typ {
	case Weekly:
		// ISO weeks start on Monday; Weekday counts from Sunday = 0.
		return d.AddDays(-((int(d.Weekday()) + 6) % 7))
	case Monthly:
		return Date{Year: d.Year, Month: d.Month, Day: 1}
	default:
		return d
	}
}

// nextKey returns the first date of the period after the one starting on
// key.
func nextKey(typ SnapshotType, key Date) Date {
	switch typ {
	case Weekly:
		return key.AddDays(7)
	case Monthly:
		return NewDate(key.Year, key.Month+1, 1)
	default:
		return key.AddDays(1)
	}
}

// prevKey returns the first date of the period before the one starting on
// key.
func prevKey(typ SnapshotType, key Date) Date {
	switch typ {
	case Weekly:
		return key.AddDays(-7)
	case Monthly:
		return NewDate(key.Year, key.Month-1, 1)
	default:
		return key.AddDays(-1)
	}
}

// periodFromKey returns the period of type typ whose first date is key. It
// is empty (Start == End) only for a Daily period of a day the zone skipped.
func periodFromKey(typ SnapshotType, key Date, loc *time.Location) (Period, error) {
	start, err := dayStart(key, loc)
	if err != nil {
		return Period{}, err
	}
	end, err := dayStart(nextKey(typ, key), loc)
	if err != nil {
		return Period{}, err
	}
	return Period{Type: typ, Start: start, End: end, Date: key}, nil
}

// periodAt returns the period of type typ in loc that contains at. It
// starts from the period of at's local date and steps to a neighbour if at
// is not inside it, which happens only where a zone's clocks went back
// across midnight or skipped a day.
func periodAt(typ SnapshotType, at time.Time, loc *time.Location) (Period, error) {
	if at.Before(safeMin) || !at.Before(safeMax) {
		return Period{}, invalid("at", "%s is too far from the present", at.Format(time.RFC3339Nano))
	}
	key := periodKey(typ, DateOf(at.In(loc)))
	for range maxSteps {
		p, err := periodFromKey(typ, key, loc)
		if err != nil {
			return Period{}, err
		}
		switch {
		case at.Before(p.Start):
			key = prevKey(typ, key)
		case !at.Before(p.End):
			key = nextKey(typ, key)
		default:
			return p, nil
		}
	}
	return Period{}, invalid("loc", "cannot find the %s period containing %s in time zone %s",
		typ, at.Format(time.RFC3339Nano), loc)
}

// dayStart returns the instant local date d begins in loc: the earliest
// instant whose local date is d or later, with every instant between it and
// the following local midnight also on d or later. That is local midnight
// when it exists. Where the zone's clocks jump over midnight it is the
// instant of the jump; time.Date alone would normalise such a midnight to an
// instant an hour away, sometimes on the previous day (it gives 23:00 of
// 2026-09-05 for 2026-09-06 in America/Santiago). For a day the zone
// skipped entirely it is the start of the next day that occurred.
func dayStart(d Date, loc *time.Location) (time.Time, error) {
	c := d.In(loc)
	// Move forward past any time zone change until the local date is at
	// least d.
	for i := 0; DateOf(c).Before(d); i++ {
		_, end := c.ZoneBounds()
		if i == maxSteps || end.IsZero() || !end.After(c) {
			return time.Time{}, noDayStart(d, loc)
		}
		c = end
	}
	// Within one zone period the local clock runs evenly, so the date turns
	// to d at the local midnight of that period if it lies inside it, or
	// else at the start of the period, unless the previous period already
	// had reached d.
	midnight := d.In(time.UTC)
	for i := 0; ; i++ {
		if i == maxSteps {
			return time.Time{}, noDayStart(d, loc)
		}
		mid := c.Add(-wallClock(c).Sub(midnight))
		begin, _ := c.ZoneBounds()
		if begin.IsZero() || mid.After(begin) {
			c = mid
			break
		}
		before := begin.Add(-time.Nanosecond)
		if DateOf(before).Before(d) {
			c = begin
			break
		}
		c = before
	}
	if DateOf(c).Before(d) || !DateOf(c.Add(-time.Nanosecond)).Before(d) {
		return time.Time{}, noDayStart(d, loc)
	}
	return c, nil
}

func noDayStart(d Date, loc *time.Location) error {
	return invalid("loc", "cannot find where local date %s begins in time zone %s", d, loc)
}

// wallClock returns the local date and time shown by t, as the same reading
// in UTC.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d, hh, mm, ss, t.Nanosecond(), time.UTC)
}
