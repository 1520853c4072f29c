package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// The hand-computed datasets. Every expected number in this file was worked
// out by hand from the definitions in the analytics package documentation
// (doc.go), and the comments say how; none was produced by running code.

const (
	in  = true  // Message.Inbound: sent by the contact
	out = false // sent by the business
)

func msg(id, team, account, conv string, inbound bool, status, at string) store.Message {
	return store.Message{ID: id, TeamID: team, AccountID: account, ConversationID: conv,
		Status: status, Inbound: inbound, CreatedAt: ts(at)}
}

func conv(id, team, account, contact, status, at string) store.Conversation {
	return store.Conversation{ID: id, TeamID: team, AccountID: account, ContactID: contact,
		Status: status, CreatedAt: ts(at)}
}

func contact(id, team string, blocked bool, score float64, at string) store.Contact {
	return store.Contact{ID: id, TeamID: team, Blocked: blocked, EngagementScore: score, CreatedAt: ts(at)}
}

func campaign(id, team, account, status string, recipients, sent, delivered, read int64, at string) store.Campaign {
	return store.Campaign{ID: id, TeamID: team, AccountID: account, Status: status,
		TotalRecipients: recipients, MessagesSent: sent, MessagesDelivered: delivered, MessagesRead: read,
		CreatedAt: ts(at)}
}

// acme is a UTC team with two accounts. The day under test is Tuesday
// 2026-03-10, [2026-03-10T00:00Z, 2026-03-11T00:00Z); records around it
// test its edges. The reply window is the default 24 h unless a test says
// otherwise.
func acme() Dataset {
	a := store.Activity{
		Contacts:      acmeContacts(),
		Conversations: acmeConversations(),
		Messages:      acmeMessages(),
		Campaigns:     acmeCampaigns(),
	}
	// Records arrive in no particular order; stores must sort (m17 before
	// m16 here, so a store that keeps insertion order gets k4 wrong).
	slices.Reverse(a.Messages)
	slices.Reverse(a.Conversations)
	return Dataset{
		Teams:    []analytics.Team{{ID: acmeID, TimeZone: "UTC", AccountIDs: []string{"wa-2", "wa-1"}}},
		Activity: a,
	}
}

// acmeID is acme's team ID.
const acmeID = "acme"

// acmeContacts is acme's contacts, with the hundredths of a point their
// scores add to the engagement sum.
func acmeContacts() []store.Contact {
	const T = acmeID
	return []store.Contact{
		contact("c1", T, false, 80.51, "2026-03-01T10:00:00.000Z"), // 8051 hundredths
		contact("c2", T, true, 12.345, "2026-03-10T08:00:00.000Z"), // 1235: 1234.5 rounds away from zero
		contact("c3", T, false, 0.125, "2026-03-10T15:00:00.000Z"), // 13: 12.5 rounds away from zero
		contact("c4", T, false, 50, "2026-03-11T00:00:00.000Z"),    // 5000; created at the day's end: not in it
		contact("c5", T, true, 33.335, "2026-02-01T00:00:00.000Z"), // 3334: 3333.5 rounds away from zero
		contact("c6", T, false, -5, "2026-03-10T23:59:59.999Z"),    // 0: negative scores count as 0
	}
}

// acmeConversations is acme's conversations.
func acmeConversations() []store.Conversation {
	const T = acmeID
	return []store.Conversation{
		conv("k1", T, "wa-1", "c1", "open", "2026-03-10T09:00:00.000Z"),
		conv("k2", T, "wa-1", "c2", "closed", "2026-03-10T22:00:00.000Z"),
		conv("k3", T, "wa-2", "c5", "pending", "2026-03-09T00:30:00.000Z"),
		conv("k4", T, "wa-2", "c1", "open", "2026-03-08T12:00:00.000Z"),
		conv("k5", T, "", "c3", "closed", "2026-03-10T16:00:00.000Z"), // no account: team-wide only
		conv("k6", T, "wa-1", "c6", "open", "2026-03-12T10:00:00.000Z"),
		conv("k7", T, "wa-2", "c2", "open", "2026-03-10T20:00:00.000Z"),
	}
}

