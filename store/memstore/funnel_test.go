package memstore_test

import (
	"context"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// funnelOtherTeams counts, in every funnel, the failed messages of every
// team that carry its campaign ID, as a store that forgets to join on the
// team would: one more for cp-d of the funnel dataset (rival's x3).
type funnelOtherTeams struct{ *memstore.Store }

func (s funnelOtherTeams) CampaignFunnels(ctx context.Context, q analytics.CampaignQuery) ([]analytics.CampaignFunnel, error) {
	fs, err := s.Store.CampaignFunnels(ctx, q)
	for i := range fs {
		if fs[i].CampaignID == "cp-d" {
			fs[i].Messages++
			fs[i].Failed++
			fs[i].Derive()
		}
	}
	return fs, err
}
