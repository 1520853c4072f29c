package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var campaignTests = []subtest{
	{"HandComputed", testFunnelsHandComputed},
	{"ReplyWindow", testFunnelsReplyWindow},
	{"Pages", testFunnelsPages},
	{"Filter", testFunnelsFilter},
	{"Unknown", testFunnelsUnknown},
	{"InvalidQuery", testFunnelsInvalid},
	{"MatchesReference", testFunnelsMatchReference},
}

// promoID and rivalID are the teams of the funnel dataset.
const (
	promoID = "promo"
	rivalID = "rival"
)

// funnels returns the funnel dataset: team promo (UTC, account promo-wa)
// with four campaigns, and team rival, whose messages carry promo's
// campaign IDs and must never count for promo. Every expected number of
// the tests below was worked out by hand from these records.
func funnels() Dataset {
	const P, R = promoID, rivalID
	withCampaign := func(m store.Message, campaignID string) store.Message {
		m.CampaignID = campaignID
		return m
	}
	a := store.Activity{
		Campaigns: []store.Campaign{
			campaign("cp-a", P, "promo-wa", "Running", 10, 0, 0, 0, "2026-03-01T09:00:00.000Z"),
			campaign("cp-b", P, "", "Completed", 5, 0, 0, 0, "2026-03-02T09:00:00.000Z"),
			campaign("cp-c", P, "promo-wa", "Draft", 3, 0, 0, 0, "2026-03-03T09:00:00.000Z"),
			campaign("cp-d", P, "promo-wa", "Failed", 7, 0, 0, 0, "2026-03-04T09:00:00.000Z"),
			campaign("rv-a", R, "", "Running", 99, 0, 0, 0, "2026-03-01T09:00:00.000Z"),
		},
		Conversations: []store.Conversation{
			conv("pk1", P, "promo-wa", "", "open", "2026-03-01T10:00:00.000Z"),
			conv("pk2", P, "promo-wa", "", "open", "2026-03-01T10:00:00.000Z"),
			conv("pk3", P, "promo-wa", "", "open", "2026-03-01T10:00:00.000Z"),
			conv("pk4", P, "promo-wa", "", "open", "2026-03-01T10:00:00.000Z"),
			conv("pk5", P, "promo-wa", "", "open", "2026-03-01T10:00:00.000Z"),
			conv("pk6", P, "", "", "open", "2026-03-02T10:00:00.000Z"),
			conv("rk1", R, "", "", "open", "2026-03-01T10:00:00.000Z"),
		},
		Messages: []store.Message{
			// cp-a: a1 is replied 2 h later; a2's reply comes W + 1 ms
			// later (not replied); a3's next message is outbound (not
			// replied; r3 replies a3b); a4 failed and has no next message;
			// a5 has no conversation and a status outside the four; a6 is
			// replied exactly W later.
			withCampaign(msg("a1", P, "promo-wa", "pk1", out, "read", "2026-03-01T10:00:00.000Z"), "cp-a"),
			msg("r1", P, "promo-wa", "pk1", in, "received", "2026-03-01T12:00:00.000Z"),
			withCampaign(msg("a2", P, "promo-wa", "pk2", out, "delivered", "2026-03-01T10:00:00.000Z"), "cp-a"),
			msg("r2", P, "promo-wa", "pk2", in, "received", "2026-03-02T10:00:00.001Z"),
			withCampaign(msg("a3", P, "promo-wa", "pk3", out, "sent", "2026-03-01T10:00:01.000Z"), "cp-a"),
			msg("a3b", P, "promo-wa", "pk3", out, "read", "2026-03-01T10:05:00.000Z"),
			msg("r3", P, "promo-wa", "pk3", in, "received", "2026-03-01T10:06:00.000Z"),
			withCampaign(msg("a4", P, "promo-wa", "pk4", out, "failed", "2026-03-01T10:00:02.000Z"), "cp-a"),
			withCampaign(msg("a5", P, "promo-wa", "", out, "pending", "2026-03-01T10:00:03.000Z"), "cp-a"),
			withCampaign(msg("a6", P, "promo-wa", "pk5", out, "read", "2026-03-01T10:00:04.000Z"), "cp-a"),
			msg("r6", P, "promo-wa", "pk5", in, "received", "2026-03-02T10:00:04.000Z"),
			// cp-b: b1 (no account) is replied by b2, an inbound message
			// that carries the reference too: counted, never replied.
			withCampaign(msg("b1", P, "", "pk6", out, "read", "2026-03-02T10:00:00.000Z"), "cp-b"),
			withCampaign(msg("b2", P, "", "pk6", in, "received", "2026-03-02T10:30:00.000Z"), "cp-b"),
			// cp-d: one failed message of no conversation.
			withCampaign(msg("d1", P, "promo-wa", "", out, "failed", "2026-03-04T10:00:00.000Z"), "cp-d"),
			// A reference to a campaign promo does not have: ignored.
			withCampaign(msg("z1", P, "promo-wa", "", out, "read", "2026-03-04T10:00:00.000Z"), "cp-zzz"),
			// rival's messages carry promo's campaign IDs, and its own.
			withCampaign(msg("x1", R, "", "rk1", out, "read", "2026-03-01T10:00:00.000Z"), "cp-a"),
			msg("x2", R, "", "rk1", in, "received", "2026-03-01T10:01:00.000Z"),
			withCampaign(msg("x3", R, "", "", out, "failed", "2026-03-01T10:02:00.000Z"), "cp-d"),
			withCampaign(msg("x4", R, "", "", out, "delivered", "2026-03-01T10:03:00.000Z"), "rv-a"),
		},
	}
	return Dataset{
		Teams: []analytics.Team{
			{ID: P, TimeZone: "UTC", AccountIDs: []string{"promo-wa"}},
			{ID: R, TimeZone: "Europe/Berlin"},
		},
		Activity: a,
	}
}