// acmeMessages is acme's messages, with what each tests.
func acmeMessages() []store.Message {
	const T = acmeID
	return []store.Message{
		// k1: two inbound messages 3.5 s apart are one turn, answered
		// by m03 4.25 s after the turn began; m04 is a second turn,
		// answered by m05 exactly 120 s later; m05's next message, m06,
		// comes 24 h 48 min later: outside the window.
		msg("m01", T, "wa-1", "k1", in, "received", "2026-03-10T09:00:00.000Z"),
		msg("m02", T, "wa-1", "k1", in, "received", "2026-03-10T09:00:03.500Z"),
		msg("m03", T, "wa-1", "k1", out, "read", "2026-03-10T09:00:04.250Z"),
		msg("m04", T, "wa-1", "k1", in, "read", "2026-03-10T09:10:00.000Z"),
		msg("m05", T, "wa-1", "k1", out, "delivered", "2026-03-10T09:12:00.000Z"),
		msg("m06", T, "wa-1", "k1", in, "read", "2026-03-11T10:00:00.000Z"),
		// k2: m07 is replied by m08 three hours later, after the day's
		// end; m08's turn is answered 30 min later, on 03-11.
		msg("m07", T, "wa-1", "k2", out, "read", "2026-03-10T22:00:00.000Z"),
		msg("m08", T, "wa-1", "k2", in, "read", "2026-03-11T01:00:00.000Z"),
		msg("m09", T, "wa-1", "k2", out, "sent", "2026-03-11T01:30:00.000Z"),
		// k3: m11 follows m10 by 24 h 10 min, more than W, so it starts a
		// new turn, answered in 90 s by m12; m13 is a turn whose answer
		// m14 comes W + 1 ms later: unanswered.
		msg("m10", T, "wa-2", "k3", in, "read", "2026-03-09T00:30:00.000Z"),
		msg("m11", T, "wa-2", "k3", in, "read", "2026-03-10T00:40:00.000Z"),
		msg("m12", T, "wa-2", "k3", out, "sent", "2026-03-10T00:41:30.000Z"),
		msg("m13", T, "wa-2", "k3", in, "read", "2026-03-10T06:00:00.000Z"),
		msg("m14", T, "wa-2", "k3", out, "delivered", "2026-03-11T06:00:00.001Z"),
		// k4: m16 continues m15's turn of the day before, exactly W
		// later; m16 and m17 share an instant and are ordered by ID, so
		// m17 comes after m16 and is replied by m18, a turn answered
		// exactly W later by m19.
		msg("m15", T, "wa-2", "k4", in, "read", "2026-03-09T00:05:00.000Z"),
		msg("m16", T, "wa-2", "k4", in, "read", "2026-03-10T00:05:00.000Z"),
		msg("m17", T, "wa-2", "k4", out, "read", "2026-03-10T00:05:00.000Z"),
		msg("m18", T, "wa-2", "k4", in, "read", "2026-03-10T12:00:00.000Z"),
		msg("m19", T, "wa-2", "k4", out, "read", "2026-03-11T12:00:00.000Z"),
		// No conversation: never replied, never a turn, no active contact.
		msg("m20", T, "wa-1", "", out, "delivered", "2026-03-10T15:00:00.000Z"),
		msg("m21", T, "wa-1", "", in, "read", "2026-03-10T15:00:01.000Z"),
		// k5 has no account: counted team-wide only. m22 is replied by
		// m23 (30 min); m23's turn is answered by m24 in exactly 900 s.
		msg("m22", T, "", "k5", out, "sent", "2026-03-10T16:00:00.000Z"),
		msg("m23", T, "", "k5", in, "read", "2026-03-10T16:30:00.000Z"),
		msg("m24", T, "", "k5", out, "failed", "2026-03-10T16:45:00.000Z"),
		// The day's last millisecond is in it; its end is not.
		msg("m25", T, "wa-2", "", out, "pending", "2026-03-10T23:59:59.999Z"),
		msg("m26", T, "wa-2", "", out, "sent", "2026-03-11T00:00:00.000Z"),
		msg("m27", T, "wa-1", "", out, "sent", "2026-03-09T23:59:59.999Z"),
		// c6 first talks to wa-1 on 03-12.
		msg("m28", T, "wa-1", "k6", in, "read", "2026-03-12T10:05:00.000Z"),
		// k7's first inbound message comes exactly W after k7 was
		// created: too late to be a first response.
		msg("m29", T, "wa-2", "k7", in, "read", "2026-03-11T20:00:00.000Z"),
		msg("m30", T, "wa-2", "k7", out, "read", "2026-03-11T20:00:10.000Z"),
	}
}

// acmeCampaigns is acme's campaigns.
func acmeCampaigns() []store.Campaign {
	const T = acmeID
	return []store.Campaign{
		campaign("p1", T, "wa-1", "Running", 100, 90, 85, 40, "2026-03-10T10:00:00.000Z"),
		campaign("p2", T, "wa-2", "Completed", 50, 50, 10, 5, "2026-03-10T11:00:00.000Z"),
		campaign("p3", T, "", "Failed", 20, 0, 0, 0, "2026-03-10T12:00:00.000Z"),
		campaign("p4", T, "wa-1", "Draft", 10, 0, 0, 0, "2026-03-10T13:00:00.000Z"),
		campaign("p5", T, "wa-1", "Running", 30, 30, 30, 30, "2026-03-11T00:00:00.000Z"),
		campaign("p6", T, "wa-2", "Completed", 5, 5, 5, 5, "2026-03-09T23:59:59.999Z"),
	}
}

