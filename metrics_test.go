package analytics_test

import (
	"encoding/json"
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
		Range:       day(t, 2026, 3, 9),
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
		Range:       day(t, 2026, 3, 10),
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
		Range:       analytics.Range{Start: day(t, 2026, 3, 9).Start, End: day(t, 2026, 3, 10).End},
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

// TestMergeUnmapped checks that Messages.Unmapped adds up in Merge, of two
// inputs and of more, and survives the JSON round trip.
func TestMergeUnmapped(t *testing.T) {
	t.Parallel()
	mon, tue := monday(t), tuesday(t)
	mon.Messages.Unmapped, tue.Messages.Unmapped = 1, 2
	if got := analytics.Merge(mon, tue).Messages.Unmapped; got != 3 {
		t.Errorf("Merge: Unmapped %d, want 3", got)
	}
	if got := analytics.Merge(mon, analytics.Metrics{}, tue).Messages.Unmapped; got != 3 {
		t.Errorf("Merge of three: Unmapped %d, want 3", got)
	}
	b, err := json.Marshal(mon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"unmapped":1`) {
		t.Errorf("JSON lacks \"unmapped\":1: %s", b)
	}
	var got analytics.Metrics
	if err := json.Unmarshal(b, &got); err != nil || got.Messages.Unmapped != 1 {
		t.Errorf("json.Unmarshal: Unmapped %d, %v; want 1", got.Messages.Unmapped, err)
	}
}

func TestMergeIdentity(t *testing.T) {
	t.Parallel()
	for _, m := range []analytics.Metrics{monday(t), tuesday(t), {Range: day(t, 2026, 3, 9)}} {
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
	var got analytics.Metrics
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("Unmarshal(Marshal(m)) (-m +decoded):\n%s", d)
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
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	m := analytics.Metrics{Range: analytics.Range{Start: start, End: start.Add(24 * time.Hour)}, GeneratedAt: start.Add(26 * time.Hour)}
	m.Messages = analytics.MessageMetrics{Total: 10, Sent: 5, Delivered: 4, Read: 2, Failed: 1, Replied: 1, Inbound: 3, Outbound: 7}
	m.Campaigns = analytics.CampaignMetrics{Total: 2, Active: 1, Completed: 1, TotalRecipients: 40, MessagesSent: 30, MessagesDelivered: 20, MessagesRead: 10}
	m.Contacts = analytics.ContactMetrics{Total: 4, New: 1, Active: 2, Blocked: 1, EngagementScoreCenti: 12345}
	m.Conversations.Total, m.Conversations.Open, m.Conversations.Closed = 3, 1, 2
	m.Conversations.ResponseCount, m.Conversations.ResponseTimeMs = 2, 7000
	m.Conversations.Histogram[0], m.Conversations.Histogram[3] = 1, 1
	m.Derive()
	shift := func(x analytics.Range) analytics.Range {
		off := x.End.Sub(x.Start) * time.Duration(d-1)
		return analytics.Range{Start: x.Start.Add(off), End: x.End.Add(off)}
	}
	m.Range = shift(m.Range)
	return m
}

// TestMergeIsItsFold: Merge of many inputs gives exactly what folding the
// pairwise Merge over them gives, for sequences of days in any order with
// sketches, without, with the zero Metrics among them.
func TestMergeIsItsFold(t *testing.T) {
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
		if d := cmp.Diff(fold, analytics.Merge(ms...)); d != "" {
			t.Fatalf("trial %d: Merge(ms...) differs from folding Merge (-fold +Merge):\n%s", trial, d)
		}
	}
}
