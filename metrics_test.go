package analytics_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

func day(t *testing.T, y int, m time.Month, d int) analytics.Range {
	t.Helper()
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(y, m, d), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return analytics.Range{Start: p.Start, End: p.End}
}

// monday and tuesday are two adjacent days of one scope, with counts
// chosen so that averaging their rates would give other answers than
// pooling their counts.
func monday(t *testing.T) analytics.Metrics {
	m := analytics.Metrics{
		Period:      day(t, 2026, 3, 9),
		GeneratedAt: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC),
		Messages:    analytics.MessageMetrics{Total: 2, Sent: 1, Delivered: 1, Read: 1, Replied: 1, Inbound: 1, Outbound: 1},
		Campaigns: analytics.CampaignMetrics{Total: 1, Active: 1, TotalRecipients: 10,
			MessagesSent: 10, MessagesDelivered: 10, MessagesRead: 5},
		Contacts: analytics.ContactMetrics{Total: 4, New: 1, Active: 3, Blocked: 1, EngagementScoreCenti: 20000},
		Conversations: analytics.ConversationMetrics{Total: 1, Open: 1,
			ResponseCount: 1, ResponseTimeMs: 10_000, Histogram: analytics.Histogram{2: 1},
			FirstResponseCount: 1, FirstResponseTimeMs: 10_000},
	}
	m.Derive()
	return m
}

func tuesday(t *testing.T) analytics.Metrics {
	m := analytics.Metrics{
		Period:      day(t, 2026, 3, 10),
		GeneratedAt: time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC),
		Messages: analytics.MessageMetrics{Total: 5, Sent: 3, Delivered: 1, Read: 0, Failed: 1, Replied: 0,
			Inbound: 1, Outbound: 4},
		Campaigns: analytics.CampaignMetrics{Total: 2, Completed: 1, Failed: 1, TotalRecipients: 100,
			MessagesSent: 90, MessagesDelivered: 30, MessagesRead: 3},
		Contacts: analytics.ContactMetrics{Total: 6, New: 2, Active: 2, Blocked: 2, EngagementScoreCenti: 30000},
		Conversations: analytics.ConversationMetrics{Total: 2, Closed: 1,
			ResponseCount: 3, ResponseTimeMs: 90_000, Unanswered: 1, Histogram: analytics.Histogram{2: 1, 3: 2},
			FirstResponseCount: 1, FirstResponseTimeMs: 40_000},
	}
	m.Derive()
	return m
}

// TestMerge checks Merge of two adjacent days against a result worked out
// by hand.
func TestMerge(t *testing.T) {
	t.Parallel()
	want := analytics.Metrics{
		Period:      analytics.Range{Start: day(t, 2026, 3, 9).Start, End: day(t, 2026, 3, 10).End},
		GeneratedAt: time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), // the later
		Messages: analytics.MessageMetrics{Total: 7, Sent: 4, Delivered: 2, Read: 1, Failed: 1, Replied: 1,
			Inbound: 2, Outbound: 5,
			// Pooled: 2/4 = 50, not the mean of 100 and 33.33 (66.67);
			// 1/2 = 50, not the mean of 100 and 0; 1/4 = 25, not 50; 1/7 =
			// 14.29, not the mean of 0 and 20.
			DeliveryRate: 50, ReadRate: 50, ReplyRate: 25, FailureRate: 14.29},
		Campaigns: analytics.CampaignMetrics{Total: 3, Active: 1, Completed: 1, Failed: 1, TotalRecipients: 110,
			MessagesSent: 100, MessagesDelivered: 40, MessagesRead: 8,
			AvgDeliveryRate: 40, // 40/100, not the mean of 100 and 33.33
			AvgReadRate:     20, // 8/40, not the mean of 50 and 10
		},
		// Total, Blocked and the score are Tuesday's (as of the later end);
		// New adds; Active is the larger of 3 and 2.
		Contacts: analytics.ContactMetrics{Total: 6, New: 3, Active: 3, Blocked: 2, EngagementScoreCenti: 30000,
			AvgEngagementScore: 50},
		Conversations: analytics.ConversationMetrics{Total: 3, Open: 1, Closed: 1,
			ResponseCount: 4, ResponseTimeMs: 100_000, Unanswered: 1, Histogram: analytics.Histogram{2: 2, 3: 2},
			FirstResponseCount: 2, FirstResponseTimeMs: 50_000,
			AvgResponseTime: 25, // 100 s / 4, not the mean of 10 and 30
			// Rank 2 of 4 is the second observation of bucket 2, [10, 30).
			MedianResponseTime: 30,
			// Rank 4 is the second of bucket 3, [30, 60).
			P90ResponseTime:      60,
			AvgFirstResponseTime: 25, // 50 s / 2
		},
	}
	mon, tue := monday(t), tuesday(t)
	if d := cmp.Diff(want, analytics.Merge(mon, tue)); d != "" {
		t.Errorf("Merge(monday, tuesday) (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, analytics.Merge(tue, mon)); d != "" {
		t.Errorf("Merge(tuesday, monday) differs from the other order (-want +got):\n%s", d)
	}
}

