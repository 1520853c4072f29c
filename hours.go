package analytics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ClockRange is a span of local wall-clock time within a day, in minutes
// since midnight: [Start, End) with 0 ≤ Start < End ≤ 1440 (End 1440 is the
// next midnight). In JSON it is "HH:MM-HH:MM", e.g. "09:00-17:30"; "24:00"
// is allowed as an end.
type ClockRange struct {
	Start int
	End   int
}

// String returns r as "HH:MM-HH:MM".
func (r ClockRange) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.Start/60, r.Start%60, r.End/60, r.End%60)
}

// WorkingHours are a team's business hours in its time zone: for each
// weekday, the ranges of local wall-clock time it is open, and whole local
// dates it is closed. Business response times count only the part of a
// wait that falls inside them (see the package documentation, Business
// hours, and WorkingHours.Between). A team without WorkingHours (a nil
// *WorkingHours) has no business-time metrics.
//
// The JSON form, which a host may keep in a column of its teams table, is
//
//	{"mon": ["09:00-12:00", "13:00-17:30"], "tue": ["09:00-17:30"], …,
//	 "closed": ["2026-12-25", "2027-01-01"]}
//
// with keys "sun" … "sat" (a missing key is a closed weekday). Ranges of a
// day are sorted and must not overlap or touch ("09:00-12:00" and
// "12:00-13:00" is one range written twice: write "09:00-13:00").
type WorkingHours struct {
	// Days lists each weekday's open ranges, indexed by time.Weekday,
	// sorted, neither overlapping nor touching.
	Days [7][]ClockRange
	// Closed lists local dates with no working hours at all, whatever
	// their weekday (public holidays).
	Closed []Date
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Validate checks every range and date. The error wraps
// ErrInvalidArgument and names the weekday or date.
func (h *WorkingHours) Validate() error {
	for wd, rs := range h.Days {
		for i, r := range rs {
			if r.Start < 0 || r.End > 1440 || r.Start >= r.End {
				return invalid("WorkingHours."+weekdayKeys[wd], "range %s is not within a day or is empty", r)
			}
			if i > 0 && r.Start <= rs[i-1].End {
				return invalid("WorkingHours."+weekdayKeys[wd], "range %s overlaps, touches or precedes %s", r, rs[i-1])
			}
		}
	}
	for _, d := range h.Closed {
		if !d.valid() {
			return invalid("WorkingHours.closed", "%s is not a calendar date", d)
		}
	}
	return nil
}

// ParseWorkingHours reads the JSON form of WorkingHours and validates it.
// Errors wrap ErrInvalidArgument. JSON null gives nil: no working hours.
func ParseWorkingHours(b []byte) (*WorkingHours, error) {
	if strings.TrimSpace(string(b)) == "null" {
		return nil, nil
	}
	var h WorkingHours
	if err := json.Unmarshal(b, &h); err != nil {
		if errors.Is(err, ErrInvalidArgument) {
			return nil, err
		}
		return nil, invalid("WorkingHours", "not JSON: %v", err)
	}
	return &h, nil
}

// objectMembers returns the members of the JSON object b in order, or an
// error for anything but an object and for a key given twice (which
// encoding/json would read as the last one alone).
func objectMembers(b []byte) (keys []string, values []json.RawMessage, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, invalid("WorkingHours", "not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, invalid("WorkingHours", "not a JSON object: %v", err)
		}
		k, _ := tok.(string)
		if seen[k] {
			return nil, nil, invalid("WorkingHours", "key %q given twice", k)
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, invalid("WorkingHours", "not a JSON object: %v", err)
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values, nil
}

// MarshalJSON writes the JSON form described on WorkingHours.
func (h WorkingHours) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	for wd, rs := range h.Days {
		if len(rs) == 0 {
			continue
		}
		ss := make([]string, len(rs))
		for i, r := range rs {
			ss[i] = r.String()
		}
		out[weekdayKeys[wd]] = ss
	}
	if len(h.Closed) > 0 {
		out["closed"] = h.Closed
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the JSON form described on WorkingHours, sorts each
// day's ranges and the closed dates, and validates them. Unknown keys are
// an error, and so is a key given twice. Errors wrap ErrInvalidArgument.
func (h *WorkingHours) UnmarshalJSON(b []byte) error {
	keys, values, err := objectMembers(b)
	if err != nil {
		return err
	}
	var out WorkingHours
	for i, k := range keys {
		v := values[i]
		if k == "closed" {
			if err := json.Unmarshal(v, &out.Closed); err != nil {
				return invalid("WorkingHours.closed", "%v", err)
			}
			continue
		}
		wd := slices.Index(weekdayKeys[:], k)
		if wd < 0 {
			return invalid("WorkingHours", "unknown key %q (want sun…sat or closed)", k)
		}
		var ss []string
		if err := json.Unmarshal(v, &ss); err != nil {
			return invalid("WorkingHours."+k, "want an array of \"HH:MM-HH:MM\": %v", err)
		}
		for _, s := range ss {
			r, err := parseClockRange(s)
			if err != nil {
				return invalid("WorkingHours."+k, "%v", err)
			}
			out.Days[wd] = append(out.Days[wd], r)
		}
		slices.SortFunc(out.Days[wd], func(a, b ClockRange) int { return a.Start - b.Start })
	}
	slices.SortFunc(out.Closed, Date.Compare)
	out.Closed = slices.Compact(out.Closed)
	if err := out.Validate(); err != nil {
		return err
	}
	*h = out
	return nil
}

// parseClockRange parses "HH:MM-HH:MM".
func parseClockRange(s string) (ClockRange, error) {
	a, b, ok := strings.Cut(s, "-")
	start, ok1 := parseClock(a)
	end, ok2 := parseClock(b)
	if !ok || !ok1 || !ok2 {
		return ClockRange{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	return ClockRange{Start: start, End: end}, nil
}

// parseClock parses "HH:MM" (00:00–24:00) as minutes since midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	hh, ok1 := digits(s[0:2])
	mm, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// Clone returns a deep copy of h; nil for a nil h.
func (h *WorkingHours) Clone() *WorkingHours {
	if h == nil {
		return nil
	}
	out := &WorkingHours{Closed: slices.Clone(h.Closed)}
	for wd, rs := range h.Days {
		out.Days[wd] = slices.Clone(rs)
	}
	return out
}

// closed reports whether d is one of the closed dates.
func (h *WorkingHours) closed(d Date) bool {
	_, ok := slices.BinarySearchFunc(h.Closed, d, Date.Compare)
	return ok
}

// Between returns how much of [from, to) falls inside the working hours,
// reading them in loc (nil: UTC): the sum of the lengths of Open(from, to,
// loc). A nil h, or to not after from, gives 0. The cost is proportional
// to the local days [from, to) spans.
func (h *WorkingHours) Between(from, to time.Time, loc *time.Location) time.Duration {
	var buf [8]Range
	var total time.Duration
	for _, r := range h.open(from, to, loc, buf[:0]) {
		total += r.End.Sub(r.Start)
	}
	return total
}

// Open returns the instants of [from, to) inside the working hours, read
// in loc (nil: UTC), as sorted ranges that neither overlap nor touch. A
// range of a local date is the instants from the date's wall-clock Start
// to its End as time.Date resolves them: on a day whose clocks go forward,
// a wall-clock time that does not exist is the instant time.Date gives
// (in America/New_York, 02:30 on 2026-03-08 is 01:30 EST); on a day whose clocks go back, the repeated hour counts once per
// occurrence, so "00:00-24:00" covers the whole 25-hour day. An instant
// that two ranges cover (possible only where time.Date's normalisation
// makes ranges of a day overlap) counts once. Closed dates contribute
// nothing. A nil h, or to not after from, gives none.
func (h *WorkingHours) Open(from, to time.Time, loc *time.Location) []Range {
	return h.open(from, to, loc, nil)
}

// open is Open appending to buf[:0].
func (h *WorkingHours) open(from, to time.Time, loc *time.Location, buf []Range) []Range {
	if h == nil || !from.Before(to) {
		return buf
	}
	if loc == nil {
		loc = time.UTC
	}
	out := buf
	// A range of a local date lies within a day of that date's midnight
	// even across a clock change, so the dates from the day before from's
	// to the day after to's cover every range that can reach [from, to).
	last := DateOf(to.In(loc)).AddDays(1)
	for d := DateOf(from.In(loc)).AddDays(-1); !d.After(last); d = d.AddDays(1) {
		if h.closed(d) {
			continue
		}
		for _, r := range h.Days[d.Weekday()] {
			a := time.Date(d.Year, d.Month, d.Day, 0, r.Start, 0, 0, loc)
			b := time.Date(d.Year, d.Month, d.Day, 0, r.End, 0, 0, loc)
			a, b = maxTime(a, from), minInstant(b, to)
			if a.Before(b) {
				out = append(out, Range{Start: a, End: b})
			}
		}
	}
	return unionRanges(out)
}

// unionRanges sorts rs by start and merges those that overlap or touch, in
// place.
func unionRanges(rs []Range) []Range {
	slices.SortFunc(rs, func(a, b Range) int { return a.Start.Compare(b.Start) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && !r.Start.After(out[n-1].End) {
			if r.End.After(out[n-1].End) {
				out[n-1].End = r.End
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// minInstant returns the earlier of a and b.
func minInstant(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