// acmeDay is the metrics of acme on 2026-03-10, team-wide.
//
// The day's 18 messages are m01–m05, m07, m11–m13, m16–m18, m20–m25.
func acmeDay() analytics.Metrics {
	p := period(analytics.Daily, "2026-03-10", "UTC")
	return analytics.Metrics{
		Range: rangeOf(p),
		Messages: analytics.MessageMetrics{
			Total: 18,
			// read: m03 m04 m07 m11 m13 m16 m17 m18 m21 m23 = 10;
			// delivered adds m05 m20 = 12; sent adds m12 m22 = 14;
			// failed: m24. m01 m02 (received) and m25 (pending) count
			// towards Total only: 14 + 1 + 3 = 18.
			Sent: 14, Delivered: 12, Read: 10, Failed: 1,
			// m03 (by m04), m07 (by m08, after the day), m12 (by m13),
			// m17 (by m18), m22 (by m23). Not m05 (m06 is 24 h 48 min
			// later), m20 and m25 (no conversation), m24 (last message).
			Replied: 5,
			// m01 m02 m04 m11 m13 m16 m18 m21 m23; the other nine are
			// outbound.
			Inbound: 9, Outbound: 9,
			DeliveryRate: 85.71, // 12/14 = 85.714…
			ReadRate:     83.33, // 10/12
			ReplyRate:    35.71, // 5/14 = 35.714…
			FailureRate:  5.56,  // 1/18 = 5.555…
		},
		Campaigns: analytics.CampaignMetrics{
			// p1–p4; p5 starts at the day's end, p6 a millisecond before
			// its start.
			Total: 4, Active: 1, Completed: 1, Failed: 1, // p4 is a Draft
			TotalRecipients:   180, // 100 + 50 + 20 + 10
			MessagesSent:      140, // 90 + 50
			MessagesDelivered: 95,  // 85 + 10
			MessagesRead:      45,  // 40 + 5
			// Pooled: 95/140 = 67.857…; the mean of the campaigns' own
			// rates, (94.44 + 20)/2 = 57.22, would be wrong.
			AvgDeliveryRate: 67.86,
			AvgReadRate:     47.37, // 45/95 = 47.368…
		},
		Contacts: analytics.ContactMetrics{
			// Created before 03-11: c1 c2 c3 c5 c6 (c4 at 03-11 00:00).
			Total: 5,
			New:   3, // c2 c3 c6
			// The day's messages in conversations: k1, k4 (c1), k2 (c2),
			// k5 (c3), k3 (c5).
			Active:               4,
			Blocked:              2,     // c2 c5
			EngagementScoreCenti: 12633, // 8051 + 1235 + 13 + 3334 + 0
			AvgEngagementScore:   25.27, // 12633/5/100 = 25.266
		},
		Conversations: analytics.ConversationMetrics{
			// Created on the day: k1 (open), k2 (closed), k5 (closed),
			// k7 (open).
			Total: 4, Open: 2, Closed: 2,
			// Turns starting on the day: m01 (4.25 s), m04 (120 s), m11
			// (90 s), m13 (unanswered: W + 1 ms), m18 (exactly W = 86400 s),
			// m23 (900 s). m02 and m16 continue turns; m21 has no
			// conversation.
			ResponseCount:  5,
			ResponseTimeMs: 87514250, // 4250 + 120000 + 90000 + 86400000 + 900000
			Unanswered:     1,
			// Buckets: 4.25 s in [0,5) = 0; 90 s in [60,120) = 4; 120 s in
			// [120,300) = 5; 900 s in [900,1800) = 8; 86400 s is the last.
			Histogram: analytics.Histogram{0: 1, 4: 1, 5: 1, 8: 1, 15: 1},
			// k1: m01 at creation, answered in 4.25 s; k2: m08 3 h after
			// creation, answered in 1800 s; k5: m23, answered in 900 s; k7:
			// m29 comes exactly W after creation, too late.
			FirstResponseCount:  3,
			FirstResponseTimeMs: 2704250,  // 4250 + 1800000 + 900000
			AvgResponseTime:     17502.85, // 87514250/5 ms
			// Rank ceil(0.5·5) = 3 is the one observation of bucket 5,
			// whose upper bound is 300 s.
			MedianResponseTime: 300,
			// Rank ceil(0.9·5) = 5 falls in the unbounded last bucket,
			// which reports its lower bound.
			P90ResponseTime:      86400,
			AvgFirstResponseTime: 901.42, // 2704250/3 ms = 901.416… s
		},
		Traffic: acmeDayTraffic(),
	}
}

// acmeDayTraffic is acme's team-wide traffic on 2026-03-10: Tuesday's
// hours (UTC), with inbound and outbound messages and conversations
// created.
func acmeDayTraffic() *analytics.Traffic {
	return traffic(
		tcell{time.Tuesday, 0, 2, 2, 0},  // m11 m16; m12 m17
		tcell{time.Tuesday, 6, 1, 0, 0},  // m13
		tcell{time.Tuesday, 9, 3, 2, 1},  // m01 m02 m04; m03 m05; k1
		tcell{time.Tuesday, 12, 1, 0, 0}, // m18
		tcell{time.Tuesday, 15, 1, 1, 0}, // m21; m20 (no conversation)
		tcell{time.Tuesday, 16, 1, 2, 1}, // m23; m22 m24; k5
		tcell{time.Tuesday, 20, 0, 0, 1}, // k7
		tcell{time.Tuesday, 22, 0, 1, 1}, // m07; k2
		tcell{time.Tuesday, 23, 0, 1, 0}, // m25
	)
}