// TestMergeUnmapped checks that Messages.Unmapped adds up in Merge and
// MergeAll, and survives the JSON round trip.
func TestMergeUnmapped(t *testing.T) {
	t.Parallel()
	mon, tue := monday(t), tuesday(t)
	mon.Messages.Unmapped, tue.Messages.Unmapped = 1, 2
	if got := analytics.Merge(mon, tue).Messages.Unmapped; got != 3 {
		t.Errorf("Merge: Unmapped %d, want 3", got)
	}
	if got := analytics.MergeAll(mon, analytics.Metrics{}, tue).Messages.Unmapped; got != 3 {
		t.Errorf("MergeAll: Unmapped %d, want 3", got)
	}
	b, err := json.Marshal(mon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"unmapped":1`) {
		t.Errorf("JSON lacks \"unmapped\":1: %s", b)
	}
	got, err := analytics.DecodeMetrics(b)
	if err != nil || got.Messages.Unmapped != 1 {
		t.Errorf("DecodeMetrics: Unmapped %d, %v; want 1", got.Messages.Unmapped, err)
	}
}

func TestMergeIdentity(t *testing.T) {
	t.Parallel()
	for _, m := range []analytics.Metrics{monday(t), tuesday(t), {Period: day(t, 2026, 3, 9)}} {
		if d := cmp.Diff(m, analytics.Merge(analytics.Metrics{}, m)); d != "" {
			t.Errorf("Merge(zero, m) != m (-m +merged):\n%s", d)
		}
		if d := cmp.Diff(m, analytics.Merge(m, analytics.Metrics{})); d != "" {
			t.Errorf("Merge(m, zero) != m (-m +merged):\n%s", d)
		}
	}
	// Rates stored wrong are derived again, even through the identity.
	m := monday(t)
	m.Messages.DeliveryRate = 12
	if got := analytics.Merge(analytics.Metrics{}, m).Messages.DeliveryRate; got != 100 {
		t.Errorf("Merge(zero, m) kept a stale DeliveryRate: %v, want 100", got)
	}
}

// TestMergeAsOfTie checks that with equal period ends the as-of contact
// counts come from the second argument, as documented.
func TestMergeAsOfTie(t *testing.T) {
	t.Parallel()
	a, b := monday(t), monday(t)
	b.Contacts.Total, b.Contacts.Blocked, b.Contacts.EngagementScoreCenti = 9, 3, 45000
	got := analytics.Merge(a, b).Contacts
	if got.Total != 9 || got.Blocked != 3 || got.EngagementScoreCenti != 45000 || got.AvgEngagementScore != 50 {
		t.Errorf("Merge on a tie: %+v, want b's Total 9, Blocked 3, score 45000 (avg 50)", got)
	}
}

func TestMetricsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	m := analytics.Merge(monday(t), tuesday(t))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"deliveryRate"`, `"avgEngagementScore"`, `"responseHistogram"`, `"engagementScoreCenti"`, `"unansweredTurns"`} {
		if !strings.Contains(string(b), name) {
			t.Errorf("JSON lacks %s: %s", name, b)
		}
	}
	got, err := analytics.DecodeMetrics(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("DecodeMetrics(Marshal(m)) (-m +decoded):\n%s", d)
	}
}

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
		m, err := analytics.DecodeMetrics([]byte(tt.doc))
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
	got, err := analytics.DecodeMetrics([]byte(doc))
	if err != nil {
		t.Fatalf("DecodeMetrics of a Node document: %v", err)
	}
	want := analytics.Metrics{
		// Node's inclusive end is kept as it was stored.
		Period: analytics.Range{
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

// TestMergeUnionsSketches: Merge counts the active contacts of two periods
// from the union of their sketches when both have one, and falls back to
// the larger count, with no sketch, when either lacks one.
func TestMergeUnionsSketches(t *testing.T) {
	t.Parallel()
	day := func(d int, contacts ...string) analytics.Metrics {
		m := validMetrics(t, d)
		m.Contacts.Active = int64(len(contacts))
		m.ActiveSketch = analytics.SketchOf(contacts...)
		return m
	}
	a, b := day(1, "c1", "c2", "c3"), day(2, "c2", "c4")
	got := analytics.Merge(a, b)
	if got.Contacts.Active != 4 || !got.ActiveSketch.Equal(analytics.SketchOf("c1", "c2", "c3", "c4")) {
		t.Errorf("Merge with sketches: active %d, sketch %v; want 4 distinct contacts", got.Contacts.Active, got.ActiveSketch)
	}
	b.ActiveSketch = nil
	got = analytics.Merge(a, b)
	if got.Contacts.Active != 3 || got.ActiveSketch != nil {
		t.Errorf("Merge with one sketch missing: active %d, sketch %v; want the larger count 3 and no sketch", got.Contacts.Active, got.ActiveSketch)
	}
	if got := analytics.Merge(analytics.Metrics{}, a); !got.ActiveSketch.Equal(a.ActiveSketch) || got.Contacts.Active != 3 {
		t.Errorf("Merge with the zero Metrics lost the sketch: %v", got.ActiveSketch)
	}
}

// validMetrics returns consistent metrics of day d of March 2026 (UTC).
func validMetrics(t testing.TB, d int) analytics.Metrics {
	t.Helper()
	m, err := analytics.DecodeMetrics(validMetricsJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	shift := func(x analytics.Range) analytics.Range {
		off := x.End.Sub(x.Start) * time.Duration(d-1)
		return analytics.Range{Start: x.Start.Add(off), End: x.End.Add(off)}
	}
	m.Period = shift(m.Period)
	return m
}

// TestMergeAllIsTheFold: MergeAll gives exactly what folding Merge gives,
// for sequences of days in any order with sketches, without, with the
// zero Metrics among them.
func TestMergeAllIsTheFold(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(19, 20))
	pool := ids(r, "m", 40)
	for trial := range 500 {
		n := r.IntN(8)
		ms := make([]analytics.Metrics, n)
		for i := range ms {
			if r.IntN(8) == 0 {
				continue // the zero Metrics
			}
			m := validMetrics(t, 1+r.IntN(28))
			m.Messages.Total, m.Messages.Outbound = m.Messages.Total+int64(i), m.Messages.Outbound+int64(i)
			contacts := make([]string, r.IntN(len(pool)))
			for j := range contacts {
				contacts[j] = pool[r.IntN(len(pool))]
			}
			if r.IntN(4) != 0 {
				m.ActiveSketch = mustSketch(t, []int{4, 16, 64}[r.IntN(3)], contacts...)
				m.Contacts.Active = m.ActiveSketch.Count()
			} else {
				m.Contacts.Active = int64(r.IntN(30))
			}
			m.Derive()
			ms[i] = m
		}
		var fold analytics.Metrics
		for _, m := range ms {
			fold = analytics.Merge(fold, m)
		}
		if d := cmp.Diff(fold, analytics.MergeAll(ms...)); d != "" {
			t.Fatalf("trial %d: MergeAll differs from folding Merge (-fold +MergeAll):\n%s", trial, d)
		}
	}
}
