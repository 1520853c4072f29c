package analytics

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// TrafficCell counts the activity of one local hour of the week: the
// messages created in it, by direction, and the conversations created in
// it.
type TrafficCell struct {
	Inbound       int64 `json:"inbound"`
	Outbound      int64 `json:"outbound"`
	Conversations int64 `json:"conversations"`
}

// IsZero reports whether every count of c is 0.
func (c TrafficCell) IsZero() bool { return c == TrafficCell{} }

func (c *TrafficCell) add(o TrafficCell) {
	c.Inbound += o.Inbound
	c.Outbound += o.Outbound
	c.Conversations += o.Conversations
}

// Heatmap is a weekday × hour matrix of traffic in a scope's time zone:
// Heatmap[time.Monday][9] counts Mondays from 09:00 to 09:59:59 local
// time. It is the full form of a Traffic (Traffic.Heatmap), 4 KiB; stores
// may count into one and compact it with NewTraffic.
type Heatmap [7][24]TrafficCell

// Add counts x in the cell of weekday wd and hour (0–23).
func (h *Heatmap) Add(wd time.Weekday, hour int, x TrafficCell) { h[wd][hour].add(x) }

// Total returns the sum of every cell.
func (h *Heatmap) Total() TrafficCell {
	var t TrafficCell
	for wd := range h {
		for hr := range h[wd] {
			t.add(h[wd][hr])
		}
	}
	return t
}

// trafficSlot is one non-zero cell of a Traffic: slot is weekday·24+hour.
type trafficSlot struct {
	slot uint8
	cell TrafficCell
}

// Traffic is the traffic of a scope over a period by local weekday and
// hour (see the package documentation, Traffic heatmap): the messages
// created in each hour of the week in the time zone of the period's start,
// by direction, and the conversations created in it. A message of the
// hour repeated when clocks go back counts in that wall-clock hour, so a
// 25-hour day adds two hours' traffic to one cell; the hour skipped when
// clocks go forward has none.
//
// A Traffic is immutable and shared between copies of a Metrics; it keeps
// its non-zero cells only (a daily snapshot has at most 24). A nil *Traffic
// is valid and empty: Metrics without traffic (stored before it was
// counted, or by a store that does not count it) have a nil one.
type Traffic struct {
	slots []trafficSlot // by slot, none zero
}

// NewTraffic returns the Traffic of the cells of h, or nil when every
// cell is zero. It returns an error wrapping ErrInvalidArgument when a
// count is negative.
func NewTraffic(h *Heatmap) (*Traffic, error) {
	var t Traffic
	for wd := range h {
		for hr, c := range h[wd] {
			if c.IsZero() {
				continue
			}
			if c.Inbound < 0 || c.Outbound < 0 || c.Conversations < 0 {
				return nil, invalid("Heatmap", "negative count at weekday %d hour %d", wd, hr)
			}
			t.slots = append(t.slots, trafficSlot{slot: uint8(wd*24 + hr), cell: c})
		}
	}
	if len(t.slots) == 0 {
		return nil, nil
	}
	return &t, nil
}

// Heatmap returns t as a full matrix; a nil t gives the zero Heatmap.
func (t *Traffic) Heatmap() Heatmap {
	var h Heatmap
	if t == nil {
		return h
	}
	for _, s := range t.slots {
		h[s.slot/24][s.slot%24] = s.cell
	}
	return h
}

// Cell returns the counts of weekday wd and local hour (0–23); zero for a
// nil t or an hour out of range.
func (t *Traffic) Cell(wd time.Weekday, hour int) TrafficCell {
	if t == nil || wd < 0 || wd > time.Saturday || hour < 0 || hour > 23 {
		return TrafficCell{}
	}
	i, ok := slices.BinarySearchFunc(t.slots, uint8(int(wd)*24+hour), func(s trafficSlot, k uint8) int { return int(s.slot) - int(k) })
	if !ok {
		return TrafficCell{}
	}
	return t.slots[i].cell
}

// Len returns the number of non-zero cells (0 for a nil t).
func (t *Traffic) Len() int {
	if t == nil {
		return 0
	}
	return len(t.slots)
}

// Each calls f with each non-zero cell in weekday-then-hour order.
func (t *Traffic) Each(f func(wd time.Weekday, hour int, c TrafficCell)) {
	if t == nil {
		return
	}
	for _, s := range t.slots {
		f(time.Weekday(s.slot/24), int(s.slot%24), s.cell)
	}
}

// Total returns the sum of every cell.
func (t *Traffic) Total() TrafficCell {
	var c TrafficCell
	t.Each(func(_ time.Weekday, _ int, x TrafficCell) { c.add(x) })
	return c
}

// Equal reports whether t and o hold the same counts; nil equals a
// Traffic with no cells. go-cmp uses it.
func (t *Traffic) Equal(o *Traffic) bool {
	if t.Len() != o.Len() {
		return false
	}
	for i := 0; i < t.Len(); i++ {
		if t.slots[i] != o.slots[i] {
			return false
		}
	}
	return true
}