// acmeDayWA1 is acme's account wa-1 on 2026-03-10: k1, k2, m20, m21, p1, p4.
func acmeDayWA1() analytics.Metrics {
	p := period(analytics.Daily, "2026-03-10", "UTC")
	return analytics.Metrics{
		Range: rangeOf(p),
		Messages: analytics.MessageMetrics{
			Total: 8, // m01 m02 m03 m04 m05 m07 m20 m21
			// read m03 m04 m07 m21; delivered adds m05 m20.
			Sent: 6, Delivered: 6, Read: 4, Failed: 0,
			Replied:      2, // m03, m07
			Inbound:      4, // m01 m02 m04 m21
			Outbound:     4, // m03 m05 m07 m20
			DeliveryRate: 100,
			ReadRate:     66.67, // 4/6
			ReplyRate:    33.33, // 2/6
			FailureRate:  0,
		},
		Campaigns: analytics.CampaignMetrics{
			Total: 2, Active: 1, // p1 Running, p4 Draft
			TotalRecipients: 110, MessagesSent: 90, MessagesDelivered: 85, MessagesRead: 40,
			AvgDeliveryRate: 94.44, // 85/90
			AvgReadRate:     47.06, // 40/85 = 47.058…
		},
		Contacts: analytics.ContactMetrics{
			// With a conversation on wa-1 created before 03-11: c1 (k1),
			// c2 (k2). c6's k6 comes on 03-12.
			Total: 2,
			// A contact joins an account's scope at the later of its
			// creation and its first conversation there: c1 at k1 (03-10
			// 09:00), c2 at k2 (03-10 22:00). Both on the day.
			New:                  2,
			Active:               2,     // k1 → c1, k2 → c2
			Blocked:              1,     // c2
			EngagementScoreCenti: 9286,  // 8051 + 1235
			AvgEngagementScore:   46.43, // 9286/2/100
		},
		Conversations: analytics.ConversationMetrics{
			Total: 2, Open: 1, Closed: 1, // k1, k2
			// Turns m01 (4.25 s) and m04 (120 s).
			ResponseCount: 2, ResponseTimeMs: 124250, Unanswered: 0,
			Histogram:            analytics.Histogram{0: 1, 5: 1},
			FirstResponseCount:   2,       // k1 (4.25 s), k2 (1800 s)
			FirstResponseTimeMs:  1804250, // 4250 + 1800000
			AvgResponseTime:      62.13,   // 124250/2 ms = 62.125 s, half away from zero
			MedianResponseTime:   5,       // rank 1: bucket 0, upper bound 5 s
			P90ResponseTime:      300,     // rank 2: bucket 5, upper bound 300 s
			AvgFirstResponseTime: 902.13,  // 1804250/2 ms = 902.125 s
		},
		Traffic: traffic(
			tcell{time.Tuesday, 9, 3, 2, 1},  // m01 m02 m04; m03 m05; k1
			tcell{time.Tuesday, 15, 1, 1, 0}, // m21; m20
			tcell{time.Tuesday, 22, 0, 1, 1}, // m07; k2
		),
	}
}

// acmeDayWA2 is acme's account wa-2 on 2026-03-10: k3, k4, k7, m25, p2.
func acmeDayWA2() analytics.Metrics {
	p := period(analytics.Daily, "2026-03-10", "UTC")
	return analytics.Metrics{
		Range: rangeOf(p),
		Messages: analytics.MessageMetrics{
			Total: 7, // m11 m12 m13 m16 m17 m18 m25
			// read m11 m13 m16 m17 m18; sent adds m12; m25 is pending.
			Sent: 6, Delivered: 5, Read: 5, Failed: 0,
			Replied:      2,     // m12, m17
			Inbound:      4,     // m11 m13 m16 m18
			Outbound:     3,     // m12 m17 m25
			DeliveryRate: 83.33, // 5/6
			ReadRate:     100,
			ReplyRate:    33.33, // 2/6
			FailureRate:  0,
		},
		Campaigns: analytics.CampaignMetrics{
			Total: 1, Completed: 1, // p2
			TotalRecipients: 50, MessagesSent: 50, MessagesDelivered: 10, MessagesRead: 5,
			AvgDeliveryRate: 20, // 10/50
			AvgReadRate:     50, // 5/10
		},
		Contacts: analytics.ContactMetrics{
			// Conversations on wa-2 before 03-11: k3 (c5), k4 (c1), k7 (c2).
			Total: 3,
			// c2 joins at k7 (03-10 20:00); c1 joined at k4 (03-08), c5
			// at k3 (03-09).
			New:                  1,
			Active:               2,     // k3 → c5, k4 → c1
			Blocked:              2,     // c2 c5
			EngagementScoreCenti: 12620, // 8051 + 1235 + 3334
			AvgEngagementScore:   42.07, // 12620/3/100 = 42.066…
		},
		Conversations: analytics.ConversationMetrics{
			Total: 1, Open: 1, // k7; k3 and k4 were created earlier
			// Turns m11 (90 s), m13 (unanswered), m18 (86400 s); m16
			// continues m15's turn.
			ResponseCount: 2, ResponseTimeMs: 86490000, Unanswered: 1,
			Histogram:          analytics.Histogram{4: 1, 15: 1},
			AvgResponseTime:    43245, // 86490000/2 ms
			MedianResponseTime: 120,   // rank 1: bucket 4, upper bound 120 s
			P90ResponseTime:    86400, // rank 2: the last bucket's lower bound
			// k7's first inbound message, m29, comes exactly W after its
			// creation: no first response.
		},
		Traffic: traffic(
			tcell{time.Tuesday, 0, 2, 2, 0},  // m11 m16; m12 m17
			tcell{time.Tuesday, 6, 1, 0, 0},  // m13
			tcell{time.Tuesday, 12, 1, 0, 0}, // m18
			tcell{time.Tuesday, 20, 0, 0, 1}, // k7
			tcell{time.Tuesday, 23, 0, 1, 0}, // m25
		),
	}
}

