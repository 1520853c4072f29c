package pgstore

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// scanBinarySQL reads the rows of scanSQL (the same FROM and WHERE), for
// the binary row path (see queryRaw): columns as stored, so that Postgres
// neither computes nor formats a value, and Go derives what scanSQL
// computes. Its rows are
//
//   - messages: false, team, conversation (NULL if none), message ID,
//     account, created_at, status, sender type;
//   - conversations: true, team, conversation ID, contact, account,
//     created_at, status, NULL.
//
// Identifiers and statuses are text; created_at is a timestamp whose
// binary value is its µs since 2000-01-01 (UTC wall time for timestamp
// without time zone, the UTC instant for timestamptz; a column with time
// zone is read at UTC, AT TIME ZONE 'UTC', only when the other table's is
// without, so that both give the same scale). Statuses and sender types
// are then classified by byte equality (see rowFlags), as
// store.ComputeMetrics compares them.
func scanBinarySQL(src *Source, kinds tsKinds, types colTypes, tbl func(string) string, col func(string, string) string) string {
	m, cv := src.Messages, src.Conversations
	mTZ := kinds[m.Table+"."+m.CreatedAt]
	cvTZ := kinds[cv.Table+"."+cv.CreatedAt]
	at := func(expr string, tz bool) string {
		if tz && mTZ != cvTZ {
			return "(" + expr + " AT TIME ZONE 'UTC')"
		}
		return expr
	}
	mFrom, cFrom := scanFroms(src, kinds, types, tbl, col)
	return `SELECT false, ` + col("m", m.TeamID) + `::text, NULLIF(` + col("m", m.ConversationID) + `::text, ''), ` + col("m", m.ID) + `::text, ` + col("m", m.AccountID) + `::text,
	` + at(col("m", m.CreatedAt), mTZ) + `, ` + col("m", m.Status) + `::text, ` + col("m", m.SenderType) + `::text
` + mFrom + `
UNION ALL
SELECT true, ` + col("c", cv.TeamID) + `::text, ` + col("c", cv.ID) + `::text, NULLIF(` + col("c", cv.ContactID) + `::text, ''), ` + col("c", cv.AccountID) + `::text,
	` + at(col("c", cv.CreatedAt), cvTZ) + `, ` + col("c", cv.Status) + `::text, NULL::text
` + cFrom
}

// rowFlags classifies the statuses and sender types of scanBinarySQL's
// rows into the flag bits scanSQL computes, by byte equality with the
// configured values. A NULL status or sender type matches no value.
type rowFlags struct {
	// status holds the flags of each status of some list: flagSent,
	// flagDelivered, flagRead, flagFailed; any other is flagUnmapped.
	status map[string]uint16
	// sender holds the flags of each configured sender type: flagInbound;
	// any other has otherSender (flagUnmapped when OutboundSenderTypes is
	// set, else none).
	sender      map[string]uint16
	otherSender uint16
	conv        map[string]uint16 // a conversation's status: flagOpen, flagClosed
}

// newRowFlags returns the classification of the mapping src.
func newRowFlags(src *Source) *rowFlags {
	m, cv := &src.Messages, &src.Conversations
	f := &rowFlags{status: map[string]uint16{}, sender: map[string]uint16{}, conv: map[string]uint16{}}
	for _, v := range knownStatuses(m) {
		f.status[v] |= 0
	}
	for _, l := range []struct {
		values []string
		bit    uint16
	}{
		{slices.Concat(m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses), flagSent},
		{slices.Concat(m.DeliveredStatuses, m.ReadStatuses), flagDelivered},
		{m.ReadStatuses, flagRead},
		{m.FailedStatuses, flagFailed},
	} {
		for _, v := range l.values {
			f.status[v] |= l.bit
		}
	}
	if ks := knownSenders(m); ks != nil {
		f.otherSender = flagUnmapped
		for _, v := range ks {
			f.sender[v] |= 0
		}
	}
	for _, v := range m.InboundSenderTypes {
		f.sender[v] |= flagInbound
	}
	for _, v := range cv.OpenStatuses {
		f.conv[v] |= flagOpen
	}
	for _, v := range cv.ClosedStatuses {
		f.conv[v] |= flagClosed
	}
	return f
}

// message returns the flags of a message's status and sender type (nil
// for NULL): flagInbound, flagSent, flagDelivered, flagRead, flagFailed
// and flagUnmapped, as scanSQL computes them.
func (f *rowFlags) message(status, sender []byte) uint16 {
	st, ok := f.status[string(status)]
	if status == nil || !ok {
		st = flagUnmapped
	}
	se, ok := f.sender[string(sender)]
	if sender == nil || !ok {
		se = f.otherSender
	}
	return st | se
}

// conversation returns the flags of a conversation's status (nil for
// NULL): flagOpen and flagClosed.
func (f *rowFlags) conversation(status []byte) uint16 {
	if status == nil {
		return 0
	}
	return f.conv[string(status)]
}

// pgEpoch is Postgres's epoch of binary timestamps.
var pgEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// pgMicros is t's µs since pgEpoch, the binary value of a timestamp
// column holding t (as UTC wall time, or as an instant); t is a whole µs
// (aggArgs rounds the bounds).
func pgMicros(t time.Time) int64 {
	return t.UnixMicro() - pgEpoch.UnixMicro()
}

// binaryBounds are the instants of a group's scan in pgMicros: the scan's
// start and the period's.
type binaryBounds struct{ lo, start, end int64 }

// binaryRows returns the function that adds a row of scanBinarySQL, in
// binary format, to the scan, classified by f within bounds b.
func (g *groupScan) binaryRows(f *rowFlags, b binaryBounds) func(vals [][]byte) error {
	var last *teamScan // the last row's team: rows mostly come team by team
	return func(vals [][]byte) error {
		if len(vals) > 1 && (last == nil || last.id != string(vals[1])) {
			last = g.team(vals[1])
		}
		return g.addBinaryRow(f, b, last, vals)
	}
}

// addBinaryRow adds a row of scanBinarySQL, in binary format, to the scan.
// t is the row's team.
func (g *groupScan) addBinaryRow(f *rowFlags, b binaryBounds, t *teamScan, vals [][]byte) error {
	if len(vals) != 8 || len(vals[0]) != 1 || len(vals[5]) != 8 {
		return fmt.Errorf("pgstore: binary scan row of %d columns, want 8 with a bool and a timestamp", len(vals))
	}
	ts := int64(binary.BigEndian.Uint64(vals[5]))
	at := ts - b.lo
	var flags uint16
	if ts >= b.start && ts < b.end {
		flags = flagInPeriod
	}
	conv := vals[2]
	if vals[0][0] != 0 {
		th := t.thread(conv)
		th.created = true
		th.contact, th.acct, th.at = g.intern(vals[3]), g.intern(vals[4]), at
		th.flags = flagConversation | flags | f.conversation(vals[6])
		return nil
	}
	x := scanMsg{at: at, acct: g.intern(vals[4]), flags: flags | f.message(vals[6], vals[7])}
	if conv == nil {
		t.loose = append(t.loose, x)
		return nil
	}
	x.id = string(vals[3])
	th := t.thread(conv)
	th.msgs = append(th.msgs, x)
	th.active = th.active || flags != 0
	return nil
}
