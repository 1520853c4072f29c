package pgstore

import (
	"slices"
	"time"

	"github.com/msgstats/analytics"
)

// hourClock cuts one period into the spans of constant local weekday and
// hour of one time zone, so that the traffic of a scan (times in µs since
// the scan's start) is counted without reading each message's time in the
// zone: a message's cell is found by bisecting the spans' starts.
type hourClock struct {
	starts []time.Time // each span's first instant; starts[0] is the period's start
	rank   []uint8     // per span: the index of its cell in slots
	slots  []uint8     // the distinct cells (weekday·24 + hour), increasing
}

// newHourClock returns the clock of [start, end) read in loc. A span ends
// where the local hour changes or the zone's offset does, so the hour
// repeated when clocks go back is two spans of one cell, and the hour
// skipped when they go forward has none. It costs one time.In per span (24
// a day).
func newHourClock(loc *time.Location, start, end time.Time) *hourClock {
	c := &hourClock{}
	var spanSlots []uint8
	var seen [7 * 24]bool
	for t := start; t.Before(end); {
		local := t.In(loc)
		slot := uint8(int(local.Weekday())*24 + local.Hour())
		c.starts = append(c.starts, t)
		spanSlots = append(spanSlots, slot)
		seen[slot] = true
		t = nextLocalHour(local)
	}
	rankOf := [7 * 24]uint8{}
	for s, ok := range seen {
		if ok {
			rankOf[s] = uint8(len(c.slots))
			c.slots = append(c.slots, uint8(s))
		}
	}
	c.rank = make([]uint8, len(spanSlots))
	for i, s := range spanSlots {
		c.rank[i] = rankOf[s]
	}
	return c
}

// nextLocalHour returns the first instant after local at which its
// wall-clock hour or its zone's offset changes. Offsets are whole seconds,
// so the next hour starts at a whole second.
func nextLocalHour(local time.Time) time.Time {
	_, off := local.Zone()
	wall := local.Unix() + int64(off) // whole seconds, floored
	h := wall / 3600
	if wall%3600 < 0 {
		h--
	}
	next := time.Unix((h+1)*3600-int64(off), 0)
	if _, zoneEnd := local.ZoneBounds(); !zoneEnd.IsZero() && zoneEnd.Before(next) && zoneEnd.After(local) {
		next = zoneEnd
	}
	return next
}

// equal reports whether c and o cut their periods at the same instants
// into the same cells.
func (c *hourClock) equal(o *hourClock) bool {
	return slices.Equal(c.slots, o.slots) && slices.Equal(c.rank, o.rank) &&
		slices.EqualFunc(c.starts, o.starts, time.Time.Equal)
}

// clockSet interns the hour clocks of an Aggregate's items: items whose
// periods have the same instants but whose zones read them as different
// hours or weekdays (UTC+14 and UTC−10 share midnights a day apart) get
// different clocks, and so different groups.
type clockSet struct {
	byLoc map[clockKey]int
	list  []*hourClock
}

type clockKey struct {
	loc        *time.Location
	start, end time.Time
}

// id returns the index in s.list of the clock of p.
func (s *clockSet) id(p analytics.Period) int {
	k := clockKey{loc: p.Location(), start: p.Start.UTC(), end: p.End.UTC()}
	if id, ok := s.byLoc[k]; ok {
		return id
	}
	if s.byLoc == nil {
		s.byLoc = map[clockKey]int{}
	}
	c := newHourClock(k.loc, p.Start, p.End)
	id := slices.IndexFunc(s.list, c.equal)
	if id < 0 {
		id = len(s.list)
		s.list = append(s.list, c)
	}
	s.byLoc[k] = id
	return id
}

// spanClock is an hourClock placed on a scan: its spans' starts in µs
// since the scan's start.
type spanClock struct {
	*hourClock
	at []int64
}

// onScan places c on a scan that starts at lo (a whole µs).
func (c *hourClock) onScan(lo time.Time) spanClock {
	at := make([]int64, len(c.starts))
	for i, t := range c.starts {
		at[i] = t.Sub(lo).Microseconds()
	}
	return spanClock{hourClock: c, at: at}
}

// cell returns the index in slots of the cell of a time of the period, in
// µs since the scan's start.
func (c spanClock) cell(at int64) uint8 {
	lo, hi := 0, len(c.at) // the span is the last whose start ≤ at
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if c.at[mid] <= at {
			lo = mid
		} else {
			hi = mid
		}
	}
	return c.rank[lo]
}

// Kinds of traffic, the TrafficCell field a record counts in.
const (
	trafficIn = iota
	trafficOut
	trafficConv
)

// tally counts one team's traffic by cell: team-wide, and per account.
type tally struct {
	clock spanClock
	team  []analytics.TrafficCell
	accts []acctTally
}

type acctTally struct {
	acct  string
	cells []analytics.TrafficCell
}

// add counts a record of account acct ("" for none: team-wide only) at
// time at (µs since the scan's start) of kind.
func (y *tally) add(acct string, at int64, kind int) {
	i := y.clock.cell(at)
	bump(&y.team[i], kind)
	if acct == "" {
		return
	}
	for k := range y.accts {
		if y.accts[k].acct == acct {
			bump(&y.accts[k].cells[i], kind)
			return
		}
	}
	a := acctTally{acct: acct, cells: make([]analytics.TrafficCell, len(y.team))}
	bump(&a.cells[i], kind)
	y.accts = append(y.accts, a)
}

func bump(c *analytics.TrafficCell, kind int) {
	switch kind {
	case trafficIn:
		c.Inbound++
	case trafficOut:
		c.Outbound++
	default:
		c.Conversations++
	}
}

// countTraffic sets the Traffic of team t's scopes in g.result (see the
// package documentation of analytics, Traffic heatmap): the messages of
// the period, with and without a conversation, and the conversations
// created in it.
func (g *groupScan) countTraffic(t *teamScan) {
	if g.clock.hourClock == nil {
		return
	}
	y := tally{clock: g.clock, team: make([]analytics.TrafficCell, len(g.clock.slots))}
	for _, x := range t.loose {
		y.add(x.acct, x.at, direction(x.flags))
	}
	for _, th := range t.threads {
		if th.created && th.flags&flagInPeriod != 0 {
			y.add(th.acct, th.at, trafficConv)
		}
		if !th.active {
			continue
		}
		for _, x := range th.msgs {
			if x.flags&flagInPeriod != 0 {
				y.add(x.acct, x.at, direction(x.flags))
			}
		}
	}
	g.setTraffic(t.id, "", y.team)
	for _, a := range y.accts {
		g.setTraffic(t.id, a.acct, a.cells)
	}
}

// setTraffic sets the Traffic of the scope of team and acct ("" for
// team-wide) to cells, indexed as g.clock.slots, unless they are all zero.
func (g *groupScan) setTraffic(team, acct string, cells []analytics.TrafficCell) {
	tr, err := analytics.TrafficFromSlots(g.clock.slots, cells)
	if err != nil || tr == nil {
		return // counts are never negative; nil: no traffic
	}
	tw, ac := g.scopes(team, acct)
	if acct == "" {
		tw.Traffic = tr
	} else {
		ac.Traffic = tr
	}
}

func direction(flags uint16) int {
	if flags&flagInbound != 0 {
		return trafficIn
	}
	return trafficOut
}
