package store_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// randomMetrics returns consistent metrics (they pass Validate) with
// counts of every size, over a period in a zone of a random offset.
func randomMetrics(r *rand.Rand) analytics.Metrics {
	n := func() int64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return r.Int64N(100)
		case 2:
			return r.Int64N(1 << 40)
		}
		return r.Int64N(math.MaxInt64 / 4)
	}
	upTo := func(x int64) int64 {
		if x <= 0 {
			return 0
		}
		return r.Int64N(x + 1)
	}
	zone := time.FixedZone("", (r.IntN(57)-24)*15*60)
	start := time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, zone)
	m := analytics.Metrics{Range: analytics.Range{Start: start, End: start.AddDate(0, 0, 1+r.IntN(31))}}
	if r.IntN(2) == 0 {
		m.GeneratedAt = start.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
	}
	msg := &m.Messages
	msg.Total = n()
	msg.Inbound = upTo(msg.Total)
	msg.Outbound = msg.Total - msg.Inbound
	msg.Sent = upTo(msg.Total)
	msg.Delivered = upTo(msg.Sent)
	msg.Read = upTo(msg.Delivered)
	msg.Failed = upTo(msg.Total - msg.Sent)
	msg.Replied = upTo(msg.Outbound)
	msg.Unmapped = upTo(msg.Total)
	cp := &m.Campaigns
	cp.Total = n()
	cp.Active = upTo(cp.Total)
	cp.Completed = upTo(cp.Total - cp.Active)
	cp.Failed = upTo(cp.Total - cp.Active - cp.Completed)
	cp.TotalRecipients, cp.MessagesSent, cp.MessagesDelivered, cp.MessagesRead = n(), n(), n(), n()
	ct := &m.Contacts
	ct.Total = n()
	ct.New, ct.Blocked, ct.Active, ct.EngagementScoreCenti = upTo(ct.Total), upTo(ct.Total), n(), n()
	cv := &m.Conversations
	cv.Total = n()
	cv.Open = upTo(cv.Total)
	cv.Closed = upTo(cv.Total - cv.Open)
	for i := range cv.Histogram {
		cv.Histogram[i] = r.Int64N(1 << 30)
		cv.ResponseCount += cv.Histogram[i]
	}
	cv.ResponseTimeMs, cv.Unanswered, cv.FirstResponseCount, cv.FirstResponseTimeMs = n(), n(), n(), n()
	if r.IntN(2) == 0 {
		for i := range cv.BusinessHistogram {
			cv.BusinessHistogram[i] = upTo(cv.Histogram[i])
			cv.BusinessResponseCount += cv.BusinessHistogram[i]
		}
		cv.BusinessResponseTimeMs = upTo(cv.ResponseTimeMs)
		cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs = upTo(cv.FirstResponseCount), upTo(cv.FirstResponseTimeMs)
	}
	if r.IntN(2) == 0 {
		var h analytics.Heatmap
		in, out, convs := msg.Inbound, msg.Outbound, cv.Total
		for range r.IntN(30) {
			c := analytics.TrafficCell{Inbound: upTo(in / 4), Outbound: upTo(out / 4), Conversations: upTo(convs / 4)}
			in, out, convs = in-c.Inbound, out-c.Outbound, convs-c.Conversations
			h.Add(time.Weekday(r.IntN(7)), r.IntN(24), c)
		}
		m.Traffic, _ = analytics.NewTraffic(&h)
	}
	m.Derive()
	return m
}

// TestMetricsBinaryMatchesJSON: for many consistent metrics, the binary
// encoding decodes to what the JSON document decodes to, in about a tenth
// of the bytes.
func TestMetricsBinaryMatchesJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	var binBytes, jsonBytes int
	for i := range 2000 {
		m := randomMetrics(r)
		if err := m.Validate(); err != nil {
			t.Fatalf("randomMetrics made invalid metrics: %v", err)
		}
		b, err := store.AppendMetricsBinary(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		binBytes, jsonBytes = binBytes+len(b), jsonBytes+len(js)
		fromJSON, err := store.DecodeMetrics(js)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.DecodeMetricsBinary(b)
		if err != nil {
			t.Fatalf("%d: DecodeMetricsBinary: %v", i, err)
		}
		if d := cmp.Diff(fromJSON, got); d != "" {
			t.Fatalf("%d: binary and JSON decode differently (-json +binary):\n%s", i, d)
		}
		// The zone offset survives, so a re-encoded document is the same.
		again, _ := json.Marshal(got)
		if string(again) != string(js) {
			t.Fatalf("%d: JSON of the binary round trip differs:\n%s\n%s", i, js, again)
		}
	}
	t.Logf("binary %d bytes, JSON %d bytes", binBytes, jsonBytes)
	if binBytes*3 > jsonBytes {
		t.Errorf("binary encoding takes %d bytes against JSON's %d: not compact", binBytes, jsonBytes)
	}
}