// funnelA is cp-a's funnel under the default window: 6 messages (a1–a6);
// sent a1 a2 a3 a6; delivered a1 a2 a6; read a1 a6; failed a4; replied
// a1 a6. Rates: 3/4 = 75, 2/3 = 66.67, 2/4 = 50, 1/6 = 16.67; score
// 0.3·75 + 0.3·66.67 + 0.3·50 − 0.1·16.67 = 55.834, so 55.83.
func funnelA() analytics.CampaignFunnel {
	return analytics.CampaignFunnel{CampaignID: "cp-a", TeamID: promoID, AccountID: "promo-wa", Status: "Running",
		CreatedAt: ts("2026-03-01T09:00:00.000Z"), Recipients: 10, Messages: 6,
		Sent: 4, Delivered: 3, Read: 2, Failed: 1, Replied: 2,
		DeliveryRate: 75, ReadRate: 66.67, ReplyRate: 50, FailureRate: 16.67, Score: 55.83}
}

// funnelB is cp-b's: b1 and b2; b1 read and replied. Rates 100, 100,
// 100, 0: score 90.
func funnelB() analytics.CampaignFunnel {
	return analytics.CampaignFunnel{CampaignID: "cp-b", TeamID: promoID, Status: "Completed",
		CreatedAt: ts("2026-03-02T09:00:00.000Z"), Recipients: 5, Messages: 2,
		Sent: 1, Delivered: 1, Read: 1, Replied: 1,
		DeliveryRate: 100, ReadRate: 100, ReplyRate: 100, Score: 90}
}

// funnelC is cp-c's: no messages, every count and rate 0.
func funnelC() analytics.CampaignFunnel {
	return analytics.CampaignFunnel{CampaignID: "cp-c", TeamID: promoID, AccountID: "promo-wa", Status: "Draft",
		CreatedAt: ts("2026-03-03T09:00:00.000Z"), Recipients: 3}
}

