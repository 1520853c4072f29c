package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestCampaignFunnelsUnmapped: without Messages.CampaignID, CampaignFunnels
// fails with an error naming the field, never zeros; and no campaign index
// is recommended.
func TestCampaignFunnelsUnmapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "t1"}}, nil, envOptions{})
	_, err := e.store.CampaignFunnels(context.Background(), analytics.CampaignQuery{TeamID: "t1", Limit: 10})
	var fe *analytics.FieldError
	if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Config.Source.Messages.CampaignID" {
		t.Errorf("CampaignFunnels without the campaign column: %v, want an ErrInvalidArgument naming Config.Source.Messages.CampaignID", err)
	}
	for _, ix := range e.store.RecommendedIndexes() {
		if strings.Contains(ix.Name, "campaign_idx") {
			t.Errorf("recommended %+v without the campaign column", ix)
		}
	}
}

// TestCampaignFunnelsCrossCheck loads a generated dataset (campaign
// references on outbound messages, some to campaigns that do not exist)
// into Postgres and into memstore, and requires equal funnels for every
// team, page by page and under two windows, each call one statement
// whatever the number of campaigns.
func TestCampaignFunnelsCrossCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := synth.Config{Seed: 11, Teams: 12, AccountsPerTeam: 2, Start: analytics.NewDate(2026, 3, 2), Days: 14, MessagesPerDay: 3000}
	teams, act, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mem := memOf(t, teams, act)
	e := newEnv(t, teams, &act, envOptions{cfg: campaignConfig()})
	if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(e.store.RecommendedIndexes(), func(ix pgstore.Index) bool {
		return ix.Columns == `"team_id", "campaign_id"`
	}) {
		t.Errorf("no (team_id, campaign_id) index in %+v", e.store.RecommendedIndexes())
	}
	replied := int64(0)
	for _, tm := range teams {
		for _, w := range []time.Duration{0, time.Hour} {
			q := analytics.CampaignQuery{TeamID: tm.ID, Limit: 5, ReplyWindow: w}
			for {
				want, err := mem.CampaignFunnels(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var got []analytics.CampaignFunnel
				if n := e.hook.counting(func() { got, err = e.store.CampaignFunnels(ctx, q) }); n != 1 {
					t.Errorf("CampaignFunnels ran %d statements, want 1", n)
				}
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("team %s after %q, window %v (-memstore +pgstore):\n%s", tm.ID, q.After, w, d)
				}
				for _, f := range got {
					replied += f.Replied
				}
				if len(want) < q.Limit {
					break
				}
				q.After = want[len(want)-1].CampaignID
			}
		}
	}
	if replied == 0 {
		t.Error("no campaign message was replied to: the dataset does not test replies")
	}
}

// TestCampaignFunnelsPrisma reads funnels through the mapping ProposeSource
// gives the Prisma-shaped schema (enum statuses in capitals, quoted
// camelCase columns, "campaignId"), and requires what
// store.ComputeCampaignFunnels gives over the same activity, the statuses
// the mapping recognises read as the canonical ones.
func TestCampaignFunnelsPrisma(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	teams, act := genDataset(12, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), 6, false, analytics.DefaultReplyWindow)
	refer(act)
	db := prismaDB(t, teams, act)
	src, _, err := pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if src.Messages.CampaignID != "campaignId" {
		t.Fatalf("ProposeSource mapped Messages.CampaignID to %q, want campaignId", src.Messages.CampaignID)
	}
	st, err := pgstore.New(ctx, db, &pgstore.Config{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range teams {
		q := analytics.CampaignQuery{TeamID: tm.ID, Limit: analytics.MaxCampaignPage}
		want, err := store.ComputeCampaignFunnels(act, q)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range want {
			// A status outside the mapping's lists is as stored: in capitals.
			if !slices.Contains([]string{store.CampaignRunning, store.CampaignCompleted, store.CampaignFailed}, f.Status) {
				want[i].Status = strings.ToUpper(f.Status)
			}
		}
		got, err := st.CampaignFunnels(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("team %s (-want +got):\n%s", tm.ID, d)
		}
	}
}

// refer puts campaign references on a's outbound messages: two in three
// name a campaign of the message's team, one in twenty-one a campaign
// that does not exist.
func refer(a *store.Activity) {
	ids := map[string][]string{}
	for _, c := range a.Campaigns {
		ids[c.TeamID] = append(ids[c.TeamID], c.ID)
	}
	for i := range a.Messages {
		m := &a.Messages[i]
		own := ids[m.TeamID]
		switch {
		case m.Inbound || len(own) == 0 || i%3 == 0:
		case i%21 == 1:
			m.CampaignID = "no-such-campaign"
		default:
			m.CampaignID = own[i%len(own)]
		}
	}
}
