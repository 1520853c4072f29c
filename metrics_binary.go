package analytics

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// The compact binary encoding of Metrics, version 1 or 2: what a roll-up
// reads of each daily snapshot, decoded in well under a microsecond where
// the JSON document takes tens. The JSON stays the canonical, original-
// compatible format; stores may keep this beside it (store/pgstore does)
// and must keep the two in step.
//
//	byte        version (1 or 2)
//	3 × time    Period.Start, Period.End, GeneratedAt, each as
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
func metricsCounts(m *Metrics) [numCounts]int64 {
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
func setMetricsCounts(m *Metrics, c *[numCounts]int64) {
	msg, cp, ct, cv := &m.Messages, &m.Campaigns, &m.Contacts, &m.Conversations
	msg.Total, msg.Sent, msg.Delivered, msg.Read, msg.Failed, msg.Replied, msg.Inbound, msg.Outbound =
		c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	cp.Total, cp.Active, cp.Completed, cp.Failed, cp.TotalRecipients, cp.MessagesSent, cp.MessagesDelivered, cp.MessagesRead =
		c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]
	ct.Total, ct.New, ct.Active, ct.Blocked, ct.EngagementScoreCenti = c[16], c[17], c[18], c[19], c[20]
	cv.Total, cv.Open, cv.Closed, cv.ResponseCount, cv.ResponseTimeMs, cv.Unanswered = c[21], c[22], c[23], c[24], c[25], c[26]
	copy(cv.Histogram[:], c[27:27+HistogramBuckets])
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

// AppendMetricsBinary appends the compact binary encoding of m (see the
// format above) to b: version 1 when m.Messages.Unmapped is 0, byte for
// byte what releases that know only version 1 write and read, and version
// 2 otherwise, which those releases reject with ErrCorrupt. It fails with
// ErrInvalidArgument only for a time whose UTC offset exceeds 24 hours.
func AppendMetricsBinary(b []byte, m Metrics) ([]byte, error) {
	version, n := byte(metricsBinaryVersion), numCounts
	if m.Messages.Unmapped == 0 {
		version, n = 1, numCounts-1
	}
	b = append(b, version)
	for _, t := range [...]time.Time{m.Period.Start, m.Period.End, m.GeneratedAt} {
		_, off := t.Zone()
		if off < -maxOffset || off > maxOffset {
			return nil, invalid("Metrics", "time %s has a UTC offset beyond 24 hours", t)
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
// or version 1 with Messages.Unmapped 0) with the
// guarantees of DecodeMetrics: the period must be non-empty and the counts
// must pass Validate; derived fields are computed from the counts. Times
// come back in UTC, or in a fixed zone of their encoded offset. Any problem
// (a bad version, a truncated or overlong input, a bad varint) gives an
// error wrapping ErrCorrupt and a zero Metrics; it never panics.
func DecodeMetricsBinary(b []byte) (Metrics, error) {
	corrupt := func(what string) (Metrics, error) {
		return Metrics{}, fmt.Errorf("%w: binary metrics: %s", ErrCorrupt, what)
	}
	if len(b) == 0 || (b[0] != 1 && b[0] != metricsBinaryVersion) {
		return corrupt("unknown version")
	}
	n := numCounts
	if b[0] == 1 {
		n = numCounts - 1
	}
	b = b[1:]
	var m Metrics
	for _, t := range [...]*time.Time{&m.Period.Start, &m.Period.End, &m.GeneratedAt} {
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
	if m.Period.Start.IsZero() || !m.Period.Start.Before(m.Period.End) {
		return corrupt("missing or empty period")
	}
	if err := m.Validate(); err != nil {
		return Metrics{}, err
	}
	m.Derive()
	return m, nil
}
