package analytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// CampaignPage is one page of a team's campaign funnels, in byte order of
// the campaign IDs.
type CampaignPage struct {
	// Campaigns are the page's funnels; empty (not nil) when there are
	// none.
	Campaigns []CampaignFunnel `json:"campaigns"`
	// Next is the after to pass for the next page: the last campaign ID of
	// this page when more campaigns follow it, "" when there are no more.
	Next string `json:"next"`
}

// CampaignKey returns the key of one campaign's funnel; its Query is
// "id:" followed by the campaign ID.
func CampaignKey(teamID, campaignID string) CacheKey {
	return CacheKey{Kind: KindCampaigns, TeamID: teamID, Query: "id:" + campaignID}
}

// CampaignsKey returns the key of a page of the team's campaign funnels;
// its Query is "page:{limit}:{after}", e.g. "page:50:" for the first page
// of 50.
func CampaignsKey(teamID, after string, limit int) CacheKey {
	return CacheKey{Kind: KindCampaigns, TeamID: teamID, Query: "page:" + strconv.Itoa(limit) + ":" + after}
}

// Campaign returns the funnel of one campaign of the team over its whole
// life, computed from raw activity under the Service's reply window
// (Config.Snapshotter.ReplyWindow) and cached for the campaigns TTL (5
// minutes by default), so it may be that old; InvalidateTeam drops it. A
// campaign the team does not have (one of another team included), or an
// unknown team, gives ErrNotFound; an invalid ID or a nil ctx
// ErrInvalidArgument. It needs a Store that is a CampaignReader, which
// every Store is.
func (s *Service) Campaign(ctx context.Context, teamID, campaignID string) (CampaignFunnel, error) {
	if err := checkContext(ctx); err != nil {
		return CampaignFunnel{}, err
	}
	if err := ValidateID("teamID", teamID); err != nil {
		return CampaignFunnel{}, err
	}
	if err := ValidateID("campaignID", campaignID); err != nil {
		return CampaignFunnel{}, err
	}
	return cached(ctx, s, CampaignKey(teamID, campaignID), func(ctx context.Context) (CampaignFunnel, error) {
		fs, err := s.store.CampaignFunnels(ctx, CampaignQuery{
			TeamID: teamID, CampaignIDs: []string{campaignID}, Limit: 1, ReplyWindow: s.snap.cfg.ReplyWindow,
		})
		if err != nil {
			return CampaignFunnel{}, err
		}
		if len(fs) == 0 || fs[0].CampaignID != campaignID {
			return CampaignFunnel{}, fmt.Errorf("%w: campaign %q of team %q", ErrNotFound, campaignID, teamID)
		}
		return fs[0], nil
	}, func(f CampaignFunnel) CampaignFunnel { return f })
}

// Campaigns returns a page of the team's campaign funnels: up to limit
// campaigns whose ID sorts after after (byte order; "" for the first
// page), each as Campaign returns it. The page is cached for the campaigns
// TTL (5 minutes by default) and InvalidateTeam drops it. Walk the pages
// by passing each page's Next as after until it is "". An unknown team
// gives ErrNotFound (a known team without campaigns an empty page); limit
// outside 1..MaxCampaignPage, an invalid ID or a nil ctx
// ErrInvalidArgument.
func (s *Service) Campaigns(ctx context.Context, teamID, after string, limit int) (CampaignPage, error) {
	if err := checkContext(ctx); err != nil {
		return CampaignPage{}, err
	}
	if err := ValidateID("teamID", teamID); err != nil {
		return CampaignPage{}, err
	}
	if after != "" {
		if err := ValidateID("after", after); err != nil {
			return CampaignPage{}, err
		}
	}
	if limit < 1 || limit > MaxCampaignPage {
		return CampaignPage{}, invalid("limit", "%d is not in 1..%d", limit, MaxCampaignPage)
	}
	return cached(ctx, s, CampaignsKey(teamID, after, limit), func(ctx context.Context) (CampaignPage, error) {
		return s.campaigns(ctx, teamID, after, limit)
	}, CampaignPage.clone)
}

// campaigns reads one page of Campaigns: limit+1 funnels (at most
// MaxCampaignPage per query), the extra one telling whether more follow.
func (s *Service) campaigns(ctx context.Context, teamID, after string, limit int) (CampaignPage, error) {
	if _, err := s.store.Team(ctx, teamID); err != nil {
		return CampaignPage{}, err
	}
	q := CampaignQuery{TeamID: teamID, After: after, Limit: min(limit+1, MaxCampaignPage), ReplyWindow: s.snap.cfg.ReplyWindow}
	fs, err := s.store.CampaignFunnels(ctx, q)
	if err != nil {
		return CampaignPage{}, err
	}
	more := len(fs) > limit
	if len(fs) > limit {
		fs = fs[:limit]
	}
	if !more && len(fs) == MaxCampaignPage && limit == MaxCampaignPage {
		// A full page of the largest size: ask whether one more follows.
		next, err := s.store.CampaignFunnels(ctx, CampaignQuery{TeamID: teamID, After: fs[len(fs)-1].CampaignID, Limit: 1, ReplyWindow: q.ReplyWindow})
		if err != nil {
			return CampaignPage{}, err
		}
		more = len(next) > 0
	}
	page := CampaignPage{Campaigns: fs}
	if page.Campaigns == nil {
		page.Campaigns = []CampaignFunnel{}
	}
	if more {
		page.Next = fs[len(fs)-1].CampaignID
	}
	return page, nil
}

// clone returns a copy of p that shares no slice with it.
func (p CampaignPage) clone() CampaignPage {
	p.Campaigns = slices.Clone(p.Campaigns)
	if p.Campaigns == nil {
		p.Campaigns = []CampaignFunnel{}
	}
	return p
}