func testHandComputed(t *testing.T, open Open) {
	s := open(t, acme())
	day := period(analytics.Daily, "2026-03-10", "UTC")
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("acme"), Period: day},
		{Scope: analytics.AccountScope("acme", "wa-1"), Period: day},
		{Scope: analytics.AccountScope("acme", "wa-2"), Period: day},
	}}
	want := []analytics.Metrics{acmeDay(), acmeDayWA1(), acmeDayWA2()}
	got := aggregate(t, s, req)
	for i := range want {
		if d := diff(want[i], got[i]); d != "" {
			t.Errorf("Aggregate %s: metrics differ from the hand-computed ones (-want +got):\n%s", describe(req.Items[i]), d)
		}
	}
}

// testReplyWindow aggregates acme's day with a 10 min reply window.
func testReplyWindow(t *testing.T, open Open) {
	s := open(t, acme())
	day := period(analytics.Daily, "2026-03-10", "UTC")
	req := analytics.AggregateRequest{
		Items:       []analytics.ScopePeriod{{Scope: analytics.TeamScope("acme"), Period: day}},
		ReplyWindow: 10 * time.Minute,
	}
	got := aggregate(t, s, req)[0]
	want := acmeDay()
	// Only m03 is replied within 10 min (m04 follows it by 9 min 55.75 s).
	want.Messages.Replied = 1
	want.Messages.ReplyRate = 7.14 // 1/14
	want.Conversations = analytics.ConversationMetrics{
		Total: 4, Open: 2, Closed: 2,
		// Turns: m01 (4.25 s), m04 (120 s), m11 (90 s), m13 (unanswered),
		// m16 — its own turn here, 24 h after m15 — answered by m17 at
		// the same instant (0 s), m18 (unanswered: 24 h), m23 (unanswered:
		// 15 min > 10 min).
		ResponseCount: 4, ResponseTimeMs: 214250, Unanswered: 3, // 4250 + 120000 + 90000 + 0
		Histogram: analytics.Histogram{0: 2, 4: 1, 5: 1},
		// Only k1's first inbound message is answered within 10 min; k2's
		// and k5's first inbound messages come 3 h and 30 min after
		// creation, W or more.
		FirstResponseCount: 1, FirstResponseTimeMs: 4250,
		AvgResponseTime:      53.56, // 214250/4 ms = 53.5625 s
		MedianResponseTime:   5,     // rank 2: bucket 0, upper bound
		P90ResponseTime:      300,   // rank 4: bucket 5, upper bound
		AvgFirstResponseTime: 4.25,
	}
	if d := diff(want, got); d != "" {
		t.Errorf("Aggregate %s with a 10 min window (-want +got):\n%s", describe(req.Items[0]), d)
	}
}

// testContacts checks contact metrics, as of the end of each period, over
// days, a week and a month, team-wide and per account.
func testContacts(t *testing.T, open Open) {
	s := open(t, acme())
	utc := func(typ analytics.SnapshotType, d string) analytics.Period { return period(typ, d, "UTC") }
	tests := []struct {
		scope  analytics.Scope
		period analytics.Period
		want   analytics.ContactMetrics
	}{
		{analytics.TeamScope("acme"), utc(analytics.Daily, "2026-03-11"), analytics.ContactMetrics{
			Total: 6, New: 1, // all six; c4 is created at 03-11 00:00
			Active:  3,                              // m06 (k1 → c1), m08 m09 (k2 → c2), m14 (k3 → c5), m19 (k4 → c1)
			Blocked: 2, EngagementScoreCenti: 17633, // 12633 + c4's 5000
			AvgEngagementScore: 29.39, // 17633/6/100 = 29.388…
		}},
		{analytics.AccountScope("acme", "wa-1"), utc(analytics.Daily, "2026-03-11"), analytics.ContactMetrics{
			Total: 2, New: 0, // c1 and c2 joined wa-1 on 03-10
			Active: 2, Blocked: 1, EngagementScoreCenti: 9286, AvgEngagementScore: 46.43,
		}},
		{analytics.AccountScope("acme", "wa-1"), utc(analytics.Daily, "2026-03-12"), analytics.ContactMetrics{
			// c6, created on 03-10, joins wa-1 with k6 on 03-12: new then.
			Total: 3, New: 1, Active: 1, // m28 → c6
			Blocked: 1, EngagementScoreCenti: 9286, // c6 scores 0
			AvgEngagementScore: 30.95, // 9286/3/100 = 30.953…
		}},
		{analytics.AccountScope("acme", "wa-1"), utc(analytics.Weekly, "2026-03-09"), analytics.ContactMetrics{
			// c1, c2 (03-10) and c6 (03-12) all join wa-1 in the week.
			Total: 3, New: 3, Active: 3, // k1 → c1, k2 → c2, k6 → c6
			Blocked: 1, EngagementScoreCenti: 9286, AvgEngagementScore: 30.95,
		}},
		{analytics.AccountScope("acme", "wa-2"), utc(analytics.Weekly, "2026-03-09"), analytics.ContactMetrics{
			// c5 joins wa-2 with k3 (03-09), c2 with k7 (03-10); c1 joined
			// with k4 on 03-08, the Sunday before.
			Total: 3, New: 2, Active: 3, // k3 → c5, k4 → c1, k7 → c2 (m29, m30)
			Blocked: 2, EngagementScoreCenti: 12620, AvgEngagementScore: 42.07,
		}},
		{analytics.AccountScope("acme", "wa-2"), utc(analytics.Daily, "2026-03-08"), analytics.ContactMetrics{
			// Only k4 (c1, 03-08 12:00) is on wa-2 by the day's end.
			Total: 1, New: 1, Active: 0,
			EngagementScoreCenti: 8051, AvgEngagementScore: 80.51,
		}},
		{analytics.TeamScope("acme"), utc(analytics.Monthly, "2026-03-01"), analytics.ContactMetrics{
			Total: 6, New: 5, // all but c5 (February)
			Active:  5, // c1 c2 c3 c5 c6; c4 has no conversation
			Blocked: 2, EngagementScoreCenti: 17633, AvgEngagementScore: 29.39,
		}},
	}
	req := analytics.AggregateRequest{}
	for _, tt := range tests {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: tt.scope, Period: tt.period})
	}
	got := aggregate(t, s, req)
	for i, tt := range tests {
		if d := diff(tt.want, got[i].Contacts); d != "" {
			t.Errorf("Aggregate %s: Contacts (-want +got):\n%s", describe(req.Items[i]), d)
		}
	}
}

