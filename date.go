package analytics

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a civil calendar date (proleptic Gregorian) with no time of day and
// no time zone, such as the value of a snapshot's date column.
//
// A Date is "valid" when it names a real calendar day in years 1 to 9999:
// Month is 1..12 and Day is 1..(days in that month). NewDate, DateOf (for
// instants in those years) and ParseDate return valid dates; a Date written
// as a struct literal may not be. The zero Date (all fields 0) is not valid:
// it means "no date".
//
// Arithmetic (AddDays, Weekday) is done with time.Date in UTC, so it never
// depends on any time zone's daylight-saving rules.
type Date struct {
	// Year is the calendar year, e.g. 2026. Valid dates have 1..9999.
	Year int
	// Month is the month of the year, January = 1.
	Month time.Month
	// Day is the day of the month, starting at 1.
	Day int
}

// DateOf returns the calendar date of t as read in t's own location (use
// t.In(loc) first to read it elsewhere). The same instant can fall on
// different dates in different zones. DateOf(time.Time{}) is 0001-01-01,
// not the zero Date.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// NewDate returns the date year-month-day normalised the way time.Date
// normalises it: month 13 is January of the next year, day 0 is the last day
// of the previous month, and 2026-02-30 becomes 2026-03-02. NewDate(0, 0, 0)
// is therefore -0001-11-30, not the zero Date.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses s in the form "2006-01-02": exactly four digits of year,
// two of month and two of day, separated by hyphens, naming a real calendar
// day in years 0001 to 9999. Anything else, including the empty string,
// "0000-00-00", "2026-2-3" and "2026-02-30", returns an error that wraps
// ErrInvalidArgument and names the field "date".
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return Date{}, invalid("date", "%s is not in the form YYYY-MM-DD", quoteShort(s))
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, invalid("date", "%s is not in the form YYYY-MM-DD", quoteShort(s))
	}
	d := Date{Year: year, Month: time.Month(month), Day: day}
	if !d.valid() {
		return Date{}, invalid("date", "%q is not a calendar date in years 0001 to 9999", s)
	}
	return d, nil
}

// String returns d as "2006-01-02", formatting the fields as they are
// without normalising them: the zero Date prints as "0000-00-00" and
// Date{2026, 2, 30} as "2026-02-30". Years outside 0..9999 print with as many
// digits as they need ("10000-01-01", "-001-12-31"), so only valid dates
// round-trip through ParseDate.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date (all fields 0), which means
// "no date".
func (d Date) IsZero() bool { return d == Date{} }

// In returns local midnight at the start of d in loc, exactly
// time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc); a nil loc means UTC.
// A non-normalised d is normalised as time.Date does. Where midnight does
// not exist in loc (a zone that changes its clocks at midnight) time.Date
// picks an instant near it, which may even fall on the previous local date;
// use PeriodForDate(Daily, d, loc) for the first instant of the local day.
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n calendar days after d (before d for negative
// n). The result is normalised, so AddDays(0) normalises d. Because it counts
// civil days it is unaffected by daylight saving: 2026-03-08 plus one day is
// 2026-03-09 in every zone.
func (d Date) AddDays(n int) Date {
	return NewDate(d.Year, d.Month, d.Day+n)
}

// Compare returns -1 if d is before o, 0 if they are the same date and +1 if
// d is after o. It compares Year, then Month, then Day, so it orders
// normalised dates chronologically; the zero Date sorts before every valid
// date.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmp.Compare(d.Year, o.Year)
	case d.Month != o.Month:
		return cmp.Compare(d.Month, o.Month)
	default:
		return cmp.Compare(d.Day, o.Day)
	}
}

// Before reports whether d is before o, as Compare orders them.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o, as Compare orders them.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Weekday returns the day of the week of d (of d normalised, if it is not).
func (d Date) Weekday() time.Weekday {
	return d.In(time.UTC).Weekday()
}

// MarshalText implements encoding.TextMarshaler with the "2006-01-02" form.
// It returns an error wrapping ErrInvalidArgument, naming the field "date",
// for a Date that is not valid, including the zero Date; use the
// `json:",omitzero"` option to leave an unset Date out of JSON.
func (d Date) MarshalText() ([]byte, error) {
	if !d.valid() {
		return nil, invalid("date", "%s is not a calendar date in years 0001 to 9999", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting exactly what
// ParseDate accepts. On error *d is left unchanged.
func (d *Date) UnmarshalText(b []byte) error {
	if d == nil {
		return invalid("date", "UnmarshalText into a nil *Date")
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// valid reports whether d names a real calendar day in years 1..9999.
func (d Date) valid() bool {
	return d.Year >= minYear && d.Year <= maxYear &&
		d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// Years outside minYear..maxYear are rejected by ParseDate, MarshalText,
// PeriodOf, PeriodForDate and LastCompletePeriod: the text form has four
// digits, and it keeps every computation far from time.Time's limits.
const (
	minYear = 1
	maxYear = 9999
)

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// digits parses s, which must be non-empty and all ASCII digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// quoteShort quotes s for an error message, cutting it if it is long.
func quoteShort(s string) string {
	const limit = 40
	if len(s) > limit {
		return fmt.Sprintf("%q...", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
