package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TestDecodeMetricsCorrupt: DecodeMetrics refuses every malformed or
// inconsistent document with ErrCorrupt and a zero Metrics.
func TestDecodeMetricsCorrupt(t *testing.T) {
	t.Parallel()
	const period = `"period":{"start":"2026-03-10T00:00:00Z","end":"2026-03-11T00:00:00Z"}`
	tests := []struct{ name, doc string }{
		{"not JSON", `{"messages":`},
		{"empty object", `{}`},
		{"null", `null`},
		{"an array", `[]`},
		{"empty period", `{"period":{"start":"2026-03-10T00:00:00Z","end":"2026-03-10T00:00:00Z"}}`},
		{"reversed period", `{"period":{"start":"2026-03-11T00:00:00Z","end":"2026-03-10T00:00:00Z"}}`},
		{"a count of the wrong type", `{` + period + `,"messages":{"total":"7"}}`},
		{"negative count", `{` + period + `,"messages":{"total":-1,"outbound":-1}}`},
		{"negative contacts", `{` + period + `,"contacts":{"total":-2}}`},
		{"delivered above sent", `{` + period + `,"messages":{"total":3,"outbound":3,"sent":1,"delivered":2}}`},
		{"inbound + outbound != total", `{` + period + `,"messages":{"total":3,"outbound":1}}`},
		{"unmapped above total", `{` + period + `,"messages":{"total":1,"outbound":1,"unmapped":2}}`},
		{"negative unmapped", `{` + period + `,"messages":{"unmapped":-1}}`},
		{"histogram too short", `{` + period + `,"conversations":{"responseHistogram":[1,2,3]}}`},
		{"histogram too long", `{` + period + `,"conversations":{"responseHistogram":[` + strings.Repeat("0,", 16) + `0]}}`},
		{"negative bucket", `{` + period + `,"conversations":{"responseCount":0,"responseHistogram":[1,-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}}`},
		{"histogram count != responseCount", `{` + period + `,"conversations":{"responseCount":2,"responseHistogram":[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}}`},
	}
	for _, tt := range tests {
		m, err := store.DecodeMetrics([]byte(tt.doc))
		if !errors.Is(err, analytics.ErrCorrupt) {
			t.Errorf("DecodeMetrics(%s): %v, want ErrCorrupt", tt.name, err)
		}
		if d := cmp.Diff(analytics.Metrics{}, m); d != "" {
			t.Errorf("DecodeMetrics(%s) returned data with its error:\n%s", tt.name, d)
		}
	}
}

// TestDecodeNodeFormat decodes a snapshot as the original Node system wrote
// it: only its own fields, with rates it computed itself.
func TestDecodeNodeFormat(t *testing.T) {
	t.Parallel()
	doc := `{
		"period": {"start": "2026-03-09T00:00:00.000Z", "end": "2026-03-09T23:59:59.999Z"},
		"generatedAt": "2026-03-10T02:00:00.123Z",
		"messages": {"total": 90, "sent": 80, "delivered": 72, "read": 36, "failed": 10, "replied": 12,
			"inbound": 30, "outbound": 60, "deliveryRate": 90, "readRate": 50, "replyRate": 15, "failureRate": 11.11},
		"campaigns": {"total": 3, "active": 1, "completed": 1, "failed": 1, "totalRecipients": 500,
			"messagesSent": 450, "avgDeliveryRate": 92.5, "avgReadRate": 40.1},
		"contacts": {"total": 120, "new": 7, "active": 25, "blocked": 2, "avgEngagementScore": 37.5},
		"conversations": {"total": 14, "open": 9, "closed": 5, "avgResponseTime": 0}
	}`
	got, err := store.DecodeMetrics([]byte(doc))
	if err != nil {
		t.Fatalf("DecodeMetrics of a Node document: %v", err)
	}
	want := analytics.Metrics{
		// Node's inclusive end is kept as it was stored.
		Range: analytics.Range{
			Start: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC),
			End:   time.Date(2026, 3, 9, 23, 59, 59, 999_000_000, time.UTC),
		},
		GeneratedAt: time.Date(2026, 3, 10, 2, 0, 0, 123_000_000, time.UTC),
		// Message rates are derived from the counts, which Node stored:
		// they come out as Node had them (10/90 = 11.11).
		Messages: analytics.MessageMetrics{Total: 90, Sent: 80, Delivered: 72, Read: 36, Failed: 10, Replied: 12,
			Inbound: 30, Outbound: 60, DeliveryRate: 90, ReadRate: 50, ReplyRate: 15, FailureRate: 11.11},
		// Node stored no delivered or read counts for campaigns, nor a score
		// sum for contacts: those averages are derived from absent counts
		// and read 0. The counts themselves survive.
		Campaigns: analytics.CampaignMetrics{Total: 3, Active: 1, Completed: 1, Failed: 1, TotalRecipients: 500,
			MessagesSent: 450},
		Contacts:      analytics.ContactMetrics{Total: 120, New: 7, Active: 25, Blocked: 2},
		Conversations: analytics.ConversationMetrics{Total: 14, Open: 9, Closed: 5},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DecodeMetrics of a Node document (-want +got):\n%s", d)
	}
}