// zones holds two teams whose days are not UTC days: Asia/Kolkata (UTC+05:30)
// and America/New_York on its daylight-saving days of 2026 (03-08 is 23 h
// long, 11-01 is 25 h).
func zones() Dataset {
	const K, N = "kolkata", "new-york"
	return Dataset{
		Teams: []analytics.Team{
			{ID: K, TimeZone: "Asia/Kolkata", AccountIDs: []string{"kol-wa"}},
			{ID: N, TimeZone: "America/New_York", AccountIDs: []string{"ny-wa"}},
		},
		Activity: store.Activity{
			Messages: []store.Message{
				msg("a1", K, "kol-wa", "", out, "sent", "2026-03-09T18:29:59.999Z"),      // 03-09 23:59:59.999 IST
				msg("a2", K, "kol-wa", "", out, "delivered", "2026-03-09T18:30:00.000Z"), // 03-10 00:00 IST
				msg("a3", K, "kol-wa", "", in, "read", "2026-03-10T18:29:59.999Z"),       // 03-10 23:59:59.999 IST
				msg("a4", K, "kol-wa", "", out, "read", "2026-03-10T18:30:00.000Z"),      // 03-11 00:00 IST
				msg("a5", K, "", "", out, "failed", "2026-03-10T00:00:00.000Z"),          // 03-10 05:30 IST

				msg("n01", N, "ny-wa", "", out, "sent", "2026-03-08T04:59:59.999Z"),      // 03-07 23:59:59.999 EST
				msg("n02", N, "ny-wa", "", out, "delivered", "2026-03-08T05:00:00.000Z"), // 03-08 00:00 EST
				msg("n03", N, "ny-wa", "", in, "read", "2026-03-08T06:59:59.999Z"),       // 03-08 01:59:59.999 EST
				msg("n04", N, "ny-wa", "", out, "read", "2026-03-08T07:00:00.000Z"),      // 03-08 03:00 EDT
				msg("n05", N, "ny-wa", "", out, "failed", "2026-03-09T03:59:59.999Z"),    // 03-08 23:59:59.999 EDT
				msg("n06", N, "ny-wa", "", in, "read", "2026-03-09T04:00:00.000Z"),       // 03-09 00:00 EDT
				msg("n07", N, "ny-wa", "", out, "sent", "2026-03-09T04:30:00.000Z"),      // 03-09 00:30 EDT
				msg("n08", N, "ny-wa", "", out, "sent", "2026-11-01T03:59:59.999Z"),      // 10-31 23:59:59.999 EDT
				msg("n09", N, "ny-wa", "", out, "delivered", "2026-11-01T04:00:00.000Z"), // 11-01 00:00 EDT
				msg("n10", N, "ny-wa", "", in, "read", "2026-11-01T05:30:00.000Z"),       // 11-01 01:30 EDT
				msg("n11", N, "ny-wa", "", in, "read", "2026-11-01T06:30:00.000Z"),       // 11-01 01:30 EST
				msg("n12", N, "ny-wa", "", out, "read", "2026-11-02T04:59:59.999Z"),      // 11-01 23:59:59.999 EST
				msg("n13", N, "ny-wa", "", out, "sent", "2026-11-02T05:00:00.000Z"),      // 11-02 00:00 EST
			},
			Contacts: []store.Contact{
				contact("kc1", K, false, 10, "2026-03-09T18:29:59.999Z"), // 03-09 IST
				contact("kc2", K, false, 20, "2026-03-09T18:30:00.000Z"), // 03-10 IST
			},
			Campaigns: []store.Campaign{
				campaign("kp1", K, "kol-wa", "Running", 10, 10, 10, 10, "2026-03-10T18:29:59.999Z"), // 03-10 IST
				campaign("kp2", K, "kol-wa", "Completed", 4, 4, 2, 1, "2026-03-10T18:30:00.000Z"),   // 03-11 IST
			},
		},
	}
}

func testTimeZones(t *testing.T, open Open) {
	s := open(t, zones())
	testKolkataDay(t, s)
	testZoneMessages(t, s)
}

