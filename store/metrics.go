package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/msgstats/analytics"
)

// The compact binary encoding of analytics.Metrics, version 1 or 2: what a roll-up
// reads of each daily snapshot, decoded in well under a microsecond where
// the JSON document takes tens. The JSON stays the canonical, original-
// compatible format; stores may keep this beside it (store/pgstore does)
// and must keep the two in step.
//
//	byte        version (1 or 2)
//	3 × time    Range.Start, Range.End, GeneratedAt, each as
//	            varint Unix seconds, uvarint nanoseconds (< 10⁹) and
//	            varint UTC offset in seconds (|offset| ≤ 24 h)
//	46 × varint the stored counts, in this order: messages total, sent,
//	            delivered, read, failed, replied, inbound, outbound;
//	            campaigns total, active, completed, failed, totalRecipients,
//	            messagesSent, messagesDelivered, messagesRead; contacts
//	            total, new, active, blocked, engagementScoreCenti;
//	            conversations total, open, closed, responseCount,
//	            responseTimeMs, unansweredTurns, the 16 histogram buckets,
//	            firstResponseCount, firstResponseTimeMs; messages unmapped
//	            (version 2 only)
//
// Varints are zig-zag (encoding/binary's Varint). Derived fields (rates,
// averages, quantiles) and ActiveSketch are not encoded. Version 1 is the
// same without the last count (messages unmapped); it decodes with
// Unmapped 0. AppendMetricsBinary writes version 1 whenever Unmapped is 0,
// so that releases whose decoder reads version 1 only keep reading what
// newer releases write, and version 2 only when Unmapped is not 0.
const metricsBinaryVersion = 2

// numCounts is the number of counts in version 2 of the encoding; version
// 1 has one fewer.
const numCounts = 46

// metricsCounts returns the stored counts of m in the encoding's order.
func metricsCounts(m *analytics.Metrics) [numCounts]int64 {
	msg, cp, ct, cv := &m.Messages, &m.Campaigns, &m.Contacts, &m.Conversations
	h := &cv.Histogram
	return [numCounts]int64{
		msg.Total, msg.Sent, msg.Delivered, msg.Read, msg.Failed, msg.Replied, msg.Inbound, msg.Outbound,
		cp.Total, cp.Active, cp.Completed, cp.Failed, cp.TotalRecipients, cp.MessagesSent, cp.MessagesDelivered, cp.MessagesRead,
		ct.Total, ct.New, ct.Active, ct.Blocked, ct.EngagementScoreCenti,
		cv.Total, cv.Open, cv.Closed, cv.ResponseCount, cv.ResponseTimeMs, cv.Unanswered,
		h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15],
		cv.FirstResponseCount, cv.FirstResponseTimeMs,
		msg.Unmapped,
	}
}

// setMetricsCounts sets the stored counts of m from c, in the encoding's
// order.
func setMetricsCounts(m *analytics.Metrics, c *[numCounts]int64) {
	msg, cp, ct, cv := &m.Messages, &m.Campaigns, &m.Contacts, &m.Conversations
	msg.Total, msg.Sent, msg.Delivered, msg.Read, msg.Failed, msg.Replied, msg.Inbound, msg.Outbound =
		c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	cp.Total, cp.Active, cp.Completed, cp.Failed, cp.TotalRecipients, cp.MessagesSent, cp.MessagesDelivered, cp.MessagesRead =
		c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]
	ct.Total, ct.New, ct.Active, ct.Blocked, ct.EngagementScoreCenti = c[16], c[17], c[18], c[19], c[20]
	cv.Total, cv.Open, cv.Closed, cv.ResponseCount, cv.ResponseTimeMs, cv.Unanswered = c[21], c[22], c[23], c[24], c[25], c[26]
	copy(cv.Histogram[:], c[27:27+len(cv.Histogram)])
	cv.FirstResponseCount, cv.FirstResponseTimeMs = c[43], c[44]
	msg.Unmapped = c[45]
}

// fixedZones caches the fixed zones of the offsets DecodeMetricsBinary
// meets (a few per deployment), so that decoding allocates none.
var fixedZones sync.Map // offset in seconds (int) -> *time.Location

func fixedZone(off int) *time.Location {
	if z, ok := fixedZones.Load(off); ok {
		return z.(*time.Location)
	}
	z, _ := fixedZones.LoadOrStore(off, time.FixedZone("", off))
	return z.(*time.Location)
}

// maxOffset bounds the UTC offsets the encoding accepts.
const maxOffset = 24 * 60 * 60

