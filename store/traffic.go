package store

import (
	"time"

	"github.com/msgstats/analytics"
)

// traffic returns the Traffic of the item (see the analytics package
// documentation, Traffic heatmap): the scope's messages created in the
// period by direction, and its conversations created in the period, each
// in the cell of its created_at read in the location of Period.Start.
func (t *teamActivity) traffic(sp analytics.ScopePeriod) *analytics.Traffic {
	loc := sp.Period.Start.Location()
	var h analytics.Heatmap
	add := func(at time.Time, c analytics.TrafficCell) {
		local := at.In(loc)
		h.Add(local.Weekday(), local.Hour(), c)
	}
	lo, hi := span(t.messages, messageTime, sp.Period.Start, sp.Period.End)
	for k := lo; k < hi; k++ {
		x := &t.messages[k]
		if !inScope(sp.Scope, x.AccountID) {
			continue
		}
		if x.Inbound {
			add(x.CreatedAt, analytics.TrafficCell{Inbound: 1})
		} else {
			add(x.CreatedAt, analytics.TrafficCell{Outbound: 1})
		}
	}
	lo, hi = span(t.conversations, func(c Conversation) time.Time { return c.CreatedAt }, sp.Period.Start, sp.Period.End)
	for i := lo; i < hi; i++ {
		c := &t.conversations[i]
		if inScope(sp.Scope, c.AccountID) {
			add(c.CreatedAt, analytics.TrafficCell{Conversations: 1})
		}
	}
	tr, _ := analytics.NewTraffic(&h) // counts are never negative
	return tr
}