// testKolkataDay checks every metric of Kolkata's 2026-03-10.
func testKolkataDay(t *testing.T, s analytics.Store) {
	t.Helper()
	kol := period(analytics.Daily, "2026-03-10", "Asia/Kolkata")
	// Kolkata's 2026-03-10, [03-09T18:30Z, 03-10T18:30Z), in full.
	kolDay := analytics.Metrics{
		Range: rangeOf(kol),
		Messages: analytics.MessageMetrics{
			Total: 3, Inbound: 1, Outbound: 2, // a2, a3, a5
			Sent: 2, Delivered: 2, Read: 1, Failed: 1,
			DeliveryRate: 100, ReadRate: 50, FailureRate: 33.33,
		},
		Campaigns: analytics.CampaignMetrics{
			Total: 1, Active: 1, TotalRecipients: 10, // kp1
			MessagesSent: 10, MessagesDelivered: 10, MessagesRead: 10,
			AvgDeliveryRate: 100, AvgReadRate: 100,
		},
		Contacts: analytics.ContactMetrics{
			Total: 2, New: 1, // kc2 is created at local midnight
			EngagementScoreCenti: 3000, AvgEngagementScore: 15,
		},
		// Tuesday in IST: a2 at 00:00, a5 at 05:30, a3 at 23:59:59.999.
		Traffic: traffic(
			tcell{time.Tuesday, 0, 0, 1, 0},
			tcell{time.Tuesday, 5, 0, 1, 0},
			tcell{time.Tuesday, 23, 1, 0, 0},
		),
	}
	got := aggregate(t, s, analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("kolkata"), Period: kol},
	}})
	if d := diff(kolDay, got[0]); d != "" {
		t.Errorf("Aggregate kolkata Daily 2026-03-10 (-want +got):\n%s", d)
	}
}

// testZoneMessages checks the message counts of days, a week and a month
// in Kolkata and New York, across New York's daylight-saving changes.
func testZoneMessages(t *testing.T, s analytics.Store) {
	t.Helper()
	kol := period(analytics.Daily, "2026-03-10", "Asia/Kolkata")
	msgs := func(total, inbound, sent, delivered, read, failed int64, dr, rr, fr float64) analytics.MessageMetrics {
		return analytics.MessageMetrics{Total: total, Inbound: inbound, Outbound: total - inbound,
			Sent: sent, Delivered: delivered, Read: read, Failed: failed,
			DeliveryRate: dr, ReadRate: rr, FailureRate: fr}
	}
	tests := []struct {
		scope  analytics.Scope
		period analytics.Period
		want   analytics.MessageMetrics
	}{
		// a1 only: its 23:59:59.999 is the day before in Kolkata.
		{analytics.TeamScope("kolkata"), period(analytics.Daily, "2026-03-09", "Asia/Kolkata"),
			msgs(1, 0, 1, 0, 0, 0, 0, 0, 0)},
		// a4 at 00:00 IST of 03-11.
		{analytics.TeamScope("kolkata"), period(analytics.Daily, "2026-03-11", "Asia/Kolkata"),
			msgs(1, 0, 1, 1, 1, 0, 100, 100, 0)},
		// The account leaves out a5, which has none.
		{analytics.AccountScope("kolkata", "kol-wa"), kol, msgs(2, 1, 2, 2, 1, 0, 100, 50, 0)},
		// New York 03-07: n01.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-03-07", "America/New_York"),
			msgs(1, 0, 1, 0, 0, 0, 0, 0, 0)},
		// 03-08, 23 h: n02–n05; sent n02 n03 n04, delivered the same,
		// read n03 n04, failed n05.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-03-08", "America/New_York"),
			msgs(4, 1, 3, 3, 2, 1, 100, 66.67, 25)},
		// 03-09 starts at 04:00Z, not 05:00Z: n06, n07.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-03-09", "America/New_York"),
			msgs(2, 1, 2, 1, 1, 0, 50, 100, 0)},
		// ISO week Mon 03-02 – Sun 03-08: n01–n05; 3/4 delivered, 2/3 read, 1/5 failed.
		{analytics.TeamScope("new-york"), period(analytics.Weekly, "2026-03-02", "America/New_York"),
			msgs(5, 1, 4, 3, 2, 1, 75, 66.67, 20)},
		// March: n01–n07; 4/6 delivered, 3/4 read, 1/7 failed.
		{analytics.AccountScope("new-york", "ny-wa"), period(analytics.Monthly, "2026-03-01", "America/New_York"),
			msgs(7, 2, 6, 4, 3, 1, 66.67, 75, 14.29)},
		// 10-31: n08.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-10-31", "America/New_York"),
			msgs(1, 0, 1, 0, 0, 0, 0, 0, 0)},
		// 11-01, 25 h with 01:30 twice: n09–n12; 3/4 read.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-11-01", "America/New_York"),
			msgs(4, 2, 4, 4, 3, 0, 100, 75, 0)},
		// 11-02: n13.
		{analytics.TeamScope("new-york"), period(analytics.Daily, "2026-11-02", "America/New_York"),
			msgs(1, 0, 1, 0, 0, 0, 0, 0, 0)},
	}
	req := analytics.AggregateRequest{}
	for _, tt := range tests {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: tt.scope, Period: tt.period})
	}
	got := aggregate(t, s, req)
	for i, tt := range tests {
		if d := diff(tt.want, got[i].Messages); d != "" {
			t.Errorf("Aggregate %s: Messages (-want +got):\n%s", describe(req.Items[i]), d)
		}
	}
}

