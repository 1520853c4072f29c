package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TestServiceCampaigns pages through each team's campaign funnels, with
// and without a cache, and requires the pages to partition what
// store.ComputeCampaignFunnels gives, each funnel also read alone by
// Service.Campaign.
func TestServiceCampaigns(t *testing.T) {
	t.Parallel()
	for _, setup := range []tierSetup{{name: "NoCache"}, {name: "L1", l1: true}} {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			f := newSvcFixture(t, setup, nil)
			ctx := context.Background()
			messages := int64(0)
			for team := range f.teams {
				want, err := store.ComputeCampaignFunnels(&f.act, analytics.CampaignQuery{TeamID: team, Limit: analytics.MaxCampaignPage})
				if err != nil {
					t.Fatal(err)
				}
				var got []analytics.CampaignFunnel
				after := ""
				for range 100 {
					page, err := f.svc.Campaigns(ctx, team, after, 3)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Campaigns) > 3 || page.Next != "" && page.Next != page.Campaigns[len(page.Campaigns)-1].CampaignID {
						t.Fatalf("page after %q: %d campaigns, Next %q", after, len(page.Campaigns), page.Next)
					}
					got = append(got, page.Campaigns...)
					if after = page.Next; after == "" {
						break
					}
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("team %s: the pages differ from ComputeCampaignFunnels (-want +got):\n%s", team, d)
				}
				for _, w := range want {
					messages += w.Messages
					one, err := f.svc.Campaign(ctx, team, w.CampaignID)
					if err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(w, one); d != "" {
						t.Errorf("Campaign(%s, %s) (-want +got):\n%s", team, w.CampaignID, d)
					}
				}
			}
			if messages == 0 {
				t.Error("no campaign has messages: the dataset does not test funnels")
			}
		})
	}
}

// TestServiceCampaignCached: a campaign's funnel is cached for 5 minutes,
// per team: a message added since is counted once the entry expires, or
// at once after InvalidateTeam.
func TestServiceCampaignCached(t *testing.T) {
	t.Parallel()
	f := newSvcFixture(t, tierSetup{name: "L1", l1: true}, nil)
	ctx := context.Background()
	team := kolkataTeam
	page, err := f.svc.Campaigns(ctx, team, "", 1)
	if err != nil || len(page.Campaigns) != 1 {
		t.Fatalf("Campaigns: %+v, %v", page, err)
	}
	id := page.Campaigns[0].CampaignID
	before, err := f.svc.Campaign(ctx, team, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	send := func() {
		n++
		f.add(t, store.Activity{Messages: []store.Message{{ID: fmt.Sprintf("extra-%d", n), TeamID: team,
			Status: store.StatusRead, CampaignID: id, CreatedAt: f.clock.Now().Add(-time.Minute)}}})
	}
	read := func(what string, wantMessages int64) {
		t.Helper()
		got, err := f.svc.Campaign(ctx, team, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Messages != wantMessages {
			t.Errorf("%s: %d messages, want %d", what, got.Messages, wantMessages)
		}
		p, err := f.svc.Campaigns(ctx, team, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if p.Campaigns[0].Messages != wantMessages {
			t.Errorf("%s: the page has %d messages, want %d", what, p.Campaigns[0].Messages, wantMessages)
		}
	}
	send()
	read("cached", before.Messages)
	f.clock.Advance(5*time.Minute - time.Second) // the campaigns TTL: 5 minutes
	read("just before the TTL", before.Messages)
	f.clock.Advance(2 * time.Second)
	read("after the TTL", before.Messages+1)
	send()
	read("cached again", before.Messages+1)
	if err := f.svc.InvalidateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	read("after InvalidateTeam", before.Messages+2)
}

// TestServiceCampaignErrors: another team's campaign and an unknown team
// are not found; bad arguments are invalid.
func TestServiceCampaignErrors(t *testing.T) {
	t.Parallel()
	f := newSvcFixture(t, tierSetup{name: "L1", l1: true}, nil)
	ctx := context.Background()
	page, err := f.svc.Campaigns(ctx, newYorkTeam, "", 1)
	if err != nil || len(page.Campaigns) != 1 {
		t.Fatalf("Campaigns: %+v, %v", page, err)
	}
	other := page.Campaigns[0].CampaignID
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"another team's campaign", second(f.svc.Campaign(ctx, kolkataTeam, other)), analytics.ErrNotFound},
		{"unknown campaign", second(f.svc.Campaign(ctx, kolkataTeam, "no-such-campaign")), analytics.ErrNotFound},
		{"unknown team", second(f.svc.Campaign(ctx, "no-such-team", other)), analytics.ErrNotFound},
		{"unknown team's page", second(f.svc.Campaigns(ctx, "no-such-team", "", 10)), analytics.ErrNotFound},
		{"empty campaign ID", second(f.svc.Campaign(ctx, kolkataTeam, "")), analytics.ErrInvalidArgument},
		{"empty team", second(f.svc.Campaigns(ctx, "", "", 10)), analytics.ErrInvalidArgument},
		{"limit 0", second(f.svc.Campaigns(ctx, kolkataTeam, "", 0)), analytics.ErrInvalidArgument},
		{"limit too large", second(f.svc.Campaigns(ctx, kolkataTeam, "", analytics.MaxCampaignPage+1)), analytics.ErrInvalidArgument},
		{"after too long", second(f.svc.Campaigns(ctx, kolkataTeam, strings.Repeat("x", 1025), 10)), analytics.ErrInvalidArgument},
		{"nil ctx", second(f.svc.Campaign(nil, kolkataTeam, other)), analytics.ErrInvalidArgument}, //nolint:staticcheck // a nil ctx is what is tested
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	// A team with no campaign after the last gives an empty page, not nil.
	p, err := f.svc.Campaigns(ctx, kolkataTeam, "\U0010ffff", 10)
	if err != nil || p.Campaigns == nil || len(p.Campaigns) != 0 || p.Next != "" {
		t.Errorf("the page after every campaign: %+v, %v; want an empty page", p, err)
	}
}

// second returns its second argument: the error of a two-result call.
func second[T any](_ T, err error) error { return err }