// TestMetricsBinaryCorrupt: broken encodings give ErrCorrupt, and counts
// that fail Validate are rejected as DecodeMetrics rejects them.
func TestMetricsBinaryCorrupt(t *testing.T) {
	t.Parallel()
	m := randomMetrics(rand.New(rand.NewPCG(13, 14)))
	good, err := store.AppendMetricsBinary(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	bad := m
	bad.Messages.Read = bad.Messages.Delivered + 1
	inconsistent, _ := store.AppendMetricsBinary(nil, bad)
	empty := m
	empty.Range.End = empty.Range.Start
	emptyPeriod, _ := store.AppendMetricsBinary(nil, empty)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"version 0":      append([]byte{0}, good[1:]...),
		"version 3":      append([]byte{3}, good[1:]...),
		"other version":  append([]byte{3 - good[0]}, good[1:]...), // one count too many or too few
		"truncated":      good[:len(good)-1],
		"only version":   good[:1],
		"trailing":       append(append([]byte(nil), good...), 0),
		"unterminated":   append(append([]byte(nil), good[:len(good)-1]...), 0x80),
		"bad nanos":      {1, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0},
		"inconsistent":   inconsistent,
		"empty period":   emptyPeriod,
		"JSON":           validMetricsJSON(t),
		"overlong count": append(append([]byte(nil), good[:len(good)-1]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	} {
		if got, err := store.DecodeMetricsBinary(b); !errors.Is(err, analytics.ErrCorrupt) || got != (analytics.Metrics{}) {
			t.Errorf("%s: DecodeMetricsBinary(%x) = %v, %v; want zero metrics and ErrCorrupt", name, b, got.Messages, err)
		}
	}
	far := m
	far.GeneratedAt = time.Now().In(time.FixedZone("", 25*3600))
	if _, err := store.AppendMetricsBinary(nil, far); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("a 25-hour offset: %v, want ErrInvalidArgument", err)
	}
}

// TestMetricsBinaryVersion1 checks the rule that keeps the encoding
// readable by releases that know version 1 only: metrics with Unmapped 0
// are written as version 1 (45 counts), byte for byte what such a release
// writes, and decode to the original; metrics with Unmapped not 0 are
// written as version 2 and round-trip.
func TestMetricsBinaryVersion1(t *testing.T) {
	t.Parallel()
	// What a release that knows version 1 only writes for these metrics.
	zone := time.FixedZone("", 5*3600+30*60)
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 10), zone)
	if err != nil {
		t.Fatal(err)
	}
	var m analytics.Metrics
	m.Range.Start, m.Range.End = p.Start, p.End
	m.GeneratedAt = p.End.Add(2*time.Hour + 123456789)
	m.Messages.Total, m.Messages.Outbound, m.Messages.Inbound, m.Messages.Sent, m.Messages.Delivered = 300, 200, 100, 190, 150
	m.Conversations.Total, m.Conversations.Open = 40, 7
	m.Conversations.Histogram[3], m.Conversations.ResponseCount, m.Conversations.ResponseTimeMs = 12, 12, 60000
	m.Contacts.Total, m.Contacts.EngagementScoreCenti = 1000000, 4250
	const v1Golden = "01d0c6f89a0d00b0b502d08c839b0d00b0b50290fd839b0d959aef3ab0b502d804fc02ac02000000c8019003000000000000000080897a000000b442500e0018c0a90700000000180000000000000000000000000000"
	b, err := store.AppendMetricsBinary(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != v1Golden {
		t.Errorf("encoding with Unmapped 0:\n got %s\nwant %s (version 1)", got, v1Golden)
	}

	r := rand.New(rand.NewPCG(17, 18))
	for i := range 200 {
		m := withoutVersion3(randomMetrics(r))
		m.Messages.Unmapped = 0
		m.Derive()
		v1, err := store.AppendMetricsBinary(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if v1[0] != 1 {
			t.Fatalf("%d: Unmapped 0 encoded as version %d, want 1", i, v1[0])
		}
		got, err := store.DecodeMetricsBinary(v1)
		if err != nil {
			t.Fatalf("%d: version 1: %v", i, err)
		}
		if d := cmp.Diff(m, got); d != "" {
			t.Fatalf("%d: version 1 decodes differently:\n%s", i, d)
		}
	}
	// A version-2 Unmapped survives the round trip.
	m = withoutVersion3(randomMetrics(r))
	m.Messages.Total, m.Messages.Inbound, m.Messages.Outbound, m.Messages.Unmapped = 10, 4, 6, 3
	m.Messages.Sent, m.Messages.Delivered, m.Messages.Read, m.Messages.Failed, m.Messages.Replied = 5, 4, 3, 1, 2
	m.Derive()
	b, err = store.AppendMetricsBinary(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 2 {
		t.Fatalf("Unmapped 3 encoded as version %d, want 2", b[0])
	}
	got, err := store.DecodeMetricsBinary(b)
	if err != nil {
		t.Fatalf("round trip of Unmapped 3: %v", err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Fatalf("version 2 decodes differently:\n%s", d)
	}
}

// FuzzDecodeMetricsBinary feeds arbitrary bytes to DecodeMetricsBinary,
// which reads the compact form of stored snapshots. It must never panic;
// it either rejects the input with ErrCorrupt and zero metrics, or returns
// metrics that pass Validate, whose derived fields are Derive's, and that
// survive an encode/decode round trip unchanged.
func FuzzDecodeMetricsBinary(f *testing.F) {
	r := rand.New(rand.NewPCG(15, 16))
	for range 4 {
		b, _ := store.AppendMetricsBinary(nil, randomMetrics(r))
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := store.DecodeMetricsBinary(b)
		if err != nil {
			if !errors.Is(err, analytics.ErrCorrupt) || m != (analytics.Metrics{}) {
				t.Fatalf("DecodeMetricsBinary(%x) = %+v, %v; want zero metrics and ErrCorrupt", b, m, err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("decoded metrics fail Validate: %v", err)
		}
		derived := m
		derived.Derive()
		if derived != m {
			t.Fatalf("decoded metrics' derived fields are not Derive's")
		}
		again, err := store.AppendMetricsBinary(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := store.DecodeMetricsBinary(again)
		if err != nil {
			t.Fatalf("re-encoded metrics do not decode: %v", err)
		}
		if d := cmp.Diff(m, m2); d != "" {
			t.Fatalf("round trip changed the metrics:\n%s", d)
		}
	})
}

// BenchmarkDecodeMetrics compares the two stored forms of one daily
// snapshot's metrics: the JSON document and the compact binary encoding.
func BenchmarkDecodeMetrics(b *testing.B) {
	js := validMetricsJSON(b)
	m, err := store.DecodeMetrics(js)
	if err != nil {
		b.Fatal(err)
	}
	bin, err := store.AppendMetricsBinary(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("JSON", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		for b.Loop() {
			if _, err := store.DecodeMetrics(js); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.SetBytes(int64(len(bin)))
		for b.Loop() {
			if _, err := store.DecodeMetricsBinary(bin); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// withoutVersion3 returns m without the business counts and traffic that
// only version 3 holds.
func withoutVersion3(m analytics.Metrics) analytics.Metrics {
	cv := &m.Conversations
	cv.BusinessResponseCount, cv.BusinessResponseTimeMs, cv.BusinessHistogram = 0, 0, analytics.Histogram{}
	cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs = 0, 0
	m.Traffic = nil
	m.Derive()
	return m
}

// TestMetricsBinaryVersion3: business counts or traffic make version 3,
// which round-trips; broken traffic sections are corrupt.
func TestMetricsBinaryVersion3(t *testing.T) {
	t.Parallel()
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 11, 1), time.FixedZone("", -5*3600))
	if err != nil {
		t.Fatal(err)
	}
	var m analytics.Metrics
	m.Range.Start, m.Range.End = p.Start, p.End
	m.Messages.Total, m.Messages.Inbound, m.Messages.Outbound = 5, 3, 2
	m.Conversations.Total, m.Conversations.ResponseCount, m.Conversations.ResponseTimeMs = 1, 1, 90000
	m.Conversations.Histogram.Observe(90 * time.Second)
	var h analytics.Heatmap
	h.Add(time.Sunday, 1, analytics.TrafficCell{Inbound: 2, Outbound: 1, Conversations: 1})
	h.Add(time.Sunday, 9, analytics.TrafficCell{Inbound: 1, Outbound: 1})
	m.Traffic, _ = analytics.NewTraffic(&h)
	m.Derive()
	for _, business := range []bool{false, true} {
		if business {
			cv := &m.Conversations
			cv.BusinessResponseCount, cv.BusinessResponseTimeMs = 1, 30000
			cv.BusinessHistogram.Observe(30 * time.Second)
			m.Derive()
		}
		b, err := store.AppendMetricsBinary(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != 3 {
			t.Fatalf("version %d, want 3", b[0])
		}
		got, err := store.DecodeMetricsBinary(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(m, got); d != "" {
			t.Fatalf("business %v: round trip (-want +got):\n%s", business, d)
		}
		if got.Conversations.AvgBusinessResponseTime != 30 && business {
			t.Errorf("AvgBusinessResponseTime %v, want 30", got.Conversations.AvgBusinessResponseTime)
		}
	}
	good, _ := store.AppendMetricsBinary(nil, m)
	// The traffic section is the last 9 bytes: n=2, (1,2,1,1), (9,1,1,0).
	tail := len(good) - 9
	if good[tail] != 2 {
		t.Fatalf("traffic section not where expected: %x", good[tail:])
	}
	swapped := append([]byte(nil), good...)
	copy(swapped[tail+1:], []byte{9, 2, 2, 0, 1, 4, 2, 2})
	tooMany := append([]byte(nil), good...)
	tooMany[tail] = 3
	badSlot := append([]byte(nil), good...)
	badSlot[tail+5] = 0xa8 // 168
	for name, b := range map[string][]byte{"out of order": swapped, "missing cell": tooMany, "slot 168": badSlot, "truncated": good[:len(good)-1]} {
		if _, err := store.DecodeMetricsBinary(b); !errors.Is(err, analytics.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}