// AppendMetricsBinary appends to b (which may be nil) the compact binary
// encoding of m and returns the extended slice. The encoding holds a
// version byte, m.Range and m.GeneratedAt (each as Unix seconds,
// nanoseconds and UTC offset in seconds, so a zone's name is not kept) and
// the 46 stored counts as varints; derived fields and m.ActiveSketch are
// not encoded. It is version 1 when m.Messages.Unmapped is 0, byte for
// byte what releases that know only version 1 write and read, and version
// 2 otherwise, which those releases reject with analytics.ErrCorrupt. It
// fails, with an error wrapping analytics.ErrInvalidArgument and a nil
// slice, only for a time whose UTC offset exceeds 24 hours. A store that
// keeps this beside the JSON must keep the two in step.
func AppendMetricsBinary(b []byte, m analytics.Metrics) ([]byte, error) {
	version, n := byte(metricsBinaryVersion), numCounts
	if m.Messages.Unmapped == 0 {
		version, n = 1, numCounts-1
	}
	b = append(b, version)
	for _, t := range [...]time.Time{m.Range.Start, m.Range.End, m.GeneratedAt} {
		_, off := t.Zone()
		if off < -maxOffset || off > maxOffset {
			return nil, InvalidArgument("Metrics", "time %s has a UTC offset beyond 24 hours", t)
		}
		b = binary.AppendVarint(b, t.Unix())
		b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
		b = binary.AppendVarint(b, int64(off))
	}
	counts := metricsCounts(&m)
	for _, c := range counts[:n] {
		b = binary.AppendVarint(b, c)
	}
	return b, nil
}

// DecodeMetricsBinary decodes AppendMetricsBinary's encoding (version 2,
// or version 1 with Messages.Unmapped 0) with the guarantees of
// DecodeMetrics: the range must be non-empty and the counts must pass
// Metrics.Validate; derived fields are computed from the counts, and
// ActiveSketch is nil. Times come back in UTC, or in a fixed zone of their
// encoded offset. It reads the binary encoding only, not JSON. Any problem
// (an empty input, a bad version, a truncated or overlong input, a bad
// varint) gives an error wrapping analytics.ErrCorrupt and a zero Metrics;
// it never panics.
func DecodeMetricsBinary(b []byte) (analytics.Metrics, error) {
	corrupt := func(what string) (analytics.Metrics, error) {
		return analytics.Metrics{}, fmt.Errorf("%w: binary metrics: %s", analytics.ErrCorrupt, what)
	}
	if len(b) == 0 || (b[0] != 1 && b[0] != metricsBinaryVersion) {
		return corrupt("unknown version")
	}
	n := numCounts
	if b[0] == 1 {
		n = numCounts - 1
	}
	b = b[1:]
	var m analytics.Metrics
	for _, t := range [...]*time.Time{&m.Range.Start, &m.Range.End, &m.GeneratedAt} {
		sec, n := binary.Varint(b)
		if n <= 0 {
			return corrupt("bad time")
		}
		b = b[n:]
		ns, n := binary.Uvarint(b)
		if n <= 0 || ns >= 1e9 {
			return corrupt("bad time")
		}
		b = b[n:]
		off, n := binary.Varint(b)
		if n <= 0 || off < -maxOffset || off > maxOffset {
			return corrupt("bad time")
		}
		b = b[n:]
		*t = time.Unix(sec, int64(ns)).UTC()
		if off != 0 {
			*t = t.In(fixedZone(int(off)))
		}
	}
	var counts [numCounts]int64
	for i := range counts[:n] {
		v, n := binary.Varint(b)
		if n <= 0 {
			return corrupt("bad count")
		}
		counts[i], b = v, b[n:]
	}
	setMetricsCounts(&m, &counts)
	if len(b) != 0 {
		return corrupt(fmt.Sprintf("%d trailing bytes", len(b)))
	}
	if m.Range.Start.IsZero() || !m.Range.Start.Before(m.Range.End) {
		return corrupt("missing or empty period")
	}
	if err := m.Validate(); err != nil {
		return analytics.Metrics{}, err
	}
	m.Derive()
	return m, nil
}

// DecodeMetrics parses the metrics JSON a store keeps (json.Marshal of an
// analytics.Metrics), validates it (Metrics.Validate) and derives the
// rates from the counts rather than trusting stored ones. It reads JSON
// only; DecodeMetricsBinary reads the compact encoding. A document
// without a period, or with an empty one (such as "{}"), is corrupt too.
// Any problem gives an error wrapping analytics.ErrCorrupt and a zero
// Metrics; it never returns zeros for data it could not read. Times keep
// the offsets written in the JSON; ActiveSketch is always nil, since the
// sketch is kept apart (DistinctSketch.UnmarshalBinary).
func DecodeMetrics(b []byte) (analytics.Metrics, error) {
	var m analytics.Metrics
	if err := json.Unmarshal(b, &m); err != nil {
		return analytics.Metrics{}, fmt.Errorf("%w: metrics: %v", analytics.ErrCorrupt, err)
	}
	if m.Range.Start.IsZero() || !m.Range.Start.Before(m.Range.End) {
		return analytics.Metrics{}, fmt.Errorf("%w: metrics: missing or empty period", analytics.ErrCorrupt)
	}
	if err := m.Validate(); err != nil {
		return analytics.Metrics{}, err
	}
	m.Derive()
	return m, nil
}
