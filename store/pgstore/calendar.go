package pgstore

import (
	"slices"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// zoneHours are a team's working hours and the zone its items' periods
// start in, which business times are read in (AggregateRequest.WorkingHours).
type zoneHours struct {
	hours *analytics.WorkingHours
	loc   *time.Location
}

// calendar is a team's working hours over a group's scan range: its open
// instants (analytics.WorkingHours.Open) as offsets from the scan's start,
// with the running sums of their lengths, so that the business time of a
// wait costs two binary searches rather than the time.Date calls of
// WorkingHours.Between. It is the store.Hours of the team's threads, and
// equals Between for every wait within the range it was built for.
type calendar struct {
	base       time.Time
	start, end []time.Duration // since base; sorted, disjoint
	sum        []time.Duration // sum[i]: the lengths of ranges [0, i)
}

// newCalendar builds the calendar of zh over [lo, hi), with offsets from lo.
func newCalendar(zh zoneHours, lo, hi time.Time) *calendar {
	open := zh.hours.Open(lo, hi, zh.loc)
	c := &calendar{
		base:  lo,
		start: make([]time.Duration, len(open)),
		end:   make([]time.Duration, len(open)),
		sum:   make([]time.Duration, len(open)+1),
	}
	for i, r := range open {
		c.start[i], c.end[i] = r.Start.Sub(lo), r.End.Sub(lo)
		c.sum[i+1] = c.sum[i] + r.End.Sub(r.Start)
	}
	return c
}

var _ store.Hours = (*calendar)(nil)

// Between implements store.Hours for from and to within the calendar's
// range.
func (c *calendar) Between(from, to time.Time) time.Duration {
	if !from.Before(to) {
		return 0
	}
	return c.covered(to.Sub(c.base)) - c.covered(from.Sub(c.base))
}

// covered returns the open time before offset x.
func (c *calendar) covered(x time.Duration) time.Duration {
	// i ranges start before x; the last of them may end after it.
	i, _ := slices.BinarySearch(c.start, x)
	if i == 0 {
		return 0
	}
	return c.sum[i] - max(0, c.end[i-1]-x)
}
