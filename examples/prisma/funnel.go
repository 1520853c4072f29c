package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/msgstats/analytics"
)

// campaignFormat prints one campaign funnel; shared by the program and its
// test.
const campaignFormat = "   %-15s %q (%s, created %s): %d recipients, %d messages: %d sent, %d delivered, %d read, %d failed, %d replied; score %.2f\n"

// funnelCampaign returns the campaign the program shows the funnel of: the
// one the most messages reference (the first in dataset order among
// equals), and false when no message references one.
func funnelCampaign(ds dataset) (campaignRow, bool) {
	refs := map[string]int{}
	for _, m := range ds.messages {
		if m.campaignID != nil {
			refs[*m.campaignID]++
		}
	}
	var best campaignRow
	for _, c := range ds.campaigns {
		if refs[c.id] > refs[best.id] {
			best = c
		}
	}
	return best, refs[best.id] > 0
}

// printCampaign prints the funnel of funnelCampaign's campaign, read
// through Service.Campaign (over the campaign's whole life, live).
func printCampaign(ctx context.Context, out io.Writer, svc *analytics.Service, ds dataset) error {
	c, ok := funnelCampaign(ds)
	if !ok {
		fmt.Fprintf(out, "\n   Campaign funnel: no message carries a campaign reference\n")
		return nil
	}
	f, err := svc.Campaign(ctx, c.teamID, c.id)
	if err != nil {
		return err
	}
	team := ""
	for _, t := range ds.teams {
		if t.id == c.teamID {
			team = t.name
		}
	}
	fmt.Fprintf(out, "\n   Campaign funnel (Service.Campaign, the campaign's whole life):\n")
	fmt.Fprintf(out, campaignFormat, team, c.name, f.Status, f.CreatedAt.Format(time.RFC3339),
		f.Recipients, f.Messages, f.Sent, f.Delivered, f.Read, f.Failed, f.Replied, f.Score)
	return nil
}
