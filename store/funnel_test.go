package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TestComputeCampaignFunnels checks the reference on a conversation with
// no conversation row, given out of order, whose messages of one instant
// follow each other by ID. Every expectation is worked out by hand.
func TestComputeCampaignFunnels(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	msg := func(id string, inbound bool, status, campaign string, d time.Duration) store.Message {
		return store.Message{ID: id, TeamID: "t", ConversationID: "k", Inbound: inbound, Status: status,
			CampaignID: campaign, CreatedAt: at(d)}
	}
	a := &store.Activity{
		Campaigns: []store.Campaign{
			{ID: "c2", TeamID: "t", Status: "Draft", TotalRecipients: -4, CreatedAt: at(-time.Hour).In(berlin)},
			{ID: "c1", TeamID: "t", AccountID: "wa", Status: "Running", TotalRecipients: 9, CreatedAt: at(-time.Hour)},
			{ID: "c1", TeamID: "other", Status: "Running", TotalRecipients: 1, CreatedAt: at(-time.Hour)},
		},
		Messages: []store.Message{
			// m2 and m1 share an instant: m1 comes first (by ID), so m2's
			// next message is m3, inbound a second later: m2 is replied.
			msg("m2", false, "sent", "c1", 0),
			msg("m1", false, "read", "", 0),
			msg("m3", true, "received", "", time.Second),
			// m4's next message is m5, outbound: not replied.
			msg("m4", false, "delivered", "c1", 2*time.Second),
			msg("m5", false, "read", "", 2*time.Second),
			msg("m6", true, "received", "", 3*time.Second),
			// another team's message with the same campaign ID.
			{ID: "o1", TeamID: "other", Status: "failed", CampaignID: "c1", CreatedAt: at(0)},
		},
	}
	got, err := store.ComputeCampaignFunnels(a, analytics.CampaignQuery{TeamID: "t", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// c1: m2 and m4; sent 2, delivered 1, replied 1: rates 50, 0, 50, 0,
	// score 0.3·50 + 0.3·50 = 30. c2: no messages; recipients -4 count as 0.
	want := []analytics.CampaignFunnel{
		{CampaignID: "c1", TeamID: "t", AccountID: "wa", Status: "Running", CreatedAt: at(-time.Hour), Recipients: 9,
			Messages: 2, Sent: 2, Delivered: 1, Replied: 1, DeliveryRate: 50, ReplyRate: 50, Score: 30},
		{CampaignID: "c2", TeamID: "t", Status: "Draft", CreatedAt: at(-time.Hour)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("funnels (-want +got):\n%s", d)
	}
	if loc := got[1].CreatedAt.Location(); loc != time.UTC {
		t.Errorf("CreatedAt is in %v, want UTC", loc)
	}
	// A window shorter than m3's second: m2 is not replied either.
	got, err = store.ComputeCampaignFunnels(a, analytics.CampaignQuery{TeamID: "t", CampaignIDs: []string{"c1"}, Limit: 1, ReplyWindow: 999 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Replied != 0 || got[0].Score != 15 {
		t.Errorf("under a 999 ms window: %+v, want c1 with Replied 0 and Score 15", got)
	}
	if _, err := store.ComputeCampaignFunnels(a, analytics.CampaignQuery{TeamID: "t"}); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("limit 0: got %v, want ErrInvalidArgument", err)
	}
}
