package memstore

import (
	"context"
	"fmt"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var _ analytics.CampaignReader = (*Store)(nil)

// CampaignFunnels implements analytics.CampaignReader with
// store.ComputeCampaignFunnels over the team's activity, on the index
// Aggregate keeps (built here when the team has changed since). An
// unknown team gives an empty result.
func (s *Store) CampaignFunnels(ctx context.Context, q analytics.CampaignQuery) ([]analytics.CampaignFunnel, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	x := s.teamIndex(q.TeamID)
	out, err := x.CampaignFunnels(q)
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	return out, nil
}

// teamIndex returns the aggregation index of the team's activity, building
// and keeping it when the team has changed since it was last built; an
// empty index for a team without activity.
func (s *Store) teamIndex(teamID string) *store.ActivityIndex {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.data[teamID]
	if d == nil {
		return store.IndexActivity(nil)
	}
	x := d.index.Load()
	if x == nil {
		x = store.IndexActivity(&store.Activity{
			Messages: d.messages, Conversations: d.conversations, Contacts: d.contacts, Campaigns: d.campaigns,
		})
		d.index.Store(x)
	}
	return x
}
