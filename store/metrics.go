package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/msgstats/analytics"
)

// The compact binary encoding of analytics.Metrics, version 1, 2 or 3:
// what a roll-up reads of each daily snapshot, decoded in well under a
// microsecond where the JSON document takes tens. The JSON stays the
// canonical, original-compatible format; stores may keep this beside it
// (store/pgstore does) and must keep the two in step.
//
//	byte        version (1, 2 or 3)
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
//	            (versions 2 and 3)
//	20 × varint version 3: businessResponseCount, businessResponseTimeMs,
//	            the 16 business histogram buckets,
//	            businessFirstResponseCount, businessFirstResponseTimeMs
//	traffic     version 3: uvarint n, then n cells in increasing slot
//	            order, each uvarint slot (weekday·24 + hour, < 168) and
//	            varints inbound, outbound, conversations
//
// Varints are zig-zag (encoding/binary's Varint). Derived fields (rates,
// averages, quantiles) and ActiveSketch are not encoded. Version 1 is
// version 2 without the last count (messages unmapped), which decodes as
// 0; version 2 is version 3 without the business counts and the traffic,
// which decode as 0 and nil. AppendMetricsBinary writes the lowest version
// that holds m, so that releases whose decoder reads only the older
// versions keep reading what newer releases write about the same data.
const metricsBinaryVersion = 3

// numCounts is the number of counts in versions 2 and 3 of the encoding
// before the business counts; version 1 has one fewer.
const numCounts = 46

// numBusiness is the number of business counts of version 3.
const numBusiness = 20

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

// businessCounts returns the business counts of m in the encoding's order.
func businessCounts(m *analytics.Metrics) [numBusiness]int64 {
	cv := &m.Conversations
	var c [numBusiness]int64
	c[0], c[1] = cv.BusinessResponseCount, cv.BusinessResponseTimeMs
	copy(c[2:18], cv.BusinessHistogram[:])
	c[18], c[19] = cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs
	return c
}

// setBusinessCounts sets the business counts of m from c.
func setBusinessCounts(m *analytics.Metrics, c *[numBusiness]int64) {
	cv := &m.Conversations
	cv.BusinessResponseCount, cv.BusinessResponseTimeMs = c[0], c[1]
	copy(cv.BusinessHistogram[:], c[2:18])
	cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs = c[18], c[19]
}