// tenants holds two teams that use the same conversation ID ("conv-1") and
// contact ID ("contact-1"), with interleaved messages: a store that joins on
// those IDs alone mixes the tenants' conversations and contacts.
func tenants() Dataset {
	const A, B = "tenant-a", "tenant-b"
	return Dataset{
		Teams: []analytics.Team{
			{ID: A, TimeZone: "UTC", AccountIDs: []string{"a-wa"}},
			{ID: B, TimeZone: "UTC", AccountIDs: []string{"b-wa"}},
		},
		Activity: store.Activity{
			Contacts: []store.Contact{
				contact("contact-1", A, false, 90, "2026-03-01T00:00:00.000Z"),
				contact("contact-1", B, true, 10, "2026-03-10T05:00:00.000Z"),
				contact("contact-2", B, false, 20, "2026-03-02T00:00:00.000Z"),
			},
			Conversations: []store.Conversation{
				conv("conv-1", A, "a-wa", "contact-1", "open", "2026-03-10T10:00:00.000Z"),
				conv("conv-1", B, "b-wa", "contact-1", "closed", "2026-03-10T10:00:30.000Z"),
			},
			Messages: []store.Message{
				msg("ta1", A, "a-wa", "conv-1", in, "read", "2026-03-10T10:00:00.000Z"),
				msg("tb1", B, "b-wa", "conv-1", out, "sent", "2026-03-10T10:00:30.000Z"),
				msg("tb2", B, "b-wa", "conv-1", in, "read", "2026-03-10T10:00:45.000Z"),
				msg("ta2", A, "a-wa", "conv-1", out, "read", "2026-03-10T10:01:00.000Z"),
				msg("ta3", A, "a-wa", "conv-1", in, "read", "2026-03-11T10:01:00.000Z"), // exactly W after ta2
			},
			Campaigns: []store.Campaign{
				campaign("camp-b", B, "b-wa", "Running", 10, 10, 9, 3, "2026-03-10T12:00:00.000Z"),
			},
		},
	}
}

func testTenants(t *testing.T, open Open) {
	s := open(t, tenants())
	day := period(analytics.Daily, "2026-03-10", "UTC")
	// tenant-a: ta1 is a turn answered by ta2 in 60 s; ta2 is replied by
	// ta3 exactly W later, on 03-11.
	a := analytics.Metrics{
		Range: rangeOf(day),
		Messages: analytics.MessageMetrics{
			Total: 2, Sent: 2, Delivered: 2, Read: 2, Replied: 1, Inbound: 1, Outbound: 1,
			DeliveryRate: 100, ReadRate: 100, ReplyRate: 50,
		},
		Contacts: analytics.ContactMetrics{
			Total: 1, Active: 1, EngagementScoreCenti: 9000, AvgEngagementScore: 90,
		},
		Conversations: analytics.ConversationMetrics{
			Total: 1, Open: 1,
			ResponseCount: 1, ResponseTimeMs: 60000, Histogram: analytics.Histogram{4: 1}, // [60,120)
			FirstResponseCount: 1, FirstResponseTimeMs: 60000,
			AvgResponseTime: 60, MedianResponseTime: 120, P90ResponseTime: 120, AvgFirstResponseTime: 60,
		},
		Traffic: traffic(tcell{time.Tuesday, 10, 1, 1, 1}), // ta1, ta2, conv-1
	}
	aAcc := a
	aAcc.Contacts.New = 1 // contact-1 joins a-wa with conv-1 on the day
	// tenant-b: tb1 is replied by tb2 after 15 s; tb2's turn is unanswered.
	b := analytics.Metrics{
		Range: rangeOf(day),
		Messages: analytics.MessageMetrics{
			Total: 2, Sent: 2, Delivered: 1, Read: 1, Replied: 1, Inbound: 1, Outbound: 1,
			DeliveryRate: 50, ReadRate: 100, ReplyRate: 50,
		},
		Campaigns: analytics.CampaignMetrics{
			Total: 1, Active: 1, TotalRecipients: 10, MessagesSent: 10, MessagesDelivered: 9, MessagesRead: 3,
			AvgDeliveryRate: 90, AvgReadRate: 33.33,
		},
		Contacts: analytics.ContactMetrics{
			Total: 2, New: 1, Active: 1, Blocked: 1, // contact-1 (new, blocked), contact-2
			EngagementScoreCenti: 3000, AvgEngagementScore: 15,
		},
		Conversations: analytics.ConversationMetrics{Total: 1, Closed: 1, Unanswered: 1},
		Traffic:       traffic(tcell{time.Tuesday, 10, 1, 1, 1}), // tb2, tb1, conv-1
	}
	bAcc := b
	bAcc.Contacts = analytics.ContactMetrics{
		Total: 1, New: 1, Active: 1, Blocked: 1, // contact-1 only: contact-2 has no conversation
		EngagementScoreCenti: 1000, AvgEngagementScore: 10,
	}
	tests := []struct {
		scope analytics.Scope
		want  analytics.Metrics
	}{
		{analytics.TeamScope("tenant-a"), a},
		{analytics.AccountScope("tenant-a", "a-wa"), aAcc},
		{analytics.TeamScope("tenant-b"), b},
		{analytics.AccountScope("tenant-b", "b-wa"), bAcc},
		// An account of the other tenant is not this tenant's.
		{analytics.AccountScope("tenant-a", "b-wa"), analytics.Metrics{Range: rangeOf(day)}},
	}
	req := analytics.AggregateRequest{}
	for _, tt := range tests {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: tt.scope, Period: day})
	}
	got := aggregate(t, s, req)
	for i, tt := range tests {
		if d := diff(tt.want, got[i]); d != "" {
			t.Errorf("Aggregate %s (-want +got):\n%s", describe(req.Items[i]), d)
		}
	}
}
