package store_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// validMetricsJSON returns the JSON of a consistent Metrics, the shape a
// store writes.
func validMetricsJSON(tb testing.TB) []byte {
	tb.Helper()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	m := analytics.Metrics{Range: analytics.Range{Start: start, End: start.Add(24 * time.Hour)}, GeneratedAt: start.Add(26 * time.Hour)}
	m.Messages = analytics.MessageMetrics{Total: 10, Sent: 5, Delivered: 4, Read: 2, Failed: 1, Replied: 1, Inbound: 3, Outbound: 7}
	m.Campaigns = analytics.CampaignMetrics{Total: 2, Active: 1, Completed: 1, TotalRecipients: 40, MessagesSent: 30, MessagesDelivered: 20, MessagesRead: 10}
	m.Contacts = analytics.ContactMetrics{Total: 4, New: 1, Active: 2, Blocked: 1, EngagementScoreCenti: 12345}
	m.Conversations.Total, m.Conversations.Open, m.Conversations.Closed = 3, 1, 2
	m.Conversations.ResponseCount, m.Conversations.ResponseTimeMs = 2, 7000
	m.Conversations.Histogram[0], m.Conversations.Histogram[3] = 1, 1
	m.Derive()
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzDecodeMetrics feeds arbitrary bytes to DecodeMetrics, the decoder of
// every stored snapshot. It must never panic; it either rejects the input
// with ErrCorrupt (and a zero Metrics) or returns metrics that pass
// Validate, whose derived fields are what Derive computes from their counts,
// and that survive an encode/decode round trip unchanged.
func FuzzDecodeMetrics(f *testing.F) {
	valid := validMetricsJSON(f)
	period := `"period":{"start":"2026-03-01T00:00:00Z","end":"2026-03-02T00:00:00Z"}`
	for _, seed := range []string{
		string(valid),
		`{}`,
		``,
		`null`,
		`[]`,
		`"metrics"`,
		string(valid[:len(valid)/2]), // truncated
		string(valid[:len(valid)-1]),
		`{` + period + `}`,
		`{` + period + `,"conversations":{"responseHistogram":[1,2,3]}}`,
		`{` + period + `,"conversations":{"responseCount":17,"responseHistogram":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}}`,
		`{` + period + `,"conversations":{"responseHistogram":null}}`,
		`{` + period + `,"conversations":{"responseCount":1,"responseHistogram":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-1]}}`,
		`{` + period + `,"conversations":{"responseCount":0,"responseHistogram":[9223372036854775807,9223372036854775807,2,0,0,0,0,0,0,0,0,0,0,0,0,0]}}`,
		`{` + period + `,"messages":{"total":9223372036854775807,"inbound":9223372036854775807}}`,
		`{` + period + `,"messages":{"total":9223372036854775808}}`,
		`{` + period + `,"messages":{"total":1e400}}`,
		`{` + period + `,"messages":{"total":-1,"inbound":-1}}`,
		`{` + period + `,"messages":{"total":2,"sent":9223372036854775807,"failed":9223372036854775807,"outbound":2}}`,
		`{` + period + `,"contacts":{"total":3,"engagementScoreCenti":9223372036854775807}}`,
		`{` + period + `,"messages":{"deliveryRate":"NaN"}}`,
		`{` + period + `,"messages":{"deliveryRate":NaN}}`,
		`{` + period + `,"messages":{"deliveryRate":1e308,"readRate":-1e308}}`,
		`{"period":{"start":"2026-03-02T00:00:00Z","end":"2026-03-01T00:00:00Z"}}`,
		`{"period":{"start":"0000-01-01T00:00:00Z","end":"9999-12-31T23:59:59.999999999+23:59"}}`,
		`{"period":{"start":"2026-03-01T00:00:00Z","end":"NaN"}}`,
		strings.Replace(string(valid), `"total":10`, `"total":-10`, 1),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := store.DecodeMetrics(b)
		if err != nil {
			if !errors.Is(err, analytics.ErrCorrupt) {
				t.Fatalf("DecodeMetrics(%q) = %v, want an error wrapping ErrCorrupt", b, err)
			}
			if m != (analytics.Metrics{}) {
				t.Fatalf("DecodeMetrics(%q) returned %+v along with its error", b, m)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("DecodeMetrics(%q) returned metrics that fail Validate: %v", b, err)
		}
		if why := insane(m); why != "" {
			t.Fatalf("DecodeMetrics(%q) accepted impossible counts: %s", b, why)
		}
		if !m.Range.Start.Before(m.Range.End) {
			t.Fatalf("DecodeMetrics(%q) returned an empty period %v", b, m.Range)
		}
		derived := m
		derived.Derive()
		if diff := cmp.Diff(derived, m); diff != "" {
			t.Fatalf("DecodeMetrics(%q): derived fields are not Derive's (-Derive +got):\n%s", b, diff)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("re-encoding the metrics of %q: %v", b, err)
		}
		back, err := store.DecodeMetrics(again)
		if err != nil {
			t.Fatalf("decoding the re-encoding %s of %q: %v", again, b, err)
		}
		if diff := cmp.Diff(m, back); diff != "" {
			t.Fatalf("round trip of %q changed the metrics (-first +second):\n%s", b, diff)
		}
	})
}

// insane checks the subset relations of m's counts in unbounded integers,
// so that sums near the int64 limit cannot wrap around and pass; it returns
// what is wrong, or "".
func insane(m analytics.Metrics) string {
	sum := func(xs ...int64) *big.Int {
		s := new(big.Int)
		for _, x := range xs {
			s.Add(s, big.NewInt(x))
		}
		return s
	}
	le := func(a, b *big.Int) bool { return a.Cmp(b) <= 0 }
	msg, c, cv := m.Messages, m.Campaigns, m.Conversations
	var h []int64
	for _, n := range cv.Histogram {
		if n < 0 {
			return "negative histogram bucket"
		}
		h = append(h, n)
	}
	switch {
	case !le(sum(msg.Sent, msg.Failed), sum(msg.Total)):
		return "sent + failed > total"
	case sum(msg.Inbound, msg.Outbound).Cmp(sum(msg.Total)) != 0:
		return "inbound + outbound != total"
	case !le(sum(c.Active, c.Completed, c.Failed), sum(c.Total)):
		return "campaign statuses > total"
	case !le(sum(cv.Open, cv.Closed), sum(cv.Total)):
		return "open + closed > total"
	case sum(h...).Cmp(sum(cv.ResponseCount)) != 0:
		return "histogram count != responseCount"
	}
	return ""
}