// mergeTraffic returns the cell-wise sum of a and b, sharing an input when
// the other is empty; neither is changed.
func mergeTraffic(a, b *Traffic) *Traffic {
	switch {
	case b.Len() == 0:
		return a
	case a.Len() == 0:
		return b
	}
	out := &Traffic{slots: make([]trafficSlot, 0, max(len(a.slots), len(b.slots)))}
	i, j := 0, 0
	for i < len(a.slots) || j < len(b.slots) {
		switch {
		case j == len(b.slots) || (i < len(a.slots) && a.slots[i].slot < b.slots[j].slot):
			out.slots = append(out.slots, a.slots[i])
			i++
		case i == len(a.slots) || b.slots[j].slot < a.slots[i].slot:
			out.slots = append(out.slots, b.slots[j])
			j++
		default:
			s := a.slots[i]
			s.cell.add(b.slots[j].cell)
			out.slots = append(out.slots, s)
			i, j = i+1, j+1
		}
	}
	return out
}

// trafficJSON is one cell of the JSON form of a Traffic.
type trafficJSON struct {
	Weekday time.Weekday `json:"weekday"` // 0 = Sunday
	Hour    int          `json:"hour"`    // 0–23, local
	TrafficCell
}

// MarshalJSON writes t as an array of its non-zero cells in weekday-then-
// hour order, each {"weekday": 0–6 (Sunday = 0), "hour": 0–23, "inbound",
// "outbound", "conversations"}; a nil t is null.
func (t *Traffic) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	cells := make([]trafficJSON, 0, len(t.slots))
	t.Each(func(wd time.Weekday, hour int, c TrafficCell) {
		cells = append(cells, trafficJSON{Weekday: wd, Hour: hour, TrafficCell: c})
	})
	return json.Marshal(cells)
}

// UnmarshalJSON reads MarshalJSON's form. Cells may come in any order; a
// weekday or hour out of range, a negative count or a cell given twice is
// an error wrapping ErrCorrupt. Zero cells are dropped.
func (t *Traffic) UnmarshalJSON(b []byte) error {
	var cells []trafficJSON
	if err := json.Unmarshal(b, &cells); err != nil {
		return fmt.Errorf("%w: traffic: %v", ErrCorrupt, err)
	}
	var h Heatmap
	var seen [7 * 24]bool
	for _, c := range cells {
		if c.Weekday < 0 || c.Weekday > time.Saturday || c.Hour < 0 || c.Hour > 23 {
			return fmt.Errorf("%w: traffic: cell weekday %d hour %d out of range", ErrCorrupt, c.Weekday, c.Hour)
		}
		k := int(c.Weekday)*24 + c.Hour
		if seen[k] {
			return fmt.Errorf("%w: traffic: cell weekday %d hour %d given twice", ErrCorrupt, c.Weekday, c.Hour)
		}
		seen[k] = true
		h[c.Weekday][c.Hour] = c.TrafficCell
	}
	nt, err := NewTraffic(&h)
	if err != nil {
		return fmt.Errorf("%w: traffic: %v", ErrCorrupt, err)
	}
	if nt == nil {
		*t = Traffic{}
	} else {
		*t = *nt
	}
	return nil
}

// TrafficSlots returns the non-zero cells of t as (slot, cell) pairs,
// slot = weekday·24 + hour, in slot order: the form the compact binary
// encoding of package store keeps.
func (t *Traffic) TrafficSlots() (slots []uint8, cells []TrafficCell) {
	t.Each(func(wd time.Weekday, hour int, c TrafficCell) {
		slots = append(slots, uint8(int(wd)*24+hour))
		cells = append(cells, c)
	})
	return slots, cells
}

// TrafficFromSlots is the inverse of TrafficSlots: slots must be strictly
// increasing and below 7·24, and cells (parallel to slots) non-negative;
// zero cells are dropped. Anything else gives an error wrapping
// ErrCorrupt. No slots give nil.
func TrafficFromSlots(slots []uint8, cells []TrafficCell) (*Traffic, error) {
	if len(slots) != len(cells) {
		return nil, fmt.Errorf("%w: traffic: %d slots for %d cells", ErrCorrupt, len(slots), len(cells))
	}
	t := &Traffic{slots: make([]trafficSlot, 0, len(slots))}
	for i, s := range slots {
		c := cells[i]
		switch {
		case s >= 7*24 || (i > 0 && s <= slots[i-1]):
			return nil, fmt.Errorf("%w: traffic: slot %d out of order or range", ErrCorrupt, s)
		case c.Inbound < 0 || c.Outbound < 0 || c.Conversations < 0:
			return nil, fmt.Errorf("%w: traffic: negative count in slot %d", ErrCorrupt, s)
		case c.IsZero():
			continue
		}
		t.slots = append(t.slots, trafficSlot{slot: s, cell: c})
	}
	if len(t.slots) == 0 {
		return nil, nil
	}
	return t, nil
}