// funnelD is cp-d's: d1 failed (x3 is rival's). Failure 100: score
// −10, clamped to 0.
func funnelD() analytics.CampaignFunnel {
	return analytics.CampaignFunnel{CampaignID: "cp-d", TeamID: promoID, AccountID: "promo-wa", Status: "Failed",
		CreatedAt: ts("2026-03-04T09:00:00.000Z"), Recipients: 7, Messages: 1, Failed: 1, FailureRate: 100}
}

// campaignFunnels calls s.CampaignFunnels and fails t on an error.
func campaignFunnels(t *testing.T, s analytics.Store, q analytics.CampaignQuery) []analytics.CampaignFunnel {
	t.Helper()
	got, err := s.CampaignFunnels(context.Background(), q)
	if err != nil {
		t.Fatalf("CampaignFunnels(%+v): %v", q, err)
	}
	return got
}

func testFunnelsHandComputed(t *testing.T, open Open) {
	s := open(t, funnels())
	got := campaignFunnels(t, s, analytics.CampaignQuery{TeamID: promoID, Limit: 10})
	want := []analytics.CampaignFunnel{funnelA(), funnelB(), funnelC(), funnelD()}
	if d := diff(want, got); d != "" {
		t.Errorf("promo's funnels (-want +got):\n%s", d)
	}
	// rival's only campaign: x4, delivered, of no conversation.
	got = campaignFunnels(t, s, analytics.CampaignQuery{TeamID: rivalID, Limit: 10})
	want = []analytics.CampaignFunnel{{CampaignID: "rv-a", TeamID: rivalID, Status: "Running",
		CreatedAt: ts("2026-03-01T09:00:00.000Z"), Recipients: 99, Messages: 1, Sent: 1, Delivered: 1,
		DeliveryRate: 100, Score: 30}}
	if d := diff(want, got); d != "" {
		t.Errorf("rival's funnels (-want +got):\n%s", d)
	}
}

// testFunnelsReplyWindow checks cp-a under a window of 1 h: a1's reply
// (2 h) and a6's (24 h) are now too late, so Replied is 0, the reply rate
// 0 and the score 0.3·75 + 0.3·66.67 − 0.1·16.67 = 40.834, so 40.83.
func testFunnelsReplyWindow(t *testing.T, open Open) {
	s := open(t, funnels())
	got := campaignFunnels(t, s, analytics.CampaignQuery{TeamID: promoID, CampaignIDs: []string{"cp-a"}, Limit: 1, ReplyWindow: time.Hour})
	want := funnelA()
	want.Replied, want.ReplyRate, want.Score = 0, 0, 40.83
	if d := diff([]analytics.CampaignFunnel{want}, got); d != "" {
		t.Errorf("cp-a under a 1 h window (-want +got):\n%s", d)
	}
}

func testFunnelsPages(t *testing.T, open Open) {
	s := open(t, funnels())
	for _, c := range []struct {
		after string
		limit int
		want  []analytics.CampaignFunnel
	}{
		{"", 2, []analytics.CampaignFunnel{funnelA(), funnelB()}},
		{"cp-b", 2, []analytics.CampaignFunnel{funnelC(), funnelD()}},
		{"cp-a", 1, []analytics.CampaignFunnel{funnelB()}},
		{"cp-a0", 1, []analytics.CampaignFunnel{funnelB()}}, // "cp-a" < "cp-a0" < "cp-b"
		{"cp-C", 1, []analytics.CampaignFunnel{funnelA()}},  // byte order: 'C' < 'a'
		{"cp-d", 5, []analytics.CampaignFunnel{}},
	} {
		got := campaignFunnels(t, s, analytics.CampaignQuery{TeamID: promoID, After: c.after, Limit: c.limit})
		if d := diff(c.want, got); d != "" {
			t.Errorf("after %q, limit %d (-want +got):\n%s", c.after, c.limit, d)
		}
	}
}

