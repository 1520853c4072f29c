package pgstore

import (
	"slices"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// flagUnmapped marks a message of scanSQL whose status or sender type the
// mapping does not cover (see unmappedSQL).
const flagUnmapped = flagConversation << 1

// The arguments of the aggregation statements that unmappedSQL adds to
// those of aggArgs and idtypes.go.
const (
	argKnownStatuses = numShapeAggArgs + iota // text[]: every mapped message status
	argKnownSenders                           // text[]: inbound and outbound sender types, or empty when every value is mapped
	numAllAggArgs
)

// defaultIgnored fills in MessagesTable.IgnoredStatuses when it is empty:
// DefaultIgnoredStatuses, less any value the host put in a status list.
func defaultIgnored(m *MessagesTable) {
	if len(m.IgnoredStatuses) > 0 {
		return
	}
	for _, v := range DefaultIgnoredStatuses {
		if !slices.Contains(m.SentStatuses, v) && !slices.Contains(m.DeliveredStatuses, v) &&
			!slices.Contains(m.ReadStatuses, v) && !slices.Contains(m.FailedStatuses, v) {
			m.IgnoredStatuses = append(m.IgnoredStatuses, v)
		}
	}
}

// knownStatuses is every message status the mapping covers.
func knownStatuses(m *MessagesTable) []string {
	return slices.Concat(m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses, m.FailedStatuses, m.IgnoredStatuses)
}

// knownSenders is every sender type the mapping covers, or nil when
// OutboundSenderTypes is empty and so every value is covered.
func knownSenders(m *MessagesTable) []string {
	if len(m.OutboundSenderTypes) == 0 {
		return nil
	}
	return slices.Concat(m.InboundSenderTypes, m.OutboundSenderTypes)
}

// unmappedSQL is the condition of a message (alias m) whose status, or
// sender type, no list of the mapping covers; NULL is covered by none.
func unmappedSQL(m *MessagesTable, col func(string, string) string) string {
	status := col("m", m.Status) + "::text"
	sender := col("m", m.SenderType) + "::text"
	return "NOT COALESCE(" + status + " = ANY(" + ph(argKnownStatuses) + "::text[]), false) OR (cardinality(" +
		ph(argKnownSenders) + "::text[]) > 0 AND NOT COALESCE(" + sender + " = ANY(" + ph(argKnownSenders) + "::text[]), false))"
}

// setUnmappedArgs sets the arguments of unmappedSQL in args.
func setUnmappedArgs(args []any, m *MessagesTable) {
	args[argKnownStatuses] = textArray(knownStatuses(m))
	args[argKnownSenders] = textArray(knownSenders(m))
}

// textArray is xs as a text[] argument; nil gives an empty array.
func textArray(xs []string) any {
	if xs == nil {
		xs = []string{}
	}
	return pgdialect.Array(xs)
}