// binaryVersion returns the lowest version of the encoding that holds m.
func binaryVersion(m *analytics.Metrics) byte {
	switch {
	case businessCounts(m) != [numBusiness]int64{} || m.Traffic.Len() > 0:
		return 3
	case m.Messages.Unmapped != 0:
		return 2
	}
	return 1
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
// nanoseconds and UTC offset in seconds, so a zone's name is not kept),
// the stored counts as varints and, in version 3, the business counts and
// the traffic cells; derived fields and m.ActiveSketch are not encoded. It
// writes the lowest version that holds m: version 1 when
// m.Messages.Unmapped is 0 and there are no business counts and no
// traffic, byte for byte what releases that know only version 1 write and
// read; version 2 when only Unmapped is set; version 3 otherwise. Releases
// that do not know a version reject it with analytics.ErrCorrupt. It
// fails, with an error wrapping analytics.ErrInvalidArgument and a nil
// slice, only for a time whose UTC offset exceeds 24 hours. A store that
// keeps this beside the JSON must keep the two in step.
func AppendMetricsBinary(b []byte, m analytics.Metrics) ([]byte, error) {
	version := binaryVersion(&m)
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
	n := numCounts
	if version == 1 {
		n--
	}
	for _, c := range counts[:n] {
		b = binary.AppendVarint(b, c)
	}
	if version < 3 {
		return b, nil
	}
	for _, c := range businessCounts(&m) {
		b = binary.AppendVarint(b, c)
	}
	b = binary.AppendUvarint(b, uint64(m.Traffic.Len()))
	m.Traffic.Each(func(wd time.Weekday, hour int, c analytics.TrafficCell) {
		b = binary.AppendUvarint(b, uint64(int(wd)*24+hour))
		b = binary.AppendVarint(b, c.Inbound)
		b = binary.AppendVarint(b, c.Outbound)
		b = binary.AppendVarint(b, c.Conversations)
	})
	return b, nil
}

// errBinary is a problem DecodeMetricsBinary reports as corrupt.
type errBinary string

func (e errBinary) Error() string { return string(e) }

// binaryReader reads the varints of the encoding, remembering the first
// problem.
type binaryReader struct {
	b   []byte
	err errBinary
}

func (r *binaryReader) varint(what errBinary) int64 {
	v, n := binary.Varint(r.b)
	return advance(r, v, n, what)
}

func (r *binaryReader) uvarint(what errBinary) uint64 {
	v, n := binary.Uvarint(r.b)
	return advance(r, v, n, what)
}

// advance consumes the n bytes of a varint v just read, or records what
// for a bad one (n ≤ 0) and gives 0.
func advance[T int64 | uint64](r *binaryReader, v T, n int, what errBinary) T {
	if n <= 0 {
		if r.err == "" {
			r.err = what
		}
		return 0
	}
	r.b = r.b[n:]
	return v
}

// DecodeMetricsBinary decodes AppendMetricsBinary's encoding (any of its
// versions; fields a version lacks decode as 0 or nil) with the
// guarantees of DecodeMetrics: the range must be non-empty and the counts
// must pass Metrics.Validate; derived fields are computed from the counts,
// and ActiveSketch is nil. Times come back in UTC, or in a fixed zone of
// their encoded offset. It reads the binary encoding only, not JSON. Any
// problem (an empty input, a bad version, a truncated or overlong input, a
// bad varint, traffic cells out of order) gives an error wrapping
// analytics.ErrCorrupt and a zero Metrics; it never panics.
func DecodeMetricsBinary(b []byte) (analytics.Metrics, error) {
	corrupt := func(what string) (analytics.Metrics, error) {
		return analytics.Metrics{}, fmt.Errorf("%w: binary metrics: %s", analytics.ErrCorrupt, what)
	}
	if len(b) == 0 || b[0] < 1 || b[0] > metricsBinaryVersion {
		return corrupt("unknown version")
	}
	version := b[0]
	r := &binaryReader{b: b[1:]}
	var m analytics.Metrics
	for _, t := range [...]*time.Time{&m.Range.Start, &m.Range.End, &m.GeneratedAt} {
		sec := r.varint("bad time")
		ns := r.uvarint("bad time")
		off := r.varint("bad time")
		if r.err != "" || ns >= 1e9 || off < -maxOffset || off > maxOffset {
			return corrupt("bad time")
		}
		*t = time.Unix(sec, int64(ns)).UTC()
		if off != 0 {
			*t = t.In(fixedZone(int(off)))
		}
	}
	var counts [numCounts]int64
	n := numCounts
	if version == 1 {
		n--
	}
	for i := range counts[:n] {
		counts[i] = r.varint("bad count")
	}
	setMetricsCounts(&m, &counts)
	if version == 3 {
		if err := decodeVersion3(r, &m); err != nil {
			return corrupt(err.Error())
		}
	}
	if r.err != "" {
		return corrupt(string(r.err))
	}
	if len(r.b) != 0 {
		return corrupt(fmt.Sprintf("%d trailing bytes", len(r.b)))
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

// decodeVersion3 reads the business counts and the traffic of version 3
// into m.
func decodeVersion3(r *binaryReader, m *analytics.Metrics) error {
	var bc [numBusiness]int64
	for i := range bc {
		bc[i] = r.varint("bad business count")
	}
	setBusinessCounts(m, &bc)
	n := r.uvarint("bad traffic")
	if r.err != "" {
		return r.err
	}
	if n > 7*24 {
		return errBinary("bad traffic")
	}
	slots := make([]uint8, n)
	cells := make([]analytics.TrafficCell, n)
	for i := range slots {
		s := r.uvarint("bad traffic")
		if s >= 7*24 {
			return errBinary("bad traffic")
		}
		slots[i] = uint8(s)
		cells[i] = analytics.TrafficCell{Inbound: r.varint("bad traffic"), Outbound: r.varint("bad traffic"), Conversations: r.varint("bad traffic")}
	}
	if r.err != "" {
		return r.err
	}
	t, err := analytics.TrafficFromSlots(slots, cells)
	if err != nil {
		return errBinary("bad traffic")
	}
	m.Traffic = t
	return nil
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