func testFunnelsFilter(t *testing.T, open Open) {
	s := open(t, funnels())
	for _, c := range []struct {
		ids   []string
		after string
		want  []analytics.CampaignFunnel
	}{
		{[]string{"cp-d", "cp-a", "nope", "rv-a"}, "", []analytics.CampaignFunnel{funnelA(), funnelD()}},
		{[]string{"cp-d", "cp-a"}, "cp-a", []analytics.CampaignFunnel{funnelD()}},
		{[]string{"cp-c"}, "", []analytics.CampaignFunnel{funnelC()}},
	} {
		got := campaignFunnels(t, s, analytics.CampaignQuery{TeamID: promoID, CampaignIDs: c.ids, After: c.after, Limit: 10})
		if d := diff(c.want, got); d != "" {
			t.Errorf("campaigns %q after %q (-want +got):\n%s", c.ids, c.after, d)
		}
	}
}

// testFunnelsUnknown checks that an unknown campaign, a referenced but
// absent one, and an unknown team give empty results, not errors.
func testFunnelsUnknown(t *testing.T, open Open) {
	s := open(t, funnels())
	for _, q := range []analytics.CampaignQuery{
		{TeamID: promoID, CampaignIDs: []string{"cp-zzz"}, Limit: 1},
		{TeamID: promoID, CampaignIDs: []string{"rv-a"}, Limit: 1},
		{TeamID: "no-such-team", Limit: 10},
	} {
		if got := campaignFunnels(t, s, q); len(got) != 0 {
			t.Errorf("CampaignFunnels(%+v) = %+v, want none", q, got)
		}
	}
}

func testFunnelsInvalid(t *testing.T, open Open) {
	s := open(t, funnels())
	for _, q := range []analytics.CampaignQuery{
		{Limit: 1},
		{TeamID: promoID},
		{TeamID: promoID, Limit: analytics.MaxCampaignPage + 1},
		{TeamID: promoID, Limit: 1, ReplyWindow: -time.Second},
		{TeamID: promoID, Limit: 1, CampaignIDs: []string{""}},
		{TeamID: promoID, Limit: 1, After: string(make([]byte, 1025))},
	} {
		_, err := s.CampaignFunnels(context.Background(), q)
		wantErr(t, fmt.Sprintf("CampaignFunnels(%+v)", q), err, analytics.ErrInvalidArgument)
	}
}

// testFunnelsMatchReference checks CampaignFunnels against
// store.ComputeCampaignFunnels on generated activity whose outbound
// messages carry campaign references (withCampaignRefs), paging through
// every team's campaigns under two windows.
func testFunnelsMatchReference(t *testing.T, open Open) {
	d := merge(funnels(), withCampaignRefs(generated(5), 5))
	s := open(t, d)
	for _, team := range d.Teams {
		for _, window := range []time.Duration{0, time.Hour} {
			q := analytics.CampaignQuery{TeamID: team.ID, Limit: 4, ReplyWindow: window}
			for page := 0; ; page++ {
				want, err := store.ComputeCampaignFunnels(&d.Activity, q)
				if err != nil {
					t.Fatal(err)
				}
				got := campaignFunnels(t, s, q)
				if dd := diff(want, got); dd != "" {
					t.Errorf("team %s, window %v, page %d (-want +got):\n%s", team.ID, window, page, dd)
				}
				if len(want) < q.Limit {
					break
				}
				q.After = want[len(want)-1].CampaignID
			}
		}
	}
}

// withCampaignRefs returns d with campaign references on its outbound
// messages: about two in three carry one of their team's campaign IDs,
// and one in twenty an ID no campaign has. The same seed gives the same
// references.
func withCampaignRefs(d Dataset, seed uint64) Dataset {
	r := rand.New(rand.NewPCG(seed, 0xca4))
	ids := map[string][]string{}
	for _, c := range d.Activity.Campaigns {
		ids[c.TeamID] = append(ids[c.TeamID], c.ID)
	}
	for i := range d.Activity.Messages {
		m := &d.Activity.Messages[i]
		own := ids[m.TeamID]
		switch u := r.IntN(20); {
		case m.Inbound || len(own) == 0 || u >= 14:
		case u == 0:
			m.CampaignID = m.TeamID + "-no-such-campaign"
		default:
			m.CampaignID = own[r.IntN(len(own))]
		}
	}
	return d
}
